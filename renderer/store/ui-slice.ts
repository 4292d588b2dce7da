/** The UI slice: what only the screen knows (which overlay is up, the last failed action). */
import type { StateCreator } from 'zustand'
import type { State } from './index'

/**
 * `flow` shows the screen for the flow's status; `accounts` the account list over it;
 * `approve` approves a code from another screen; `qa` the QA panel (never in kiosk mode).
 */
export type View = 'flow' | 'accounts' | 'approve' | 'qa'

/** A failed action (`ok: false` from the back end, or a thrown invoke), shown until the next one. */
export interface Notice {
  readonly code: string
  readonly message: string
}

/** What an action on one account is doing or did, shown in that account's row. */
export type AccountNote =
  | { readonly accountId: string; readonly kind: 'refreshing' | 'refreshed' | 'signing-out' }
  | { readonly accountId: string; readonly kind: 'failed'; readonly code: string; readonly message: string }

/** What only the screen knows. */
export interface UiSlice {
  readonly view: View
  readonly notice: Notice | null
  readonly accountNote: AccountNote | null
  /** Where the QA panel returns to when closed. */
  readonly qaReturn: Exclude<View, 'qa'>
}

/** Creates the UI slice. */
export const createUiSlice: StateCreator<State, [], [], UiSlice> = () => ({ view: 'flow', notice: null, accountNote: null, qaReturn: 'flow' })
