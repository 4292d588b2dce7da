/** One line saying what the sign-in is doing now. */

/** Props of {@link StatusLine}. */
export interface StatusLineProps {
  readonly text: string
  /** `busy` marks work in progress (a steady dot: nothing animates while a code is on screen); `warning` marks trouble (slow down, reconnecting). */
  readonly tone: 'busy' | 'warning'
}

/** A polite status region: changes are announced, without interrupting. */
export function StatusLine({ text, tone }: StatusLineProps) {
  return (
    <p className={`status-line status-line--${tone}`} role="status">
      <span className="status-line__mark" aria-hidden="true" />
      {text}
    </p>
  )
}
