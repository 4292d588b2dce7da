/** A large checkbox for the remote: OK ticks and unticks it; the tick is drawn, not a glyph from a font. */

/** Props of {@link ConfirmToggle}. */
export interface ConfirmToggleProps {
  readonly label: string
  readonly checked: boolean
  readonly onToggle: () => void
  readonly autoFocus?: boolean
}

/** A button with the checkbox role, so screen readers say "checked" or "not checked". */
export function ConfirmToggle({ label, checked, onToggle, autoFocus = false }: ConfirmToggleProps) {
  return (
    <button type="button" role="checkbox" aria-checked={checked} className={`confirm-toggle${checked ? ' confirm-toggle--checked' : ''}`} data-autofocus={autoFocus ? '' : undefined} onClick={onToggle}>
      <svg className="confirm-toggle__box" viewBox="0 0 24 24" aria-hidden="true">
        <rect x="1.5" y="1.5" width="21" height="21" rx="3" />
        {checked && <path d="M6 12.5l4 4 8-9" />}
      </svg>
      <span className="confirm-toggle__label">{label}</span>
    </button>
  )
}
