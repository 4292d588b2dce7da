/** Which status line the sign-in screen shows, from connection, flow and poll. */
import type { FlowStatus, PollView } from '../../electron/ipc/contract'
import type { MessageKey } from '../i18n/catalogue'
import type { Connection } from '../store'

/** What the status line depends on. */
export interface StatusInput {
  readonly connection: Connection
  readonly status: FlowStatus
  readonly poll: PollView | null
  /** The code on screen ran out and the back end is fetching a new one. */
  readonly renewing: boolean
}

/** The line to show: trouble first (reconnecting), then renewing, slow down, plain waiting. */
export function statusOf({ connection, status, poll, renewing }: StatusInput): { key: MessageKey; tone: 'busy' | 'warning' } {
  if (connection === 'reconnecting') return { key: 'status.reconnecting', tone: 'warning' }
  if (status !== 'waiting') return { key: 'status.starting', tone: 'busy' }
  if (renewing) return { key: 'status.renewing', tone: 'busy' }
  if (poll === 'network_error') return { key: 'status.networkError', tone: 'warning' }
  if (poll === 'slow_down') return { key: 'status.slowDown', tone: 'warning' }
  return { key: 'status.waiting', tone: 'busy' }
}
