/** Which status line the sign-in screen shows, from connection, flow and poll. */
import type { FlowStatus, NetworkView, PollView } from '../../electron/ipc/contract'
import type { MessageKey } from '../i18n/catalogue'
import type { Connection } from '../store'

/** What the status line depends on. */
export interface StatusInput {
  readonly connection: Connection
  readonly status: FlowStatus
  readonly poll: PollView | null
  /** The code on screen ran out and the back end is fetching a new one. */
  readonly renewing: boolean
  /** Waiting for the network before asking for a code. */
  readonly offline?: boolean
  /** The code request under way (1 for the first). */
  readonly attempt?: number
  /** Why the last request failed, while it is retried. */
  readonly network?: NetworkView | null
}

/** The line for a request the network answered instead of the provider, if it has one of its own. */
export function networkLine(network: NetworkView | null | undefined): { key: MessageKey; tone: 'warning' } | undefined {
  if (network?.reason === 'captive_portal') return { key: network.host ? 'status.captivePortalHost' : 'status.captivePortal', tone: 'warning' }
  if (network?.reason === 'proxy_auth') return { key: 'status.proxyAuth', tone: 'warning' }
  return undefined
}

/**
 * The line to show: trouble first (reconnecting), then waiting for the network, connecting
 * again (a captive portal gets a note of its own, `networkLine`), renewing, network trouble while polling, slow down,
 * plain waiting. `host` and `attempt` fill the placeholders.
 */
export function statusOf({ connection, status, poll, renewing, offline, attempt, network }: StatusInput): { key: MessageKey; tone: 'busy' | 'warning' } {
  if (connection === 'reconnecting') return { key: 'status.reconnecting', tone: 'warning' }
  if (status !== 'waiting') {
    if (offline) return { key: 'status.offline', tone: 'warning' }
    if (attempt !== undefined && attempt > 1) return { key: 'status.connecting', tone: 'warning' }
    return { key: 'status.starting', tone: 'busy' }
  }
  if (renewing) return { key: 'status.renewing', tone: 'busy' }
  if (poll === 'network_error') return networkLine(network) ?? { key: 'status.networkError', tone: 'warning' }
  if (poll === 'slow_down') return { key: 'status.slowDown', tone: 'warning' }
  return { key: 'status.waiting', tone: 'busy' }
}
