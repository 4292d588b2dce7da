/**
 * The QA table of a flow's HTTP exchanges, newest first: when, what, the answer and how long it
 * took. Focusable, and scrolled by Up/Down while focused (`data-arrow-scroll`).
 */
import { outcomeOf, resultText, shortUrl, type ExchangeOutcome, type LogEntry } from '../format/flow-log'
import { ARROW_SCROLL } from '../focus/editing'
import { OutcomeMark } from './flow-chart'

/** The column headings and the words the cells need, already translated. */
export interface FlowTableLabels {
  readonly caption: string
  readonly seq: string
  readonly time: string
  readonly method: string
  readonly url: string
  readonly status: string
  readonly result: string
  readonly duration: string
  readonly outcome: (outcome: ExchangeOutcome) => string
}

/** Props of {@link FlowTable}. */
export interface FlowTableProps {
  /** In the order they were sent (as the log keeps them). */
  readonly entries: readonly LogEntry[]
  readonly labels: FlowTableLabels
  /** Milliseconds as seconds, in the screen's language. */
  readonly seconds: (ms: number) => string
}

/** One row per exchange; the full URL is the URL cell's tooltip. */
export function FlowTable({ entries, labels, seconds }: FlowTableProps) {
  const rows = [...entries].reverse()
  const scroll = { [ARROW_SCROLL]: '' }
  return (
    <div className="qa-table" tabIndex={0} role="region" aria-label={labels.caption} {...scroll}>
      <table>
        <thead>
          <tr>
            <th scope="col">{labels.seq}</th>
            <th scope="col">{labels.time}</th>
            <th scope="col">{labels.method}</th>
            <th scope="col">{labels.url}</th>
            <th scope="col">{labels.status}</th>
            <th scope="col">{labels.result}</th>
            <th scope="col">{labels.duration}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((entry) => {
            const outcome = outcomeOf(entry)
            return (
              <tr key={entry.seq} className="qa-table__row" data-seq={entry.seq} data-outcome={outcome}>
                <td className="qa-table__num">{entry.seq}</td>
                <td className="qa-table__num">{seconds(entry.offsetMs)}</td>
                <td>{entry.method}</td>
                <td className="qa-table__url" title={entry.url}>
                  {shortUrl(entry.url)}
                </td>
                <td className="qa-table__num">{entry.status ?? '—'}</td>
                <td className="qa-table__result">
                  <svg className={`qa-legend__mark qa-chart__mark--${outcome}`} viewBox="-12 -12 24 24" aria-hidden="true">
                    <OutcomeMark outcome={outcome} size={8} />
                  </svg>
                  {resultText(entry) || labels.outcome(outcome)}
                </td>
                <td className="qa-table__num">{entry.durationMs ?? '…'}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
