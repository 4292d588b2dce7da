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
  /** Shown but not pressable (and skipped by the arrows) until its precondition holds. */
  readonly disabled?: boolean
}

/** A button that OK (Enter) presses; reachable by the arrow keys like every control. */
export function FocusButton({ label, onPress, autoFocus = false, variant = 'secondary', accessibleName, disabled = false }: FocusButtonProps) {
  return (
    <button
      type="button"
      className={`focus-button focus-button--${variant}`}
      data-autofocus={autoFocus ? '' : undefined}
      aria-label={accessibleName}
      disabled={disabled}
      onClick={onPress}
    >
      {label}
    </button>
  )
}
