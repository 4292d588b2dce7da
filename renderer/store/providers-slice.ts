/** The providers slice: what the picker offers. */
import type { StateCreator } from 'zustand'
import type { ProviderView } from '../../electron/ipc/contract'
import type { State } from './index'

/** The providers the picker offers. */
export interface ProvidersSlice {
  readonly providers: readonly ProviderView[]
}

/** Creates the providers slice (empty until `providers:list` answers). */
export const createProvidersSlice: StateCreator<State, [], [], ProvidersSlice> = () => ({ providers: [] })
