/** The accounts slice: every signed-in account, as labels only (tokens stay in the back end). */
import type { StateCreator } from 'zustand'
import type { AccountView } from '../../electron/ipc/contract'
import type { State } from './index'

/** The signed-in accounts. */
export interface AccountsSlice {
  readonly accounts: readonly AccountView[]
}

/** Creates the accounts slice (empty until `accounts:list` answers or `accounts:changed` arrives). */
export const createAccountsSlice: StateCreator<State, [], [], AccountsSlice> = () => ({ accounts: [] })
