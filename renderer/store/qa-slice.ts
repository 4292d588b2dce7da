/** The QA slice: the flow log the QA panel shows, and the poll intervals the screen saw. */
import type { StateCreator } from 'zustand'
import type { FlowLogView } from '../../electron/ipc/contract'
import type { IntervalMark } from '../format/flow-log'
import type { State } from './index'

/** What the last export did: saved (with the path), downloaded (with the file name), or failed. */
export type ExportNote =
  | { readonly kind: 'saved'; readonly path: string }
  | { readonly kind: 'downloaded'; readonly file: string }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string }

/** The QA panel's data. */
export interface QaSlice {
  /** The current or last flow's log; null before any flow (or before `log:get` answered). */
  readonly log: FlowLogView | null
  /** `loading` until `log:get` first answers; `failed` when the last attempt threw. */
  readonly logState: 'loading' | 'ready' | 'failed'
  readonly exportNote: ExportNote | null
  /**
   * Every poll interval the snapshots carried during the current flow, with when it was seen:
   * the log does not record it, and the chart draws it.
   */
  readonly intervals: readonly IntervalMark[]
}

/** Creates the QA slice. */
export const createQaSlice: StateCreator<State, [], [], QaSlice> = () => ({ log: null, logState: 'loading', exportNote: null, intervals: [] })
