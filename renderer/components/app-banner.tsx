/** A quiet strip about the app itself: where accounts are kept, and notices from the back end. */
import { useLayoutEffect, useRef } from 'react'
import { KEEPS_FOCUS } from '../focus/keys'
import { FocusButton } from './focus-button'

/** One button of the banner. */
export interface AppBannerAction {
  readonly key: string
  readonly label: string
  readonly onPress: () => void
  readonly variant?: 'primary' | 'secondary'
}

/** Props of {@link AppBanner}: lines already translated, and its buttons (none, one, or a choice of two). */
export interface AppBannerProps {
  readonly lines: readonly { readonly key: string; readonly title: string; readonly detail: string | null }[]
  /** Buttons beside the lines ("Try the key store again"; "Restart anyway" / "Cancel"). */
  readonly actions?: readonly AppBannerAction[]
  /**
   * Moves focus to the button with this key once rendered (a new object each time it should
   * move): the banner's buttons replace each other, and focus must not fall to nothing. With
   * `ifLost`, only when focus fell to nothing or was in the banner (never away from the screen).
   */
  readonly focus?: { readonly key: string; readonly ifLost?: boolean }
  /** The banner asks a question: a screen's first focus leaves its focus alone (see KEEPS_FOCUS). */
  readonly asking?: boolean
}

/** Polite: these are facts about the device, not answers to something the user did. */
export function AppBanner({ lines, actions = [], focus, asking = false }: AppBannerProps) {
  const root = useRef<HTMLElement>(null)
  // A layout effect: it runs in the same task as the change that removed the focused button,
  // before the screen's focus recovery (a MutationObserver, see focus/keys.ts) would move a
  // lost focus to the screen's first control.
  useLayoutEffect(() => {
    const banner = root.current
    if (!focus || !banner) return
    const active = document.activeElement
    if (focus.ifLost && active !== null && active !== document.body && !banner.contains(active)) return
    banner.querySelector<HTMLElement>(`[data-banner-action="${CSS.escape(focus.key)}"] button`)?.focus()
  }, [focus])
  if (lines.length === 0 && actions.length === 0) return null
  return (
    <aside ref={root} className="app-banner" role="status" aria-live="polite" {...(asking ? { [KEEPS_FOCUS]: '' } : {})}>
      {lines.map((line) => (
        <p key={line.key} className="app-banner__line">
          <span className="app-banner__title">{line.title}</span>
          {line.detail && <span className="app-banner__detail"> {line.detail}</span>}
        </p>
      ))}
      {actions.length > 0 && (
        <div className="app-banner__actions">
          {actions.map((action) => (
            <span key={action.key} data-banner-action={action.key}>
              <FocusButton label={action.label} onPress={action.onPress} {...(action.variant ? { variant: action.variant } : {})} />
            </span>
          ))}
        </div>
      )}
    </aside>
  )
}
