/** The scopes an account granted, one chip each. */

/** Props of {@link ScopeList}. */
export interface ScopeListProps {
  /** Space-separated, as OAuth sends it (RFC 6749 §3.3). */
  readonly scope: string
  readonly label: string
  /** The last chip when some are left out ("+3 more"). */
  readonly more: (count: number) => string
}

/** At most this many chips; the rest are counted. */
const MAX_CHIPS = 12

/** A URL-shaped scope by its last path segment (`…/auth/drive.readonly` → `drive.readonly`). */
export function scopeLabel(scope: string): string {
  if (!/^https?:\/\//.test(scope) || !URL.canParse(scope)) return scope
  const url = new URL(scope)
  const last = url.pathname.split('/').filter((p) => p !== '').at(-1)
  return last ?? url.host
}

/** Lists each scope once, by a short label; past {@link MAX_CHIPS} it says how many more. */
export function ScopeList({ scope, label, more }: ScopeListProps) {
  const scopes = [...new Set(scope.split(/\s+/).filter((s) => s !== ''))]
  const shown = scopes.length > MAX_CHIPS ? scopes.slice(0, MAX_CHIPS - 1) : scopes
  const hidden = scopes.length - shown.length
  return (
    <div className="scope-list">
      <p className="scope-list__label">{label}</p>
      <ul className="scope-list__items">
        {shown.map((s) => (
          <li key={s} className="scope-list__item" title={s}>
            {scopeLabel(s)}
          </li>
        ))}
        {hidden > 0 && <li className="scope-list__item scope-list__item--more">{more(hidden)}</li>}
      </ul>
    </div>
  )
}
