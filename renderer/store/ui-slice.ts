/** The UI slice: what only the screen knows (which overlay is up, the last failed action). */
import type { StateCreator } from 'zustand'
import type { State } from './index'

/** `flow` shows the screen for the flow's status; `accounts` shows the account list over it. */
export type View = 'flow' | 'accounts'

/** A failed action (`ok: false` from the back end, or a thrown invoke), shown until the next one. */
export interface Notice {
  readonly code: string
  readonly message: string
}

/** What only the screen knows. */
export interface UiSlice {
  readonly view: View
  readonly notice: Notice | null
}

/** Creates the UI slice. */
export const createUiSlice: StateCreator<State, [], [], UiSlice> = () => ({ view: 'flow', notice: null })
