/** A quiet strip about the app itself: where accounts are kept, and notices from the back end. */
import { FocusButton } from './focus-button'

/** Props of {@link AppBanner}: lines already translated, and at most one action. */
export interface AppBannerProps {
  readonly lines: readonly { readonly key: string; readonly title: string; readonly detail: string | null }[]
  /** A button beside the lines ("Try the key store again"). */
  readonly action?: { readonly label: string; readonly onPress: () => void }
}

/** Polite: these are facts about the device, not answers to something the user did. */
export function AppBanner({ lines, action }: AppBannerProps) {
  if (lines.length === 0 && !action) return null
  return (
    <aside className="app-banner" role="status" aria-live="polite">
      {lines.map((line) => (
        <p key={line.key} className="app-banner__line">
          <span className="app-banner__title">{line.title}</span>
          {line.detail && <span className="app-banner__detail"> {line.detail}</span>}
        </p>
      ))}
      {action && <FocusButton label={action.label} onPress={action.onPress} />}
    </aside>
  )
}
