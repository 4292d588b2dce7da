/**
 * The frame every screen shares: a titled main region, centred in the overscan-safe area,
 * with the provider's mark beside the title when the screen is about one provider.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react'
import { accentStyle, type Brand } from '../brand/brand'
import { useFirstFocus } from '../focus/use-back'
import { ProviderMark } from './provider-mark'

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
  /** The provider the screen is about: its mark leads the title, its accent colours the screen. */
  readonly brand?: Brand | null
  readonly children: ReactNode
}

/**
 * A screen: heading plus content. On mount it focuses the first control (one marked
 * `data-autofocus`, else the first in order), so OK works at once.
 */
export function Screen({ title, name, tone = 'neutral', focusKey, brand = null, children }: ScreenProps) {
  const ref = useRef<HTMLElement>(null)
  const headingId = useId()
  useFirstFocus(ref, focusKey)
  useEffect(() => {
    document.title = title
  }, [title])
  return (
    <main ref={ref} className={`screen screen--${name}`} aria-labelledby={headingId} style={accentStyle(brand)}>
      <header className="screen__head">
        {brand && <ProviderMark brand={brand} />}
        {tone !== 'neutral' && <span className={`screen__tone screen__tone--${tone}`} aria-hidden="true" />}
        <h1 id={headingId} className={`screen__title screen__title--${tone}${title.length > LONG_TITLE ? ' screen__title--long' : ''}`}>
          {title}
        </h1>
      </header>
      {children}
    </main>
  )
}
