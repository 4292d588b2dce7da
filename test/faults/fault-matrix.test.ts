/**
 * The fault matrix (issue #7, item 1): device flows against servers that misbehave, each checked
 * for four things:
 *  1. the outcome is right: a typed error code, eventual success, or `expired`, as the fault
 *     deserves;
 *  2. no token request ever reaches the server sooner than the interval in force allows (the
 *     server's receive times, on one monotonic clock, with `slow_down`'s +5 s, a new interval
 *     sent by the server, and `Retry-After`; see ./ledger.ts), and none after a final answer;
 *  3. nothing crashes: `runDeviceFlow` never rejects, and the process sees no unhandled error;
 *  4. memory stays bounded: a 5 MB body is never read past the core's 1 MiB limit, the heap does
 *     not grow with repeated runs of a fault, and nothing is left behind.
 *
 * Two kinds of scenarios:
 *  - over real sockets (interval 1 s), against the provider simulators, better-auth and
 *    oidc-provider (the demo provider) with a fault proxy in front of each (./fault-proxy.ts);
 *    they run concurrently;
 *  - about time (the 30 s timeout, a code that expires while a poll is in flight, a machine that
 *    sleeps, a clock set back, long back-offs), against an RFC 8628 server living on a fake
 *    clock (./virtual-provider.ts); each runs 12 times, and the heap is compared.
 *
 * The last test prints one line, `fault matrix: N scenarios run, N survived, 0 polls sent too
 * early, 0 crashes` (repeated at the end of `npm test` by test/summary-reporter.ts), and fails
 * when any scenario did not survive, any poll was early, or anything crashed.
 */
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import { createWakeClock } from '../../electron/adapters/wake-clock'
import { runDeviceFlow, type FlowEvent, type FlowResult } from '../../electron/core/flow'
import { LinkscreenError } from '../../electron/core/errors'
import { DEFAULT_MAX_BODY_BYTES, createHttp } from '../../electron/core/http'
import { startBenchServer, type BenchServer } from '../../bench/server'
import { FakeClock } from '../helpers/fake-clock'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'
import { startApiV1Simulator } from '../simulators/api-v1'
import { DEFAULT_CLIENT_ID, type Simulator } from '../simulators/device-flow'
import { startGitHubSimulator } from '../simulators/github'
import { startGoogleSimulator } from '../simulators/google'
import { startMicrosoftSimulator } from '../simulators/microsoft'
import { startTraktSimulator } from '../simulators/trakt'
import { PORTAL_HOST, startFaultProxy, type ProxyFault, type ProxyTarget } from './fault-proxy'
import { providerSchema } from '../../electron/core/config'
import { FlowService } from '../../electron/services/flow-service'
import type { FlowSnapshot } from '../../electron/ipc/contract'
import {
  MiB,
  betterAuthUpstream,
  countLedger,
  countingFetch,
  front,
  oidcProviderUpstream,
  pollReports,
  settledHeap,
  startFlow,
  tally,
  until,
  upstreams,
  type FlowRun,
  type Fronted,
  type PullCounter,
  type Upstream,
} from './harness'
import { selfSignedCertificate } from './self-signed'
import { recordSummary } from './summary'
import { VirtualProvider, jsonResponse, type PollScript, type VirtualCode } from './virtual-provider'

// ---------------------------------------------------------------------------
// Bookkeeping

/** Scenarios declared in this file (the summary checks that every one of them ran). */
let declared = 0

function scenario(name: string, body: () => Promise<void>): [string, () => Promise<void>] {
  declared += 1
  return [
    name,
    async () => {
      let survived = false
      try {
        await body()
        survived = true
      } finally {
        tally.verdicts.push({ scenario: name, survived })
      }
    },
  ]
}

/**
 * Real-socket scenarios spend their time waiting out intervals, so they all run at once: the
 * group's `beforeAll` starts every one of them, and each test awaits its own (Vitest would
 * otherwise run at most 5 concurrent tests at a time).
 */
const eager = new Map<string, () => Promise<void>>()
const started = new Map<string, Promise<void>>()

function concurrentScenario(name: string, body: () => Promise<void>): [string, () => Promise<void>] {
  eager.set(name, body)
  return scenario(name, async () => {
    const running = started.get(name)
    if (!running) throw new Error(`${name}: not started`)
    await running
  })
}

function startEagerScenarios(): void {
  for (const [name, body] of eager) {
    const running = body()
    running.catch(() => undefined) // judged by the scenario's own test
    started.set(name, running)
  }
}

const onUnhandled = (): void => {
  tally.crashes += 1
}

// ---------------------------------------------------------------------------
// Servers (shared by the concurrent real-socket scenarios; each scenario has its own proxy)

let google: Simulator
let apiV1Short: Simulator
/** Simulators whose own fault queue a scenario uses: one scenario each, never shared. */
let ownGoogle: Simulator
let ownGitHub: Simulator
let ownGoogleStall: Simulator
let github: Simulator
let microsoft: Simulator
let apiV1: Simulator
let trakt: Simulator
let betterAuth: BetterAuthServer
let oidc: BenchServer
let all: () => Upstream[]
let up: Record<'google' | 'apiV1Short' | 'github' | 'microsoft' | 'apiV1' | 'trakt' | 'betterAuth' | 'oidc', Upstream>

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  process.on('uncaughtException', onUnhandled)
  const sim = { interval: 1, expiresIn: 120 }
  ;[google, apiV1Short, ownGoogle, ownGitHub, ownGoogleStall, github, microsoft, apiV1, trakt, betterAuth, oidc] = await Promise.all([
    startGoogleSimulator(sim),
    startApiV1Simulator({ interval: 1, expiresIn: 4 }),
    startGoogleSimulator(sim),
    startGitHubSimulator(sim),
    startGoogleSimulator(sim),
    startGitHubSimulator(sim),
    startMicrosoftSimulator(sim),
    startApiV1Simulator(sim),
    startTraktSimulator(sim),
    startBetterAuthServer({ interval: '1s', expiresIn: '2m' }),
    startBenchServer({ intervalSeconds: 1, deviceCodeTtlSeconds: 120 }),
  ])
  const session = await betterAuth.signUp('Fault Matrix')
  up = {
    google: upstreams.google(google),
    apiV1Short: { ...upstreams.apiV1(apiV1Short), name: 'api-v1-sim (4 s codes)' },
    github: upstreams.github(github),
    microsoft: upstreams.microsoft(microsoft),
    apiV1: upstreams.apiV1(apiV1),
    trakt: upstreams.trakt(trakt),
    betterAuth: betterAuthUpstream(betterAuth, session.token),
    oidc: oidcProviderUpstream(oidc),
  }
  all = () => [up.google, up.github, up.microsoft, up.apiV1, up.trakt, up.betterAuth, up.oidc]
}, 60_000)

afterAll(async () => {
  await Promise.all([google, apiV1Short, ownGoogle, ownGitHub, ownGoogleStall, github, microsoft, apiV1, trakt, betterAuth, oidc].map((s) => s?.close()))
  process.off('unhandledRejection', onUnhandled)
  process.off('uncaughtException', onUnhandled)
})

// ---------------------------------------------------------------------------
// Real sockets

interface RealCase {
  readonly faults?: readonly (readonly [ProxyTarget, ProxyFault, number?])[]
  /** Approve once every queued token fault was taken (default), right after the code arrives, or never. */
  readonly approve?: 'after-faults' | 'at-once' | 'never'
  /** The core's HTTP time limit (default 5 s). */
  readonly timeoutMs?: number
  readonly limitMs?: number
  /** Runs as soon as the code arrived, before any approval. */
  readonly onCode?: () => void
  /** How long the code request is retried (`FlowOptions.codeRetryMs`; default none). */
  readonly codeRetryMs?: number
  /** How long to wait for the token faults to be taken before approving (default 25 s). */
  readonly faultsWithinMs?: number
}

/** One flow against `upstream` through a fresh fault proxy; `check` judges the outcome. */
async function realFlow(upstream: Upstream, options: RealCase, check: (run: FlowRun, fronted: Fronted) => void | Promise<void>): Promise<void> {
  const fronted = await front(upstream, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
  try {
    for (const [target, fault, count] of options.faults ?? []) fronted.proxy.queue(target, fault, count)
    const flow = startFlow(fronted.dialect, { limitMs: options.limitMs ?? 30_000, ...(options.codeRetryMs === undefined ? {} : { codeRetryMs: options.codeRetryMs }) })
    let ended = false
    void flow.done.then(() => (ended = true), () => (ended = true))
    const approve = options.approve ?? 'after-faults'
    if (approve !== 'never') {
      const code = await flow.code.catch(() => undefined)
      if (code) {
        options.onCode?.()
        if (approve === 'after-faults') await until(() => ended || fronted.proxy.pending('token') === 0, options.faultsWithinMs ?? 25_000, `${upstream.name}: faults taken`)
        if (!ended) await upstream.approve(code.user_code)
      }
    }
    const run = await flow.done
    try {
      await check(run, fronted)
      expect(fronted.proxy.pending('token') + fronted.proxy.pending('code'), `${upstream.name}: faults never taken`).toBe(0)
      expect(fronted.proxy.ledger.early, `${upstream.name}: early polls`).toEqual([])
      expect(fronted.proxy.ledger.afterFinal, `${upstream.name}: polls after a final answer`).toEqual([])
    } catch (error) {
      const detail = `${upstream.name}: ${run.result.status}${run.result.status === 'error' ? ` ${run.result.error.code} ${run.result.error.message}` : ''}; polls ${pollReports(run.events).join(',')}`
      throw Object.assign(error as Error, { message: `${(error as Error).message}\n  [${detail}]` })
    }
  } finally {
    await fronted.close()
  }
}

const authorized = (run: FlowRun): void => {
  expect(run.result.status).toBe('authorized')
}
const failedWith = (code: string, message?: RegExp) => (run: FlowRun): void => {
  expect(run.result).toMatchObject({ status: 'error', error: { code } })
  if (message && run.result.status === 'error') expect(run.result.error.message).toMatch(message)
}

/** The token-request gaps of the one code a proxy saw. */
function gapsOf(fronted: Fronted): number[] {
  const [code] = fronted.proxy.ledger.issuedCodes
  return code === undefined ? [] : fronted.proxy.ledger.gapsOf(code)
}

const html503 = { kind: 'status', status: 503 } as const
const html500 = { kind: 'status', status: 500 } as const

/** Why each poll that failed failed (and the portal's host), in order. */
const networkPolls = (events: readonly FlowEvent[]) => events.flatMap((e) => (e.type === 'poll' && e.result === 'network_error' ? [{ reason: e.reason, host: e.host }] : []))

/**
 * A sign-in as the app and serve run it (FlowService), against `upstream` behind a fresh fault
 * proxy, started with the network down:
 * - `offline-then-online` (the app): connectivity says offline; no code is asked for until it
 *   says online, then the code comes and the sign-in completes, with no keypress;
 * - `code-requests-fail` (serve, no connectivity): the first code requests are reset (no route
 *   yet), then the network works: the default retries reach a code.
 */
async function servedFlow(upstream: Upstream, mode: 'offline-then-online' | 'code-requests-fail'): Promise<void> {
  const fronted = await front(upstream)
  let online = mode !== 'offline-then-online'
  const listeners = new Set<() => void>()
  const connectivity = {
    online: () => online,
    onChange: (listener: () => void) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  const provider = providerSchema.parse({ id: 'served', ...upstream.provider(fronted.proxy.origin) })
  const service = new FlowService({
    providers: [{ view: { id: 'served', name: upstream.name, dialect: provider.dialect, builtIn: false }, resolve: async () => provider }],
    deps: { http: createHttp({ fetch: (input, init) => fetch(input, init), clock: systemClock, timeoutMs: 5000 }), clock: systemClock },
    ...(mode === 'offline-then-online' ? { connectivity } : {}),
  })
  const snapshots: FlowSnapshot[] = []
  service.onSnapshot((snapshot) => snapshots.push(snapshot))
  try {
    if (mode === 'code-requests-fail') fronted.proxy.queue('code', { kind: 'reset' }, 3)
    await service.start('served')
    if (mode === 'offline-then-online') {
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(service.state()).toMatchObject({ status: 'starting', offline: true })
      expect(fronted.proxy.ledger.issuedCodes).toHaveLength(0)
      online = true
      for (const listener of [...listeners]) listener()
    }
    await until(() => service.state().status === 'waiting' || service.state().status === 'error', 20_000, `${upstream.name}: a code`)
    const code = service.state().userCode
    expect(code, `${upstream.name}: ${JSON.stringify(service.state().error)}`).not.toBeNull()
    await upstream.approve(code as string)
    await until(() => service.state().status !== 'waiting', 20_000, `${upstream.name}: signed in`)
    expect(service.state().status).toBe('authorized')
    if (mode === 'code-requests-fail') expect(snapshots.filter((s) => s.status === 'starting').map((s) => s.attempt)).toEqual([1, 2, 3, 4])
    expect(fronted.proxy.ledger.early).toEqual([])
  } finally {
    await service.close()
    await fronted.close()
  }
}

// ---------------------------------------------------------------------------
// Fake clock

interface VirtualRun {
  readonly result: FlowResult
  readonly events: FlowEvent[]
  readonly vp: VirtualProvider
  /** The first code. */
  readonly code: VirtualCode
  /** Monotonic time when the flow ended, ms. */
  readonly endedAt: number
}

/** One flow against a fresh `VirtualProvider` on a fresh fake clock, driven to its end. */
async function virtualFlow(
  options: { interval: number; expiresIn: number; renewals?: number; hangCodeRequest?: boolean },
  script: (vp: VirtualProvider) => PollScript,
): Promise<VirtualRun> {
  const clock = new FakeClock()
  const vp = new VirtualProvider(clock, options)
  // The app's clock: a wake clock, told when the machine sleeps (see `machineSleeps`).
  const wake = createWakeClock(clock)
  vp.wake = wake
  vp.onPoll = script(vp)
  if (options.hangCodeRequest) vp.hangCodeRequests = true
  const events: FlowEvent[] = []
  const result = await clock
    .run(runDeviceFlow({ dialect: vp.dialect(), clock: wake, onEvent: (event) => events.push(event), ...(options.renewals === undefined ? {} : { renewals: options.renewals }) }))
    .catch((error: unknown) => {
      tally.crashes += 1
      throw error
    })
  const endedAt = clock.monotonic()
  expect(clock.pendingTimers, 'timers left behind').toBe(0)
  countLedger(vp.ledger)
  expect(vp.ledger.early, 'early polls').toEqual([])
  expect(vp.ledger.afterFinal, 'polls after a final answer').toEqual([])
  const code = vp.codes[0] ?? ({ deviceCode: '', userCode: '', issuedAt: 0, expiresAt: 0, intervalMs: 0, lastPollAt: undefined, state: 'pending', polls: 0 } satisfies VirtualCode)
  return { result, events, vp, code, endedAt }
}

/**
 * Runs `once` `runs` times: 4 to warm up, then the heap (after GC) must not grow by 1 MiB over
 * the other 8, whatever the scenario leaves behind per run.
 */
async function repeated(once: () => Promise<void>, runs = 12): Promise<void> {
  const warmUp = Math.min(4, runs - 1)
  for (let i = 0; i < warmUp; i++) await once()
  const before = await settledHeap()
  for (let i = warmUp; i < runs; i++) await once()
  expect((await settledHeap()) - before, `heap growth over ${runs - warmUp} runs`).toBeLessThan(1 * MiB)
}

let heapBeforeReal = 0

describe('fault matrix', () => {
  it('baseline heap', async () => {
    heapBeforeReal = await settledHeap()
  })

  describe('over real sockets (interval 1 s), all at once', () => {
    beforeAll(startEagerScenarios)

    it(...concurrentScenario('5xx burst on the token polls: every server, back-off, then authorized', async () => {
      await Promise.all(
        all().map((upstream) =>
          realFlow(upstream, { faults: [['token', html503], ['token', html500]] }, (run, fronted) => {
            authorized(run)
            expect(pollReports(run.events).slice(0, 2)).toEqual(['network_error', 'network_error'])
            // Exponential back-off, from the answer: at least 2 s, then 4 s between the failed polls.
            const gaps = gapsOf(fronted)
            expect(gaps[1]).toBeGreaterThanOrEqual(2000)
            expect(gaps[2]).toBeGreaterThanOrEqual(4000)
          }),
        ),
      )
    }))

    it(...concurrentScenario('5xx with Retry-After on the token poll: waits that long', async () => {
      await Promise.all(
        [up.oidc, up.betterAuth].map((upstream) =>
          realFlow(upstream, { faults: [['token', { kind: 'status', status: 503, retryAfter: 3 }]] }, (run, fronted) => {
            authorized(run)
            expect(gapsOf(fronted)[1]).toBeGreaterThanOrEqual(3000)
          }),
        ),
      )
    }))

    it(...concurrentScenario('5xx on the device-code request: server_error, no poll', async () => {
      await Promise.all(
        [up.oidc, up.betterAuth, up.google, up.github].map((upstream) =>
          realFlow(upstream, { faults: [['code', { kind: 'status', status: 502 }]], approve: 'never' }, (run, fronted) => {
            failedWith('server_error', /HTTP 502/)(run)
            expect(fronted.proxy.ledger.totalPolls).toBe(0)
          }),
        ),
      )
    }))

    it(...concurrentScenario('connection resets: on polls ridden out, on the code request a network_error', async () => {
      await Promise.all([
        ...[up.github, up.betterAuth, up.oidc, up.trakt].map((upstream) => realFlow(upstream, { faults: [['token', { kind: 'reset' }, 2]] }, authorized)),
        realFlow(up.oidc, { faults: [['code', { kind: 'reset' }]], approve: 'never' }, failedWith('network_error')),
      ])
    }))

    it(...concurrentScenario('a server that never answers: the poll times out, the flow goes on', async () => {
      await Promise.all(
        [up.oidc, up.google, up.betterAuth].map((upstream) =>
          realFlow(upstream, { faults: [['token', { kind: 'hang' }]], timeoutMs: 1500 }, (run, fronted) => {
            authorized(run)
            expect(pollReports(run.events)[0]).toBe('network_error')
            // The hung poll's answer never came: the next one waited the time limit (counted from
            // the client's send, so less whatever the first request spent reaching the server)
            // plus the 2 s back-off. (The interval rule itself is the ledger's, with no slack.)
            expect(gapsOf(fronted)[1]).toBeGreaterThan(1500 + 2000 - 250)
          }),
        ),
      )
      // …and a device-code request that never gets an answer ends as a timeout.
      await realFlow(up.oidc, { faults: [['code', { kind: 'hang' }]], timeoutMs: 1000, approve: 'never' }, failedWith('timeout', /no complete answer within 1000 ms/))
    }))

    it(...concurrentScenario('a response that stalls half-way: timeout, then authorized', async () => {
      await Promise.all([
        ...[up.oidc, up.betterAuth].map((upstream) => realFlow(upstream, { faults: [['token', { kind: 'stall' }]], timeoutMs: 1500 }, authorized)),
        // The Google simulator's own stall fault, streamed through the proxy as it comes.
        realFlow({ ...upstreams.google(ownGoogleStall), name: 'google-sim own stall' }, { timeoutMs: 1500, onCode: () => ownGoogleStall.faults.queue('stall') }, (run) => {
          authorized(run)
          expect(pollReports(run.events)[0]).toBe('network_error')
        }),
      ])
    }))

    it(...concurrentScenario('HTML instead of JSON: a 200 page is the network\'s (a captive portal), ridden out; a 502 page too', async () => {
      await Promise.all([
        ...[up.oidc, up.betterAuth, up.github, up.google].map((upstream) =>
          realFlow(upstream, { faults: [['token', { kind: 'html' }]] }, (run) => {
            authorized(run)
            expect(networkPolls(run.events)[0]).toEqual({ reason: 'captive_portal', host: PORTAL_HOST })
          }),
        ),
        realFlow(up.microsoft, { faults: [['token', { kind: 'status', status: 502 }]] }, authorized),
      ])
    }))

    it(...concurrentScenario('issue #14, the hotel TV: 503, 503, a portal page, a reset, a 2 s stall, then approval: authorized on every server, no early poll', async () => {
      await Promise.all(
        all().map((upstream) =>
          realFlow(
            upstream,
            { faults: [['token', html503], ['token', html503], ['token', { kind: 'html' }], ['token', { kind: 'reset' }], ['token', { kind: 'late', ms: 2000 }]], limitMs: 75_000, faultsWithinMs: 60_000 },
            (run, fronted) => {
              authorized(run)
              expect(networkPolls(run.events).slice(0, 4).map((p) => p.reason)).toEqual(['server_error', 'server_error', 'captive_portal', 'connection'])
              // The server's own arrival times: every gap at least the interval in force (the ledger
              // checks that for each poll); the back-off doubles it after each failure.
              const gaps = gapsOf(fronted)
              for (const [i, least] of [[1, 2000], [2, 4000], [3, 8000], [4, 16_000]] as const) expect(gaps[i]).toBeGreaterThanOrEqual(least)
            },
          ),
        ),
      )
    }))

    it(...concurrentScenario('answers that are not the provider\'s on a poll (302 to a portal, 511, 407, empty, cut-off JSON, not an object, HTML as JSON): ridden out; JSON as HTML is read', async () => {
      const sims = [up.google, up.github, up.microsoft, up.apiV1, up.trakt]
      const kinds: [ProxyFault, string, string?][] = [
        [{ kind: 'redirect', location: `https://${PORTAL_HOST}/login?continue=1` }, 'captive_portal', PORTAL_HOST],
        [{ kind: 'status', status: 511 }, 'captive_portal'],
        // Fetch (undici: lib/web/fetch/index.js, "If response's status is 407" → "return a network
        // error") never hands a 407 to a client without a window: it arrives as a failed connection.
        // A fetch that does hand it over (`judgeAnswer`) gets `proxy_auth` (test/unit/core).
        [{ kind: 'status', status: 407 }, 'connection'],
        [{ kind: 'empty' }, 'empty'],
        [{ kind: 'truncated_json' }, 'truncated'],
        [{ kind: 'not_object' }, 'not_json'],
        [{ kind: 'html_as_json' }, 'captive_portal', PORTAL_HOST],
      ]
      await Promise.all(
        kinds.flatMap(([fault, reason, host], i) =>
          [up.betterAuth, up.oidc, sims[i % sims.length] as Upstream].map((upstream) =>
            realFlow(upstream, { faults: [['token', fault, 2]] }, (run) => {
              authorized(run)
              expect(networkPolls(run.events).slice(0, 2)).toEqual([{ reason, host }, { reason, host }])
            }),
          ),
        ),
      )
      // The provider's own answer with a wrong label: read as the provider's (pending), not a page.
      await Promise.all(
        [up.betterAuth, up.oidc, up.google].map((upstream) =>
          realFlow(upstream, { faults: [['token', { kind: 'json_as_html' }]] }, (run) => {
            authorized(run)
            // Read as the provider's answer: never a network condition. Under load the approval may
            // come before the first poll, whose (mislabelled) answer is then the tokens themselves.
            expect(networkPolls(run.events)).toEqual([])
            const first = pollReports(run.events)[0]
            if (first !== undefined) expect(first).toBe('pending')
          }),
        ),
      )
    }))

    it(...concurrentScenario('the code request meets 503 three times, then succeeds: a code with no keypress, on every server', async () => {
      await Promise.all(
        all().map((upstream) =>
          realFlow(upstream, { faults: [['code', html503, 3]], codeRetryMs: 30_000 }, (run, fronted) => {
            authorized(run)
            const retries = run.events.flatMap((e) => (e.type === 'retrying' ? [e] : []))
            expect(retries.map((e) => [e.attempt, e.reason])).toEqual([[2, 'server_error'], [3, 'server_error'], [4, 'server_error']])
            expect(fronted.proxy.ledger.issuedCodes).toHaveLength(1)
          }),
        ),
      )
    }))

    it(...concurrentScenario('the code request behind a captive portal (a page, a 302, 511, a reset), then the network lets it through', async () => {
      await Promise.all(
        [up.betterAuth, up.oidc, up.trakt, up.github].map((upstream) =>
          realFlow(
            upstream,
            { faults: [['code', { kind: 'html' }], ['code', { kind: 'redirect', location: `http://${PORTAL_HOST}/` }], ['code', { kind: 'status', status: 511 }], ['code', { kind: 'reset' }]], codeRetryMs: 30_000 },
            (run) => {
              authorized(run)
              const retries = run.events.flatMap((e) => (e.type === 'retrying' ? [[e.reason, e.host]] : []))
              expect(retries).toEqual([['captive_portal', PORTAL_HOST], ['captive_portal', PORTAL_HOST], ['captive_portal', undefined], ['connection', undefined]])
            },
          ),
        ),
      )
    }))

    it(...concurrentScenario('FlowService (the app, serve) started with the network down signs in once it comes up', async () => {
      await Promise.all([servedFlow(up.betterAuth, 'offline-then-online'), servedFlow(up.oidc, 'offline-then-online'), servedFlow(up.betterAuth, 'code-requests-fail'), servedFlow(up.trakt, 'code-requests-fail')])
    }))

    it(...concurrentScenario('a 5 MB body, with and without Content-Length: response_too_large, never read past 1 MiB', async () => {
      const limit = DEFAULT_MAX_BODY_BYTES + 256 * 1024
      await Promise.all([
        ...[up.oidc, up.betterAuth].flatMap((upstream) =>
          [true, false].map((declared) =>
            realFlow(upstream, { faults: [['token', { kind: 'huge', bytes: 5 * MiB, declared }]], approve: 'never' }, (run, fronted) => {
              failedWith('response_too_large', /exceeds the 1048576-byte limit/)(run)
              expect(fronted.counter.maxPulled).toBeLessThanOrEqual(declared ? 64 * 1024 : limit)
            }),
          ),
        ),
        realFlow(up.google, { faults: [['code', { kind: 'huge', bytes: 5 * MiB, declared: false }]], approve: 'never' }, (run, fronted) => {
          failedWith('response_too_large')(run)
          expect(fronted.counter.maxPulled).toBeLessThanOrEqual(limit)
        }),
      ])
    }))

    it(...concurrentScenario('invalid UTF-8 in an answer: replaced, never fatal; a token cut by one is refused', async () => {
      await Promise.all([
        ...[up.oidc, up.betterAuth, up.google, up.github].map((upstream) => realFlow(upstream, { faults: [['token', { kind: 'invalid_utf8' }, 2]] }, authorized)),
        // A token whose bytes are not UTF-8 is not the token the server issued: refused, not stored.
        ...[up.oidc, up.betterAuth].map((upstream) =>
          realFlow(upstream, { faults: [['token', { kind: 'invalid_utf8_token' }]], approve: 'at-once' }, failedWith('invalid_response', /access_token/)),
        ),
      ])
    }))

    it(...concurrentScenario('duplicated, contradicting JSON members: the last one counts, consistently', async () => {
      await Promise.all([
        // `{"error":"access_denied","error":"authorization_pending"}`: still pending.
        ...[up.oidc, up.betterAuth, up.github].map((upstream) => realFlow(upstream, { faults: [['token', { kind: 'duplicate_keys', where: 'first' }, 2]] }, authorized)),
        // A forged access token before the real one: the real one is kept.
        ...[up.oidc, up.betterAuth].map((upstream) =>
          realFlow(upstream, { faults: [['token', { kind: 'duplicate_keys', where: 'first' }]], approve: 'at-once' }, (run) => {
            authorized(run)
            if (run.result.status === 'authorized') expect(run.result.tokens.access_token).not.toBe('forged-access-token')
          }),
        ),
        // `{"error":"authorization_pending","error":"access_denied"}`: denied.
        realFlow(up.betterAuth, { faults: [['token', { kind: 'duplicate_keys', where: 'last' }]], approve: 'never' }, (run) => {
          expect(run.result.status).toBe('denied')
        }),
      ])
    }))

    it(...concurrentScenario('slow_down: +5 s for good (proxy, and the servers’ own answers)', async () => {
      await Promise.all([
        ...[up.oidc, up.betterAuth, up.apiV1].map((upstream) =>
          realFlow(upstream, { faults: [['token', { kind: 'slow_down' }]] }, (run, fronted) => {
            authorized(run)
            expect(gapsOf(fronted)[1]).toBeGreaterThanOrEqual(6000)
          }),
        ),
        // The GitHub simulator's own slow_down (200, with the new interval) and Google's (403).
        ...[
          [ownGitHub, { ...upstreams.github(ownGitHub), name: 'github-sim own slow_down' }],
          [ownGoogle, { ...upstreams.google(ownGoogle), name: 'google-sim own slow_down' }],
        ].map(([sim, upstream]) =>
          realFlow(upstream as Upstream, { approve: 'at-once', onCode: () => (sim as Simulator).faults.queue('slow_down') }, (run, fronted) => {
            authorized(run)
            expect(pollReports(run.events)[0]).toBe('slow_down')
            expect(gapsOf(fronted)[1]).toBeGreaterThanOrEqual(6000)
          }),
        ),
      ])
    }))

    it(...concurrentScenario('a server that changes its interval: a larger one is adopted, a smaller one still adds 5 s', async () => {
      await Promise.all([
        realFlow(up.github, { faults: [['token', { kind: 'slow_down', interval: 8 }]] }, (run, fronted) => {
          authorized(run)
          expect(gapsOf(fronted)[1]).toBeGreaterThanOrEqual(8000)
        }),
        realFlow(up.oidc, { faults: [['token', { kind: 'slow_down', interval: 2 }]] }, (run, fronted) => {
          authorized(run)
          expect(gapsOf(fronted)[1]).toBeGreaterThanOrEqual(6000)
        }),
      ])
    }))

    it(...concurrentScenario('HTTP 429 with Retry-After: the next poll waits that long', async () => {
      await Promise.all(
        [up.microsoft, up.apiV1, up.oidc].map((upstream) =>
          realFlow(upstream, { faults: [['token', { kind: 'rate_limited', retryAfter: 3 }]] }, (run, fronted) => {
            authorized(run)
            expect(gapsOf(fronted)[1]).toBeGreaterThanOrEqual(3000)
          }),
        ),
      )
    }))

    it(...concurrentScenario('a code that expires during a poll (real time): expired, and no poll after', async () => {
      // 4 s codes; the first poll's answer (pending) is held until the code is gone.
      await realFlow(up.apiV1Short, { faults: [['token', { kind: 'late', ms: 3500 }]], approve: 'never' }, (run, fronted) => {
        expect(run.result.status).toBe('expired')
        expect(fronted.proxy.ledger.totalPolls).toBe(1)
      })
    }))

    it(...concurrentScenario('DNS failure (.invalid): network_error ENOTFOUND; polls that never resolve end as expired', async () => {
      await realFlow(
        { ...up.oidc, name: 'dns', provider: () => ({ dialect: 'oauth2', clientId: 'tv', endpoints: { deviceAuthorization: 'https://device.linkscreen.invalid/device', token: 'https://device.linkscreen.invalid/token' } }) },
        { approve: 'never', timeoutMs: 20_000 },
        failedWith('network_error', /ENOTFOUND|EAI_AGAIN/),
      )
      // The code from a real server (4 s codes), the token endpoint nowhere: transient all along.
      await realFlow(
        {
          ...up.apiV1Short,
          name: 'dns-token',
          provider: (proxy) => ({
            dialect: 'oauth2',
            clientId: DEFAULT_CLIENT_ID,
            endpoints: { deviceAuthorization: `${proxy}/api/v1/oauth/device-authorization/`, token: 'https://token.linkscreen.invalid/token' },
          }),
        },
        { approve: 'never', timeoutMs: 20_000 },
        (run) => {
          expect(run.result.status).toBe('expired')
          expect(pollReports(run.events).every((r) => r === 'network_error')).toBe(true)
        },
      )
    }))

    it(...concurrentScenario('TLS failure: https to a plain-HTTP port, and a self-signed certificate', async () => {
      const { key, cert } = selfSignedCertificate()
      let reached = 0
      const tls = createHttpsServer({ key, cert }, (req, res) => {
        reached += 1
        req.resume()
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
      await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
      const tlsPort = (tls.address() as AddressInfo).port
      try {
        // The certificate is sound: a client that trusts it gets through.
        const trusted = await new Promise<number>((resolve, reject) => {
          const request = httpsRequest({ host: '127.0.0.1', port: tlsPort, method: 'GET', path: '/', ca: cert }, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          })
          request.on('error', reject).end()
        })
        expect(trusted).toBe(200)
        reached = 0
        const tlsCase = (name: string, origin: string) => ({
          ...up.oidc,
          name,
          provider: () => ({ dialect: 'oauth2', clientId: 'tv', endpoints: { deviceAuthorization: `${origin}/device`, token: `${origin}/token` } }),
        })
        const plain = await startFaultProxy({ upstream: up.oidc.origin, route: () => undefined })
        try {
          await Promise.all([
            realFlow(tlsCase('tls-plain', plain.origin.replace('http:', 'https:')), { approve: 'never' }, failedWith('network_error', /ERR_SSL_WRONG_VERSION_NUMBER|EPROTO|ECONNRESET/)),
            realFlow(tlsCase('tls-self-signed', `https://127.0.0.1:${tlsPort}`), { approve: 'never' }, failedWith('network_error', /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/)),
          ])
        } finally {
          await plain.close()
        }
        expect(reached, 'no request crossed the untrusted TLS connection').toBe(0)
      } finally {
        tls.closeAllConnections()
        await new Promise<void>((resolve) => tls.close(() => resolve()))
      }
    }))
  })

  it('the real-socket scenarios left the heap where it was (after GC)', async () => {
    const growth = (await settledHeap()) - heapBeforeReal
    process.stdout.write(`fault matrix: heap after the real-socket scenarios ${(growth / MiB).toFixed(1)} MiB\n`)
    expect(growth).toBeLessThan(24 * MiB)
  })

  describe('about time, on a fake clock (each scenario run 12 times)', () => {
    it(...scenario('timeouts at the default 30 s: a poll that never gets an answer is retried, the flow goes on', async () => {
      await repeated(async () => {
        const run = await virtualFlow({ interval: 5, expiresIn: 600 }, (vp) => (ctx) => {
          if (ctx.index <= 2) return 'hang'
          vp.approve(ctx.code)
          return undefined
        })
        expect(run.result.status).toBe('authorized')
        expect(pollReports(run.events)).toEqual(['network_error', 'network_error'])
        // Sent at +5.125 s; no answer by +30 s; back-off 10 s, then 20 s (plus the 125 ms margin).
        expect(run.vp.ledger.gapsOf(run.code.deviceCode)).toEqual([5125, 30_000 + 10_125, 30_000 + 20_125])
      })
      await repeated(async () => {
        // A device-code request that never gets an answer: `timeout` after 30 s, nothing polled.
        const run = await virtualFlow({ interval: 5, expiresIn: 600, hangCodeRequest: true }, () => () => undefined)
        expect(run.result).toMatchObject({ status: 'error', error: { code: 'timeout' } })
        expect(run.endedAt).toBe(30_000)
      }, 6)
    }))

    it(...scenario('a code that expires during a poll: the late answer ends the flow at once, as expired (or authorized when it is a token)', async () => {
      await repeated(async () => {
        // 12 s codes; the 2nd poll (at 10.25 s) is answered 10 s late.
        const late = (compute: 'at-receipt' | 'at-delivery', approve: boolean) => virtualFlow({ interval: 5, expiresIn: 12 }, (vp) => (ctx) => {
          if (ctx.index !== 2) return undefined
          if (approve) vp.approve(ctx.code)
          const early = compute === 'at-receipt' ? ctx.normal() : undefined
          return vp.clock.sleep(10_000).then(() => early ?? ctx.normal())
        })
        for (const [compute, approve, status] of [['at-receipt', false, 'expired'], ['at-delivery', false, 'expired'], ['at-receipt', true, 'authorized']] as const) {
          const run = await late(compute, approve)
          expect(run.result.status, `${compute}${approve ? ', approved' : ''}`).toBe(status)
          expect(run.vp.ledger.pollsOf(run.code.deviceCode)).toHaveLength(2)
          // No wait ran past the expiry: the flow ended the moment the late answer arrived.
          expect(run.endedAt).toBe(10_250 + 10_000)
        }
      })
    }))

    it(...scenario('a server that changes its interval: adopted when larger, +5 s when not, for good', async () => {
      await repeated(async () => {
        const run = await virtualFlow({ interval: 5, expiresIn: 900 }, (vp) => (ctx) => {
          if (ctx.index === 1) return vp.slowDown(ctx.code, 30)
          if (ctx.index === 2) return vp.slowDown(ctx.code, 2)
          if (ctx.index === 3) return vp.slowDown(ctx.code, '50')
          if (ctx.index === 5) vp.approve(ctx.code)
          return undefined
        })
        expect(run.result.status).toBe('authorized')
        expect(pollReports(run.events)).toEqual(['slow_down', 'slow_down', 'slow_down', 'pending'])
        expect(run.vp.ledger.gapsOf(run.code.deviceCode)).toEqual([5125, 30_500, 35_500, 50_500, 50_500])
      })
    }))

    it(...scenario('the clock jumps forward (the machine slept): polls go on by the monotonic clock; past the expiry the flow ends, or renews', async () => {
      await repeated(async () => {
        // A 60 s nap in a 10 min code.
        const nap = await virtualFlow({ interval: 5, expiresIn: 600 }, (vp) => (ctx) => {
          if (ctx.index === 2) vp.machineSleeps(60_000)
          if (ctx.index === 4) vp.approve(ctx.code)
          return undefined
        })
        expect(nap.result.status).toBe('authorized')
        expect(nap.vp.ledger.gapsOf(nap.code.deviceCode)).toEqual([5125, 5125, 65_125, 5125])
        // A night's sleep: the code is gone on waking; no poll is sent for it.
        const night = await virtualFlow({ interval: 5, expiresIn: 600 }, (vp) => (ctx) => {
          if (ctx.index === 2) vp.machineSleeps(8 * 3_600_000)
          return undefined
        })
        expect(night.result.status).toBe('expired')
        expect(night.vp.ledger.pollsOf(night.code.deviceCode)).toHaveLength(2)
        // …and with a renewal allowed, a fresh code is fetched and signs in.
        const renewed = await virtualFlow({ interval: 5, expiresIn: 600, renewals: 1 }, (vp) => (ctx) => {
          if (ctx.code === vp.codes[0] && ctx.index === 2) vp.machineSleeps(8 * 3_600_000)
          if (ctx.code === vp.codes[1]) vp.approve(ctx.code)
          return undefined
        })
        expect(renewed.result.status).toBe('authorized')
        expect(renewed.vp.codes).toHaveLength(2)
        expect(renewed.events.map((e) => e.type)).toContain('renewed')
      })
    }))

    it(...scenario('the clock is set back an hour or stepped forward two hours (no real-time clock, NTP after boot): no early or stalled poll, the code lives its own lifetime', async () => {
      await repeated(async () => {
        const back = await virtualFlow({ interval: 5, expiresIn: 60 }, (vp) => (ctx) => {
          if (ctx.index === 2) vp.clock.setWallClock(vp.clock.now() - 3_600_000)
          return undefined
        })
        // The lifetime is counted on the monotonic clock: polls every 5.125 s until 60 s, then expired.
        expect(back.result.status).toBe('expired')
        const gaps = back.vp.ledger.gapsOf(back.code.deviceCode)
        expect(gaps).toEqual(Array.from({ length: 11 }, () => 5125))
        expect(back.endedAt).toBe(60_000)
        // Stepped forward two hours (no sleep): nothing changes; the approval signs in.
        const ahead = await virtualFlow({ interval: 5, expiresIn: 600 }, (vp) => (ctx) => {
          if (ctx.index === 2) vp.clock.jump(2 * 3_600_000)
          if (ctx.index === 4) vp.approve(ctx.code)
          return undefined
        })
        expect(ahead.result.status).toBe('authorized')
        expect(ahead.vp.ledger.gapsOf(ahead.code.deviceCode)).toEqual([5125, 5125, 5125, 5125])
      })
    }))

    it(...scenario('a long 5xx burst with Retry-After: back-off and Retry-After honoured, never past the last chance', async () => {
      await repeated(async () => {
        const burst = await virtualFlow({ interval: 5, expiresIn: 300 }, (vp) => (ctx) => {
          if (ctx.index <= 4) return jsonResponse(503, { error: 'temporarily_unavailable' }, { 'retry-after': '25' })
          vp.approve(ctx.code)
          return undefined
        })
        expect(burst.result.status).toBe('authorized')
        expect(burst.vp.ledger.gapsOf(burst.code.deviceCode)).toEqual([5125, 25_125, 25_125, 40_125, 80_125])
        // A server that never recovers: the last poll is the last chance before the expiry.
        const down = await virtualFlow({ interval: 5, expiresIn: 300 }, () => () => new Response('<h1>502</h1>', { status: 502, headers: { 'content-type': 'text/html' } }))
        expect(down.result.status).toBe('expired')
        const polls = down.vp.ledger.pollsOf(down.code.deviceCode)
        const last = (polls.at(-1)?.at ?? 0) - down.code.issuedAt
        expect(last).toBeGreaterThanOrEqual(300_000 - 5000)
        expect(last).toBeLessThan(300_000)
        expect(polls.length).toBeLessThanOrEqual(8)
      })
    }))
  })

  it(...scenario('repeated transport faults leave nothing behind (heap after GC over 50 exchanges of each)', async () => {
    const proxy = await startFaultProxy({ upstream: google.origin, route: (method, path) => (method === 'POST' && path === '/token' ? 'token' : undefined) })
    const { key, cert } = selfSignedCertificate()
    const tls = createHttpsServer({ key, cert }, (_req, res) => res.end('{}'))
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
    const counter: PullCounter = { maxPulled: 0 }
    const http = createHttp({ fetch: countingFetch(counter), clock: systemClock, timeoutMs: 150 })
    const faults: [string, ProxyFault | string][] = [
      ['503', html503],
      ['reset', { kind: 'reset' }],
      ['hang', { kind: 'hang' }],
      ['stall', { kind: 'stall' }],
      ['html', { kind: 'html' }],
      ['5 MB declared', { kind: 'huge', bytes: 5 * MiB, declared: true }],
      ['5 MB chunked', { kind: 'huge', bytes: 5 * MiB, declared: false }],
      ['invalid UTF-8', { kind: 'invalid_utf8' }],
      ['duplicate keys', { kind: 'duplicate_keys', where: 'first' }],
      ['dns', 'https://token.linkscreen.invalid/token'],
      ['tls self-signed', `https://127.0.0.1:${(tls.address() as AddressInfo).port}/token`],
      ['tls plain', `${proxy.origin.replace('http:', 'https:')}/token`],
    ]
    const report: string[] = []
    try {
      for (const [name, fault] of faults) {
        // DNS lookups run on libuv's thread pool and cannot be cancelled: one at a time, each
        // to its end (a burst of them makes some resolvers drop queries for seconds).
        const dns = name === 'dns'
        const client = dns ? createHttp({ fetch: countingFetch(counter), clock: systemClock, timeoutMs: 20_000 }) : http
        const exchange = async (): Promise<void> => {
          if (typeof fault !== 'string') proxy.queue('token', fault)
          const url = typeof fault === 'string' ? fault : `${proxy.origin}/token`
          try {
            const response = await client(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'device_code=unknown' })
            await response.text()
          } catch (error) {
            if (!(error instanceof LinkscreenError)) throw error
          }
        }
        const width = dns ? 1 : 25
        const batch = async (n: number): Promise<void> => {
          for (let i = 0; i < n; i += width) await Promise.all(Array.from({ length: Math.min(width, n - i) }, exchange))
        }
        const runs = dns ? 20 : 50
        const started = performance.now()
        await batch(dns ? 5 : 25)
        const before = await settledHeap()
        await batch(runs)
        const growth = (await settledHeap()) - before
        report.push(`${name} ${(growth / 1024).toFixed(0)} KiB/${runs} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
        // Noise after GC is within ±1 MiB; a body, a socket or a timer kept per exchange is not.
        expect(growth, `${name}: heap growth over ${runs} exchanges`).toBeLessThan(2 * MiB)
      }
      expect(counter.maxPulled).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES + 256 * 1024)
      expect(proxy.pending('token')).toBe(0)
    } finally {
      process.stdout.write(`fault matrix: heap growth over repeated faulty exchanges: ${report.join(', ')}\n`)
      tls.closeAllConnections()
      tls.close()
      await proxy.close()
    }
  }))

  it('summary', (context) => {
    const run = tally.verdicts.length
    const survived = tally.verdicts.filter((v) => v.survived).length
    recordSummary(context, `fault matrix: ${run} scenarios run, ${survived} survived, ${tally.earlyPolls} polls sent too early, ${tally.crashes} crashes`)
    expect(tally.verdicts.filter((v) => !v.survived).map((v) => v.scenario)).toEqual([])
    expect(run).toBe(declared)
    expect(tally.earlyPolls).toBe(0)
    expect(tally.pollsAfterFinal).toBe(0)
    expect(tally.crashes).toBe(0)
  })

})

