/** The approve slice: a code from another screen being approved as one of the accounts here. */
import type { StateCreator } from 'zustand'
import type { ApprovalView } from '../../electron/ipc/contract'
import type { State } from './index'

/**
 * Where the approval stands: typing the code, asking the server what it is (`checking`),
 * showing what asks (`confirm`), sending the decision (`deciding`), then done either way.
 */
export type ApproveStep = 'enter' | 'checking' | 'confirm' | 'deciding' | 'approved' | 'denied'

/** Why the last step failed: the back end's code (`invalid_code`, …) and message. */
export interface ApproveFailure {
  readonly code: string
  readonly message: string
}

/** One approval under way. */
export interface Approval {
  /** The account that approves (a better-auth account with `canApprove`). */
  readonly accountId: string
  readonly step: ApproveStep
  /** The code as last sent, so that a failure can show it back in the field. */
  readonly typed: string
  /** What asks, once claimed. */
  readonly request: ApprovalView | null
  readonly failure: ApproveFailure | null
}

/** The approval on the approve screen, or null when none was started. */
export interface ApproveSlice {
  readonly approval: Approval | null
}

/** Creates the approve slice. */
export const createApproveSlice: StateCreator<State, [], [], ApproveSlice> = () => ({ approval: null })
