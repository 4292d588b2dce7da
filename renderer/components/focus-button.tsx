/** A remote-friendly button: large, with a focus ring that always shows. */

/** Props of {@link FocusButton}. */
export interface FocusButtonProps {
  readonly label: string
  readonly onPress: () => void
  /** Takes first focus when its screen mounts. */
  readonly autoFocus?: boolean
  /** `primary` is the OK action; `secondary` anything else. */
  readonly variant?: 'primary' | 'secondary'
  /** A fuller name for screen readers when the label alone is ambiguous ("Sign out Ada"). */
  readonly accessibleName?: string
}

/** A button that OK (Enter) presses; reachable by the arrow keys like every control. */
export function FocusButton({ label, onPress, autoFocus = false, variant = 'secondary', accessibleName }: FocusButtonProps) {
  return (
    <button type="button" className={`focus-button focus-button--${variant}`} data-autofocus={autoFocus ? '' : undefined} aria-label={accessibleName} onClick={onPress}>
      {label}
    </button>
  )
}
