/** A quiet strip about the app itself: where accounts are kept, and notices from the back end. */

/** Props of {@link AppBanner}: lines already translated. */
export interface AppBannerProps {
  readonly lines: readonly { readonly key: string; readonly title: string; readonly detail: string | null }[]
}

/** Polite: these are facts about the device, not answers to something the user did. */
export function AppBanner({ lines }: AppBannerProps) {
  if (lines.length === 0) return null
  return (
    <aside className="app-banner" role="status" aria-live="polite">
      {lines.map((line) => (
        <p key={line.key} className="app-banner__line">
          <span className="app-banner__title">{line.title}</span>
          {line.detail && <span className="app-banner__detail"> {line.detail}</span>}
        </p>
      ))}
    </aside>
  )
}
