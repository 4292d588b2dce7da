/** The frame every screen shares: a titled main region inside the overscan-safe area. */
import { useEffect, useId, useRef, type ReactNode } from 'react'
import { useFirstFocus } from '../focus/use-back'

/** Titles longer than this get smaller type, to stay on one line where they can. */
const LONG_TITLE = 36

/** Props of {@link Screen}. */
export interface ScreenProps {
  /** The screen's heading, also the document title. */
  readonly title: string
  /** A modifier for the screen's layout (`sign-in`, `picker`, …). */
  readonly name: string
  /** The tone of the heading's mark: good news, bad news or neither. */
  readonly tone?: 'neutral' | 'good' | 'bad'
  /** Changing it re-runs first focus when focus was lost (a control went away). */
  readonly focusKey?: unknown
  readonly children: ReactNode
}

/**
 * A screen: heading plus content. On mount it focuses the first control (one marked
 * `data-autofocus`, else the first in order), so OK works at once.
 */
export function Screen({ title, name, tone = 'neutral', focusKey, children }: ScreenProps) {
  const ref = useRef<HTMLElement>(null)
  const headingId = useId()
  useFirstFocus(ref, focusKey)
  useEffect(() => {
    document.title = title
  }, [title])
  return (
    <main ref={ref} className={`screen screen--${name}`} aria-labelledby={headingId}>
      <h1 id={headingId} className={`screen__title screen__title--${tone}${title.length > LONG_TITLE ? ' screen__title--long' : ''}`}>
        {title}
      </h1>
      {children}
    </main>
  )
}
