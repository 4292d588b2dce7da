/**
 * Issue #14, as the app and serve run it (FlowService): started before the network is up, a
 * sign-in waits ("waiting for the network") and asks for its code as soon as it is, with no
 * keypress; a code request that fails is retried (2 minutes by default) with the attempt on the
 * screen; a poll a captive portal answered says so; the countdown the screen gets is the time
 * left, measured on the monotonic clock, so a wall clock set after boot does not move it.
 */
import { describe, expect, it } from 'vitest'
import { createNetConnectivity } from '../../../electron/adapters/connectivity'
import type { ProviderConfig } from '../../../electron/core/config'
import { createHttp } from '../../../electron/core/http'
import type { FlowSnapshot } from '../../../electron/ipc/contract'
import { FlowService, type Connectivity } from '../../../electron/services/flow-service'
import { FakeClock } from '../../helpers/fake-clock'
import { createFakeElectron } from '../../helpers/fake-electron'
import { DEVICE_ENDPOINT, ScriptedServer, TOKEN_ENDPOINT, deviceResponse, json, oauthError, tokenResponse, type Answer } from '../../helpers/scripted-server'

const PROVIDER: ProviderConfig = { id: 'as', name: 'Example', dialect: 'oauth2', clientId: 'c', endpoints: { deviceAuthorization: DEVICE_ENDPOINT, token: TOKEN_ENDPOINT } }

/** A switchable network, as `createNetConnectivity` would report it. */
function switchable(online: boolean) {
  const listeners = new Set<() => void>()
  const connectivity: Connectivity = {
    online: () => online,
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return {
    connectivity,
    set(value: boolean) {
      online = value
      for (const listener of [...listeners]) listener()
    },
    get listeners() {
      return listeners.size
    },
  }
}

function setup(polls: Answer[], options: { codes?: (Record<string, unknown> | Response)[]; connectivity?: Connectivity; codeRetryMs?: number; offlineFetch?: () => boolean } = {}) {
  const clock = new FakeClock()
  const server = new ScriptedServer(clock, polls, options.codes)
  const fetch = async (input: string, init: RequestInit): Promise<Response> => {
    if (options.offlineFetch?.()) throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH' }) })
    return server.fetch(input, init)
  }
  const service = new FlowService({
    providers: [{ view: { id: 'as', name: 'Example', dialect: 'oauth2', builtIn: false }, resolve: async () => PROVIDER }],
    deps: { http: createHttp({ fetch, clock }), clock },
    random: () => 0,
    ...(options.connectivity === undefined ? {} : { connectivity: options.connectivity }),
    ...(options.codeRetryMs === undefined ? {} : { codeRetryMs: options.codeRetryMs }),
  })
  const snapshots: FlowSnapshot[] = []
  service.onSnapshot((s) => snapshots.push(s))
  const until = (predicate: (s: FlowSnapshot) => boolean) =>
    clock.run(
      new Promise<FlowSnapshot>((resolve) => {
        const off = service.onSnapshot((s) => {
          if (predicate(s)) {
            off()
            resolve(s)
          }
        })
      }),
    )
  return { clock, server, service, snapshots, until }
}

const pending = (): Response => oauthError('authorization_pending')

describe('FlowService started with the network down (the app)', () => {
  it('shows "waiting for the network", asks for nothing, and starts by itself when the network is back', async () => {
    const net = switchable(false)
    const { service, server, snapshots, clock, until } = setup([json(200, tokenResponse())], { connectivity: net.connectivity })
    await service.start('as')
    await clock.run(Promise.resolve())
    expect(service.state()).toMatchObject({ status: 'starting', offline: true, attempt: 0 })
    expect(server.codeRequests).toHaveLength(0)
    net.set(true)
    const authorized = await until((s) => s.status === 'authorized')
    expect(authorized.account).toMatchObject({ providerId: 'as' })
    expect(server.codeRequests).toHaveLength(1)
    expect(snapshots.map((s) => `${s.status}${s.offline ? ' offline' : ''}`)).toEqual(['starting', 'starting offline', 'starting', 'waiting', 'authorized'])
    expect(net.listeners).toBe(0)
  })

  it('cancelling while waiting for the network leaves nothing waiting', async () => {
    const net = switchable(false)
    const { service, server, clock } = setup([], { connectivity: net.connectivity })
    await service.start('as')
    await clock.run(Promise.resolve())
    await service.cancel()
    expect(net.listeners).toBe(0)
    net.set(true)
    await clock.run(Promise.resolve())
    expect(server.codeRequests).toHaveLength(0)
    expect(service.state().status).toBe('idle')
  })

  it('with Electron\'s net.isOnline() (the stand-in), asked every 3 s while someone waits', async () => {
    const fake = createFakeElectron()
    const ticks: (() => void)[] = []
    let stopped = 0
    const connectivity = createNetConnectivity(fake.net, {
      every: (ms, tick) => {
        expect(ms).toBe(3000)
        ticks.push(tick)
        return () => void (stopped += 1)
      },
    })
    fake.net.setOnline(false)
    const { service, server, clock, until } = setup([json(200, tokenResponse())], { connectivity })
    await service.start('as')
    await clock.run(Promise.resolve())
    expect(ticks).toHaveLength(1)
    ticks[0]?.()
    expect(server.codeRequests).toHaveLength(0)
    fake.net.setOnline(true)
    ticks[0]?.()
    await until((s) => s.status === 'authorized')
    expect(server.codeRequests).toHaveLength(1)
    expect(stopped).toBe(1)
  })
})

describe('FlowService: the code request is retried (serve, and the app once online)', () => {
  it('the network is down for 40 s: "connecting… (attempt N)", then the code, no keypress', async () => {
    let offline = true
    const { service, clock, snapshots, until } = setup([pending(), json(200, tokenResponse())], { offlineFetch: () => offline })
    await service.start('as')
    const third = await until((s) => s.attempt === 3)
    expect(third).toMatchObject({ status: 'starting', network: { reason: 'connection', host: null } })
    await clock.run(clock.sleep(40_000))
    offline = false
    await until((s) => s.status === 'authorized')
    const attempts = snapshots.filter((s) => s.status === 'starting').map((s) => s.attempt)
    expect(attempts.slice(0, 4)).toEqual([1, 2, 3, 4])
    expect(snapshots.find((s) => s.status === 'waiting')).toMatchObject({ attempt: 0, network: null })
  })

  it('gives up after 2 minutes by default, with the last failure in words', async () => {
    const { service, clock, until } = setup([], { offlineFetch: () => true })
    await service.start('as')
    const failed = await until((s) => s.status === 'error')
    expect(clock.monotonic()).toBe(120_000)
    expect(failed.error).toEqual({ code: 'network_error', message: 'POST https://as.example/device_authorization: this device has no route to the network (ENETUNREACH)' })
  })

  it('a poll a captive portal answered: network_error with the portal\'s host on the snapshot, then on', async () => {
    const portal = new Response('<html><form action="https://wifi.hotel.example/accept"></form></html>', { status: 200, headers: { 'content-type': 'text/html' } })
    const { service, until } = setup([portal, pending(), json(200, tokenResponse())])
    await service.start('as')
    const warned = await until((s) => s.poll === 'network_error')
    expect(warned.network).toEqual({ reason: 'captive_portal', host: 'wifi.hotel.example' })
    const next = await until((s) => s.poll === 'pending')
    expect(next.network).toBeNull()
    await until((s) => s.status === 'authorized')
  })
})

describe('FlowService: the countdown follows the monotonic clock', () => {
  it('expiresInMs is the time left when sent; wall-clock jumps of hours change nothing', async () => {
    const { service, clock, until } = setup(Array.from({ length: 30 }, pending), { codes: [deviceResponse({ expires_in: 600 })] })
    await service.start('as')
    const waiting = await until((s) => s.status === 'waiting')
    expect(waiting.expiresInMs).toBe(600_000)
    expect(waiting).not.toHaveProperty('expiresAt')
    await clock.run(clock.sleep(10_000))
    clock.jump(6 * 3_600_000)
    expect(service.state().expiresInMs).toBe(590_000)
    const polled = await until((s) => s.poll === 'pending')
    clock.jump(-12 * 3_600_000)
    expect(polled.expiresInMs).toBe(600_000 - clock.monotonic())
    expect(service.state().expiresInMs).toBe(600_000 - clock.monotonic())
    expect(service.state().status).toBe('waiting')
    await service.cancel()
    expect(service.state().expiresInMs).toBeNull()
  })
})
