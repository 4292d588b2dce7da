/**
 * Issue #14 on the screen: "waiting for the network", "connecting to … (attempt N)", a captive
 * portal named with its host (English and German), and a countdown whose deadline is on the
 * monotonic clock: the snapshot's arrival plus its time left, whatever the wall clock says.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { IDLE_SNAPSHOT, type FlowSnapshot } from '../../../electron/ipc/contract'
import { translator } from '../../../renderer/i18n/translate'
import { networkLine, statusOf } from '../../../renderer/screens/sign-in-status'
import { useStore } from '../../../renderer/store'
import { receiveSnapshot } from '../../../renderer/store/updates'

const base = { connection: 'live' as const, poll: null, renewing: false }

describe('the sign-in status line on a network that is not there yet, or not the provider', () => {
  it('offline before the code: "Waiting for the network"', () => {
    const line = statusOf({ ...base, status: 'starting', offline: true, attempt: 0, network: null })
    expect(translator('en')(line.key)).toBe('Waiting for the network…')
    expect(translator('de')(line.key)).toBe('Warte auf das Netzwerk…')
  })

  it('a code request tried again: "Connecting to <provider>… (attempt N)", a portal noted with its host', () => {
    const network = { reason: 'captive_portal', host: 'wifi.hotel.example' }
    const line = statusOf({ ...base, status: 'starting', offline: false, attempt: 3, network })
    expect(translator('en')(line.key, { provider: 'Trakt', attempt: 3 })).toBe('Connecting to Trakt… (attempt 3)')
    expect(translator('de')(line.key, { provider: 'Trakt', attempt: 3 })).toBe('Verbinde mit Trakt… (Versuch 3)')
    const note = networkLine(network)
    expect(note && translator('en')(note.key, { host: network.host })).toBe('The network answered with a web page: this network may need you to sign in to it (wifi.hotel.example).')
    expect(note && translator('de')(note.key, { host: network.host })).toContain('(wifi.hotel.example)')
    // The first attempt is the plain "asking for a code".
    expect(statusOf({ ...base, status: 'starting', offline: false, attempt: 1, network: null }).key).toBe('status.starting')
  })

  it('a poll a captive portal answered: the portal line, not "can\'t reach"; without a host, no empty brackets', () => {
    const withHost = statusOf({ ...base, status: 'waiting', poll: 'network_error', network: { reason: 'captive_portal', host: 'portal.example' } })
    expect(translator('en')(withHost.key, { host: 'portal.example' })).toContain('may need you to sign in to it (portal.example)')
    const bare = statusOf({ ...base, status: 'waiting', poll: 'network_error', network: { reason: 'captive_portal', host: null } })
    expect(translator('en')(bare.key)).toBe('The network answered with a web page: this network may need you to sign in to it.')
    expect(statusOf({ ...base, status: 'waiting', poll: 'network_error', network: { reason: 'connection', host: null } }).key).toBe('status.networkError')
    expect(translator('en')(statusOf({ ...base, status: 'waiting', poll: 'network_error', network: { reason: 'proxy_auth', host: null } }).key)).toContain('proxy')
  })
})

describe('the countdown\'s deadline follows the monotonic clock', () => {
  afterEach(() => vi.restoreAllMocks())

  it('is the arrival on performance.now() plus expiresInMs; Date.now() jumping changes nothing', () => {
    vi.spyOn(performance, 'now').mockReturnValue(1_000)
    vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(1970, 0, 1))
    const snapshot: FlowSnapshot = { ...IDLE_SNAPSHOT, seq: 1_000_000, status: 'waiting', userCode: 'ABCD-EFGH', expiresInMs: 600_000 }
    receiveSnapshot(snapshot)
    const state = useStore.getState()
    expect(state.flowReceivedAt + (state.flow.expiresInMs ?? 0)).toBe(601_000)
    expect(state.flow).not.toHaveProperty('expiresAt')
  })
})
