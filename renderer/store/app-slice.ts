/** The app slice: where the screen runs (kiosk, fixed provider, locale, host). */
import type { StateCreator } from 'zustand'
import type { AppInfo } from '../../electron/ipc/contract'
import type { State } from './index'

/** Where the screen runs. */
export interface AppSlice {
  /** Null until `app:info` answers; the app shows its loading screen until then. */
  readonly app: AppInfo | null
}

/** Creates the app slice. */
export const createAppSlice: StateCreator<State, [], [], AppSlice> = () => ({ app: null })
