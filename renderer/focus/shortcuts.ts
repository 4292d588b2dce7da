/** Keys that open things directly, for desktop and QA users (never in kiosk mode). Pure. */
import type { ScreenKey } from '../screen-key'

/** Where a key was pressed. */
export interface ShortcutContext {
  readonly kiosk: boolean
  readonly screen: ScreenKey
  /** The screen is bound to one provider (no picker: `idle` shows the sign-in). */
  readonly fixed: boolean
  /** Focus is in a text field: letters are typed, not shortcuts. */
  readonly typing: boolean
}

/**
 * Whether `key` opens the QA panel: F2 on any screen, `Q` on the picker and the account list
 * (where no one types); never in kiosk mode, while loading, or on the panel itself.
 */
export function opensQa(key: string, { kiosk, screen, fixed, typing }: ShortcutContext): boolean {
  if (kiosk || screen === 'loading' || screen === 'qa') return false
  if (key === 'F2') return true
  if (typing || (key !== 'q' && key !== 'Q')) return false
  return screen === 'accounts' || (screen === 'idle' && !fixed)
}
