/**
 * The time a code has left: a quiet line ("Code expires in 09:58") over a thin bar that
 * shrinks, both turning urgent in the last minute; announced only at milestones.
 */
import { useEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react'
import { clock, secondsLeft } from '../format/time'

/** Seconds left at which a screen reader hears how long remains. */
export const MILESTONES = [300, 60, 30, 10, 0] as const

/** Props of {@link Countdown}. */
export interface CountdownProps {
  /**
   * When the code expires, on `performance.now()`'s monotonic timeline (the snapshot's arrival
   * plus its `expiresInMs`): a wall clock set while it runs does not move it.
   */
  readonly deadline: number
  /** The countdown's name for screen readers ("Time left"). */
  readonly label: string
  /** The words before the time ("Code expires in"). */
  readonly prefix?: string
  /** Shown after the time, on the same line (the flow's status). */
  readonly children?: ReactNode
  /** What to announce at a milestone (`300` → "5 minutes left"). */
  readonly describe: (seconds: number) => string
  /** Called once when the time is up. */
  readonly onExpire?: () => void
}

/** The lowest milestone already reached, or null above them all. */
function reached(seconds: number): number | null {
  let last: number | null = null
  for (const m of MILESTONES) if (seconds <= m) last = m
  return last
}

/**
 * Counts down to `deadline` on its own timer, once a second. The ring's full length is the time
 * left when it first rendered; give it a new `key` for a new deadline. A milestone reached
 * while on screen is announced once through a polite live region; the ticking is not.
 */
export function Countdown({ deadline, label, prefix, describe, onExpire, children }: CountdownProps) {
  const [now, setNow] = useState(() => performance.now())
  const [total] = useState(() => Math.max(1, secondsLeft(deadline, performance.now())))
  const left = secondsLeft(deadline, now)
  const milestone = reached(left)
  const [announced, setAnnounced] = useState(milestone)
  const [message, setMessage] = useState('')
  if (milestone !== announced) {
    setAnnounced(milestone)
    if (milestone !== null) setMessage(describe(milestone))
  }

  useEffect(() => {
    // Tick just after each whole second before the deadline, so mm:ss never lags behind.
    let timer = 0
    const tick = (): void => {
      const at = performance.now()
      setNow(at)
      const untilNextSecond = (deadline - at) % 1000
      timer = window.setTimeout(tick, untilNextSecond > 0 ? untilNextSecond + 5 : 1000)
    }
    tick()
    return () => window.clearTimeout(timer)
  }, [deadline])
  const onExpireRef = useRef(onExpire)
  useEffect(() => {
    onExpireRef.current = onExpire
  })
  const expired = left === 0
  useEffect(() => {
    if (expired) onExpireRef.current?.()
  }, [expired])

  const fraction = Math.min(1, left / total)
  // The bar steps once a second (a transform, no transition): nothing repaints in between.
  const fill = { transform: `scaleX(${fraction.toFixed(4)})` } as CSSProperties
  return (
    <div className={`countdown${left <= 60 ? ' countdown--low' : ''}`} role="group" aria-label={label}>
      <div className="countdown__line">
        <p className="countdown__text">
          {prefix && <span className="countdown__prefix">{prefix} </span>}
          <span className="countdown__time" role="timer">
            {clock(left)}
          </span>
        </p>
        {children}
      </div>
      <div className="countdown__bar" aria-hidden="true">
        <div className="countdown__fill" style={fill} />
      </div>
      <span className="sr-only" aria-live="polite">
        {message}
      </span>
    </div>
  )
}
