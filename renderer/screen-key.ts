/** Which screen the state calls for: the flow's status, or one of the screens outside the flow. */
import type { FlowStatus } from '../electron/ipc/contract'
import type { View } from './store'

/** What is on screen. */
export type ScreenKey = FlowStatus | 'accounts' | 'approve' | 'qa' | 'loading'

/** What the choice depends on. */
export interface ScreenInput {
  /** `app:info` has answered. */
  readonly loaded: boolean
  readonly view: View
  readonly status: FlowStatus
  /** Kiosk mode: the QA panel never shows. */
  readonly kiosk: boolean
  /** An approval was started (the approve screen has something to show). */
  readonly approving: boolean
}

/** The screen for the state; a view that cannot show here falls back to the flow's screen. */
export function screenKeyOf({ loaded, view, status, kiosk, approving }: ScreenInput): ScreenKey {
  if (!loaded) return 'loading'
  switch (view) {
    case 'accounts':
      return 'accounts'
    case 'approve':
      return approving ? 'approve' : 'accounts'
    case 'qa':
      return kiosk ? status : 'qa'
    case 'flow':
      return status
  }
}
