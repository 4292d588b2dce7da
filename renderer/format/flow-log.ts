/**
 * The QA flow log as the QA panel draws it: each exchange's outcome, the chart's points (x =
 * seconds since the flow started, y = seconds since the previous request to the same URL, or
 * for a URL's first request since the previous request), the
 * poll interval as steps over time, axis ticks and the export file name. Pure: no DOM, no store.
 */
import type { FlowLogView } from '../../electron/ipc/contract'

/** One exchange of the log. */
export type LogEntry = FlowLogView['entries'][number]

/** What an exchange came to, for its mark's colour and shape. */
export type ExchangeOutcome = 'pending' | 'slow_down' | 'success' | 'error' | 'network' | 'in_flight'

/** Every outcome, in the legend's order. */
export const OUTCOMES: readonly ExchangeOutcome[] = ['pending', 'slow_down', 'success', 'error', 'network', 'in_flight']

/**
 * The outcome of one exchange: a failure without an answer is `network`; an OAuth `error`
 * member decides next (GitHub sends its errors with HTTP 200); then the status.
 */
export function outcomeOf(entry: LogEntry): ExchangeOutcome {
  if (entry.failure) return 'network'
  if (entry.status === undefined) return 'in_flight'
  if (entry.oauthError === 'authorization_pending') return 'pending'
  if (entry.oauthError === 'slow_down') return 'slow_down'
  if (entry.oauthError === undefined && entry.status >= 200 && entry.status < 300) return 'success'
  return 'error'
}

/** A poll interval the screen saw in a snapshot: from when (wall clock, ms) and how long (s). */
export interface IntervalMark {
  /** The provider of the flow it belongs to. */
  readonly provider: string | null
  /** When the screen learnt it, ms since the epoch. */
  readonly at: number
  readonly seconds: number
}

/** One mark on the chart. */
export interface ChartPoint {
  readonly seq: number
  /** Seconds since the flow started. */
  readonly x: number
  /**
   * Seconds since the previous request to the same method and URL; for the first request to
   * a URL, since the previous request of any kind (so the first poll shows its wait after the
   * code arrived); 0 for the flow's first request.
   */
  readonly y: number
  /** The same as `y`, or null for the flow's first request. */
  readonly gap: number | null
  readonly outcome: ExchangeOutcome
  readonly entry: LogEntry
}

/** The poll interval from `from` to `to` (seconds since the flow started). */
export interface IntervalStep {
  readonly from: number
  readonly to: number
  readonly seconds: number
}

/** Everything the chart draws, in seconds. */
export interface ChartModel {
  readonly points: readonly ChartPoint[]
  readonly steps: readonly IntervalStep[]
  readonly xMax: number
  readonly yMax: number
  readonly xTicks: readonly number[]
  readonly yTicks: readonly number[]
}

/** A round step (1, 2 or 5 × 10ⁿ) that splits `max` into about `count` parts. */
export function niceStep(max: number, count = 6): number {
  const raw = Math.max(max, 1e-9) / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const fraction = raw / power
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
  return nice * power
}

/** Ticks from 0 up to `max` rounded up to a whole step; the last tick is the axis' end. */
export function niceTicks(max: number, count = 6): readonly number[] {
  const step = niceStep(max, count)
  const end = Math.ceil(max / step - 1e-9) * step
  const ticks: number[] = []
  for (let i = 0; i * step <= end + step / 1000; i++) ticks.push(Number((i * step).toFixed(6)))
  return ticks
}

/**
 * The chart of `log`: one point per entry, and the poll interval as steps over time from the
 * intervals the screen saw for this flow (those of another provider, or from before the flow
 * started or after it ended, are left out).
 */
export function chartModel(log: FlowLogView, intervals: readonly IntervalMark[]): ChartModel {
  const previous = new Map<string, number>()
  let last: number | undefined
  const points = log.entries.map((entry): ChartPoint => {
    const key = `${entry.method} ${entry.url}`
    const before = previous.get(key) ?? last
    previous.set(key, entry.offsetMs)
    last = entry.offsetMs
    const gap = before === undefined ? null : (entry.offsetMs - before) / 1000
    return { seq: entry.seq, x: entry.offsetMs / 1000, y: gap ?? 0, gap, outcome: outcomeOf(entry), entry }
  })

  const started = Date.parse(log.startedAt)
  const ended = log.endedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(log.endedAt)
  const own = intervals.filter((m) => (log.provider === undefined || m.provider === log.provider) && m.at >= started - 1000 && m.at <= ended + 1000)
  const lastEntryEnd = Math.max(0, ...log.entries.map((e) => (e.offsetMs + (e.durationMs ?? 0)) / 1000))
  const lastStep = own.length > 0 ? Math.max(0, ((own.at(-1)?.at ?? started) - started) / 1000) : 0
  const end = Math.max(lastEntryEnd, (log.durationMs ?? 0) / 1000, lastStep, 1)
  const xTicks = niceTicks(end)
  const xMax = xTicks.at(-1) ?? end

  const steps: IntervalStep[] = []
  for (const mark of own) {
    const from = Math.max(0, (mark.at - started) / 1000)
    const last = steps.at(-1)
    if (last && last.seconds === mark.seconds) continue
    if (last) steps[steps.length - 1] = { ...last, to: from }
    steps.push({ from, to: end, seconds: mark.seconds })
  }

  const top = Math.max(1, ...points.map((p) => p.y), ...steps.map((s) => s.seconds)) * 1.15
  const yTicks = niceTicks(top, 4)
  return { points, steps, xMax, yMax: yTicks.at(-1) ?? top, xTicks, yTicks }
}

/** The path and query of an entry's URL (the host is the same for most of a flow), or the URL as recorded. */
export function shortUrl(url: string): string {
  if (!URL.canParse(url)) return url
  const parsed = new URL(url)
  return `${parsed.pathname}${parsed.search}`
}

/** What an exchange answered, in one short phrase: the OAuth error, the failure, or nothing. */
export function resultText(entry: LogEntry): string {
  if (entry.failure) return entry.failure.reason ? `${entry.failure.code} (${entry.failure.reason})` : entry.failure.code
  return entry.oauthError ?? ''
}

/** The file name for a downloaded log: `linkscreen-flow-log-<provider>-<start>.json`, safe on every file system. */
export function logFileName(log: FlowLogView): string {
  const provider = (log.provider ?? 'flow').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64)
  const start = log.startedAt.replace(/\.\d+Z$/, 'Z').replace(/[^0-9A-Za-z]+/g, '-')
  return `linkscreen-flow-log-${provider}-${start}.json`
}
