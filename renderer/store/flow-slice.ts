/** The flow slice: the latest whole snapshot of the sign-in, exactly as the back end sent it. */
import type { StateCreator } from 'zustand'
import { IDLE_SNAPSHOT, type FlowSnapshot } from '../../electron/ipc/contract'
import type { State } from './index'

/** The sign-in flow, as the back end last described it. */
export interface FlowSlice {
  /** The newest snapshot seen; one with a lower `seq` never replaces it. */
  readonly flow: FlowSnapshot
  /**
   * When `flow` arrived, on `performance.now()`'s monotonic timeline: the code's deadline is
   * this plus its `expiresInMs`, whatever the wall clock does meanwhile.
   */
  readonly flowReceivedAt: number
}

/** What the screen shows before the back end has answered: the picker, older than any real snapshot. */
export const INITIAL_SNAPSHOT: FlowSnapshot = { ...IDLE_SNAPSHOT, seq: -1 }

/** Creates the flow slice. */
export const createFlowSlice: StateCreator<State, [], [], FlowSlice> = () => ({ flow: INITIAL_SNAPSHOT, flowReceivedAt: 0 })
