/**
 * The QA chart of a flow's HTTP exchanges: x is seconds since the flow started, y the seconds
 * since the previous request to the same URL, or for a URL's first request since the previous
 * request (so each poll's gap stands against the poll interval, drawn as a dashed step line). One mark per exchange, its colour and shape by
 * outcome, so the chart reads without colour too. Drawn as SVG that scales with its box.
 */
import type { ChartModel, ChartPoint, ExchangeOutcome } from '../format/flow-log'

/** The drawing's own units; the SVG scales them to its box (CSS sets the width). */
const W = 1600
const H = 330
const LEFT = 92
const RIGHT = 28
const TOP = 46
const BOTTOM = 64

/** Props of {@link OutcomeMark}. */
export interface OutcomeMarkProps {
  readonly outcome: ExchangeOutcome
  /** Half the mark's width, in the enclosing SVG's units. */
  readonly size: number
}

/**
 * One outcome's shape, centred on 0,0: a dot for `authorization_pending`, a triangle for
 * `slow_down`, a square for success, a cross for an error, a hollow diamond for a network
 * failure, a hollow dot for an exchange still in flight.
 */
export function OutcomeMark({ outcome, size: s }: OutcomeMarkProps) {
  switch (outcome) {
    case 'pending':
      return <circle r={s} />
    case 'slow_down':
      return <polygon points={`0,${-s * 1.2} ${s * 1.1},${s * 0.8} ${-s * 1.1},${s * 0.8}`} />
    case 'success':
      return <rect x={-s * 0.9} y={-s * 0.9} width={s * 1.8} height={s * 1.8} />
    case 'error':
      return <path d={`M${-s},${-s}L${s},${s}M${-s},${s}L${s},${-s}`} />
    case 'network':
      return <polygon points={`0,${-s * 1.25} ${s * 1.25},0 0,${s * 1.25} ${-s * 1.25},0`} />
    case 'in_flight':
      return <circle r={s * 0.9} />
  }
}

/** Props of {@link FlowChart}. */
export interface FlowChartProps {
  readonly model: ChartModel
  /** What the chart shows, for screen readers (the table below has the details). */
  readonly label: string
  readonly axisX: string
  readonly axisY: string
  /** "interval 5 s" */
  readonly intervalLabel: (seconds: number) => string
  /** A mark's tooltip: "#3 · 2.05 s · POST /token · 400 authorization_pending". */
  readonly describe: (point: ChartPoint) => string
  /** A tick's number, in the screen's language. */
  readonly formatNumber: (value: number) => string
}

/** The chart; every exchange of the log is one `.qa-chart__mark`. */
export function FlowChart({ model, label, axisX, axisY, intervalLabel, describe, formatNumber }: FlowChartProps) {
  const plotW = W - LEFT - RIGHT
  const plotH = H - TOP - BOTTOM
  const sx = (x: number): number => LEFT + (Math.min(x, model.xMax) / model.xMax) * plotW
  const sy = (y: number): number => TOP + (1 - Math.min(y, model.yMax) / model.yMax) * plotH
  const size = model.points.length > 120 ? 6 : 9
  return (
    <svg className="qa-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <rect className="qa-chart__plot" x={LEFT} y={TOP} width={plotW} height={plotH} />
      {model.yTicks.map((y) => (
        <g key={`y${y}`} className="qa-chart__tick">
          <line className="qa-chart__grid" x1={LEFT} x2={W - RIGHT} y1={sy(y)} y2={sy(y)} />
          <text x={LEFT - 12} y={sy(y)} textAnchor="end" dominantBaseline="middle">
            {formatNumber(y)}
          </text>
        </g>
      ))}
      {model.xTicks.map((x) => (
        <g key={`x${x}`} className="qa-chart__tick">
          <line className="qa-chart__grid" x1={sx(x)} x2={sx(x)} y1={TOP} y2={TOP + plotH} />
          <text x={sx(x)} y={TOP + plotH + 28} textAnchor="middle">
            {formatNumber(x)}
          </text>
        </g>
      ))}
      <text className="qa-chart__axis-title" x={LEFT + plotW / 2} y={H - 6} textAnchor="middle">
        {axisX}
      </text>
      <text className="qa-chart__axis-title" x={LEFT} y={TOP - 16}>
        {axisY}
      </text>
      {model.steps.map((step, i) => (
        <g key={`s${i}`} className="qa-chart__interval">
          <line x1={sx(step.from)} x2={sx(step.to)} y1={sy(step.seconds)} y2={sy(step.seconds)} />
          {i > 0 && <line x1={sx(step.from)} x2={sx(step.from)} y1={sy(model.steps[i - 1]?.seconds ?? step.seconds)} y2={sy(step.seconds)} />}
          <text x={Math.min(sx(step.from) + 8, W - RIGHT - 160)} y={sy(step.seconds) - 10}>
            {intervalLabel(step.seconds)}
          </text>
        </g>
      ))}
      {model.points.map((point) => (
        <g
          key={point.seq}
          className={`qa-chart__mark qa-chart__mark--${point.outcome}`}
          data-seq={point.seq}
          data-outcome={point.outcome}
          transform={`translate(${sx(point.x).toFixed(1)} ${sy(point.y).toFixed(1)})`}
        >
          <title>{describe(point)}</title>
          <OutcomeMark outcome={point.outcome} size={size} />
        </g>
      ))}
    </svg>
  )
}

/** Props of {@link ChartLegend}. */
export interface ChartLegendProps {
  readonly items: readonly { readonly outcome: ExchangeOutcome; readonly label: string }[]
  /** The interval line's legend entry, or a note that it is not known. */
  readonly interval: { readonly known: boolean; readonly label: string }
}

/** What each shape and the dashed line mean. */
export function ChartLegend({ items, interval }: ChartLegendProps) {
  return (
    <ul className="qa-legend">
      {items.map((item) => (
        <li key={item.outcome} className="qa-legend__item">
          <svg className={`qa-legend__mark qa-chart__mark--${item.outcome}`} viewBox="-12 -12 24 24" aria-hidden="true">
            <OutcomeMark outcome={item.outcome} size={8} />
          </svg>
          {item.label}
        </li>
      ))}
      <li className={`qa-legend__item${interval.known ? '' : ' qa-legend__item--unknown'}`}>
        {interval.known && (
          <svg className="qa-legend__mark qa-chart__interval" viewBox="0 -12 36 24" aria-hidden="true">
            <line x1="0" x2="36" y1="0" y2="0" />
          </svg>
        )}
        {interval.label}
      </li>
    </ul>
  )
}
