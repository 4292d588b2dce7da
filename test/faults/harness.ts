/**
 * What the fault matrix runs flows with: the real servers behind fault proxies (each with the
 * dialect that speaks to it and a way to approve a code), a `fetch` that counts the body bytes
 * the core actually pulls, heap readings after a forced GC, and the tally of scenarios.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { systemClock } from '../../electron/adapters/system-clock'
import { providerSchema } from '../../electron/core/config'
import { createDialect } from '../../electron/core/dialects'
import { runDeviceFlow, type FlowEvent, type FlowResult } from '../../electron/core/flow'
import { createHttp } from '../../electron/core/http'
import type { Clock, DeviceAuthorization, Dialect, FetchLike } from '../../electron/core/types'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type Simulator } from '../simulators/device-flow'
import type { IncomingHttpHeaders } from 'node:http'
import { startFaultProxy, type FaultProxy, type ProxyTarget } from './fault-proxy'
import type { PaceAnswer, PollLedger } from './ledger'

// ---------------------------------------------------------------------------
// Heap

let gcFunction: (() => void) | undefined

/** `global.gc`, exposed at run time when node was not started with --expose-gc. */
export function forceGc(): void {
  if (!gcFunction) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (exposed) gcFunction = exposed
    else {
      setFlagsFromString('--expose-gc')
      gcFunction = runInNewContext('gc') as () => void
    }
  }
  gcFunction()
}

/**
 * JS heap plus ArrayBuffer contents (where response bodies live, outside `heapUsed`) after two
 * full collections with a turn of the event loop between them, bytes.
 */
export async function settledHeap(): Promise<number> {
  forceGc()
  await new Promise((resolve) => setImmediate(resolve))
  forceGc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

export const MiB = 1024 * 1024

// ---------------------------------------------------------------------------
// Counting fetch

export interface PullCounter {
  /** Most body bytes the core pulled from one response. */
  maxPulled: number
}

/**
 * `fetch` whose response bodies count the bytes their reader pulls (no read-ahead: high-water
 * mark 0), so a test can tell how much of a body the core really read.
 */
export function countingFetch(counter: PullCounter, base: FetchLike = (input, init) => fetch(input, init)): FetchLike {
  return async (input, init) => {
    const response = await base(input, init)
    if (!response.body || [101, 204, 205, 304].includes(response.status)) return response
    const reader = response.body.getReader()
    let pulled = 0
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read()
          if (done) return controller.close()
          pulled += value.byteLength
          counter.maxPulled = Math.max(counter.maxPulled, pulled)
          controller.enqueue(value)
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    )
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
}

// ---------------------------------------------------------------------------
// Flows

export interface FlowRun {
  readonly result: FlowResult
  readonly events: FlowEvent[]
  readonly authorization: DeviceAuthorization | undefined
}

export interface RunningFlow {
  /** The first code, once the device authorization response arrived. */
  readonly code: Promise<DeviceAuthorization>
  readonly done: Promise<FlowRun>
  readonly events: FlowEvent[]
}

export const tally: {
  /** `runDeviceFlow` rejected (it must never), or the process saw an unhandled error. */
  crashes: number
  /** Token requests that reached a server sooner than the interval in force allowed. */
  earlyPolls: number
  /** Token requests for a code that already had its final answer. */
  pollsAfterFinal: number
  readonly verdicts: { scenario: string; survived: boolean }[]
} = { crashes: 0, earlyPolls: 0, pollsAfterFinal: 0, verdicts: [] }

/** Adds a ledger's findings to the tally; call once its flows have ended. */
export function countLedger(ledger: PollLedger): void {
  tally.earlyPolls += ledger.early.length
  tally.pollsAfterFinal += ledger.afterFinal.length
}

/** Starts one device flow, bounded by `limitMs` (it is cancelled then, which the caller sees as `cancelled`). */
export function startFlow(dialect: Dialect, options: { clock?: Clock; limitMs?: number; renewals?: number; codeRetryMs?: number } = {}): RunningFlow {
  const events: FlowEvent[] = []
  let gotCode: (authorization: DeviceAuthorization) => void = () => undefined
  let noCode: (error: Error) => void = () => undefined
  const code = new Promise<DeviceAuthorization>((resolve, reject) => {
    gotCode = resolve
    noCode = reject
  })
  code.catch(() => undefined)
  let authorization: DeviceAuthorization | undefined
  const done = runDeviceFlow({
    dialect,
    clock: options.clock ?? systemClock,
    signal: AbortSignal.timeout(options.limitMs ?? 40_000),
    ...(options.renewals === undefined ? {} : { renewals: options.renewals }),
    ...(options.codeRetryMs === undefined ? {} : { codeRetryMs: options.codeRetryMs }),
    onEvent: (event) => {
      events.push(event)
      if (event.type === 'code') {
        authorization = event.authorization
        gotCode(event.authorization)
      }
    },
  }).then(
    (result) => {
      noCode(new Error(`the flow ended (${result.status}) without a code`))
      return { result, events, authorization }
    },
    (error: unknown) => {
      tally.crashes += 1
      throw error
    },
  )
  return { code, done, events }
}

/** Resolves once `predicate` holds; polled every 20 ms, for at most `limitMs`. */
export async function until(predicate: () => boolean, limitMs = 20_000, what = 'condition'): Promise<void> {
  const end = performance.now() + limitMs
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export const pollReports = (events: readonly FlowEvent[]): string[] =>
  events.flatMap((event) => (event.type === 'poll' ? [event.result] : []))

// ---------------------------------------------------------------------------
// Upstreams

/** A real server the matrix puts a fault proxy in front of. */
export interface Upstream {
  readonly name: string
  readonly origin: string
  readonly route: (method: string, path: string) => ProxyTarget | undefined
  readonly classify?: (status: number, headers: IncomingHttpHeaders, body: Buffer) => PaceAnswer
  /** The provider configuration, with the proxy's origin in place of the server's. */
  readonly provider: (proxy: string) => Record<string, unknown>
  approve(userCode: string): Promise<void>
  deny(userCode: string): Promise<void>
}

export interface Fronted {
  readonly upstream: Upstream
  readonly proxy: FaultProxy
  readonly counter: PullCounter
  readonly dialect: Dialect
  close(): Promise<void>
}

/** A fault proxy in front of `upstream` and the dialect that talks to it through the core's HTTP layer. */
export async function front(upstream: Upstream, options: { timeoutMs?: number; fetch?: FetchLike } = {}): Promise<Fronted> {
  const proxy = await startFaultProxy({ upstream: upstream.origin, route: upstream.route, ...(upstream.classify ? { classify: upstream.classify } : {}) })
  const counter: PullCounter = { maxPulled: 0 }
  const http = createHttp({ fetch: countingFetch(counter, options.fetch), clock: systemClock, timeoutMs: options.timeoutMs ?? 5_000 })
  const provider = providerSchema.parse({ id: `p-${upstream.name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-")}`.slice(0, 64), ...upstream.provider(proxy.origin) })
  const dialect = createDialect(provider, { http, clock: systemClock })
  return {
    upstream,
    proxy,
    counter,
    dialect,
    close: async () => {
      await proxy.close()
      countLedger(proxy.ledger)
    },
  }
}

/** Trakt's status-code protocol: 400 pending, 429 slow down with Retry-After, 5xx transient, the rest final. */
export function traktPace(status: number, headers: IncomingHttpHeaders): PaceAnswer {
  if (status === 400) return { kind: 'pending' }
  if (status === 429) {
    const raw = headers['retry-after']
    return typeof raw === 'string' && /^\d+$/.test(raw) ? { kind: 'retry_after', ms: Number(raw) * 1000 } : { kind: 'slow_down' }
  }
  if (status >= 500) return { kind: 'transient' }
  return { kind: 'final' }
}

const paths = (code: string | RegExp, token: string | RegExp) => (method: string, path: string): ProxyTarget | undefined => {
  if (method !== 'POST') return undefined
  const matches = (p: string | RegExp): boolean => (typeof p === 'string' ? path === p : p.test(path))
  return matches(code) ? 'code' : matches(token) ? 'token' : undefined
}

const simApprove = (sim: Simulator) => ({
  approve: async (userCode: string) => sim.approve(userCode),
  deny: async (userCode: string) => sim.deny(userCode),
})

export const upstreams = {
  google: (sim: Simulator): Upstream => ({
    name: 'google-sim',
    origin: sim.origin,
    route: paths('/device/code', '/token'),
    provider: (proxy) => ({ dialect: 'google', clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, baseUrl: proxy, userinfoUrl: `${proxy}/v1/userinfo` }),
    ...simApprove(sim),
  }),
  github: (sim: Simulator): Upstream => ({
    name: 'github-sim',
    origin: sim.origin,
    route: paths('/login/device/code', '/login/oauth/access_token'),
    provider: (proxy) => ({ dialect: 'github', clientId: DEFAULT_CLIENT_ID, scope: 'read:user', baseUrl: proxy, apiBaseUrl: `${proxy}/api` }),
    ...simApprove(sim),
  }),
  microsoft: (sim: Simulator): Upstream => ({
    name: 'microsoft-sim',
    origin: sim.origin,
    route: paths(/\/oauth2\/v2\.0\/devicecode$/, /\/oauth2\/v2\.0\/token$/),
    provider: (proxy) => ({ dialect: 'microsoft', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy, userinfoUrl: `${proxy}/oidc/userinfo` }),
    ...simApprove(sim),
  }),
  apiV1: (sim: Simulator): Upstream => ({
    name: 'api-v1-sim',
    origin: sim.origin,
    route: paths('/api/v1/oauth/device-authorization/', '/api/v1/oauth/token'),
    provider: (proxy) => ({ dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy }),
    ...simApprove(sim),
  }),
  trakt: (sim: Simulator): Upstream => ({
    name: 'trakt-sim',
    origin: sim.origin,
    route: paths('/oauth/device/code', '/oauth/device/token'),
    classify: traktPace,
    provider: (proxy) => ({ dialect: 'trakt', clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, baseUrl: proxy }),
    ...simApprove(sim),
  }),
}

/** better-auth (device authorization + bearer plugins), approving as one signed-up user. */
export function betterAuthUpstream(server: { baseUrl: string; clientId: string; approve(userCode: string, session: string): Promise<void>; deny(userCode: string, session: string): Promise<void> }, session: string): Upstream {
  const base = new URL(server.baseUrl)
  return {
    name: 'better-auth',
    origin: base.origin,
    route: paths(`${base.pathname}/device/code`, `${base.pathname}/device/token`),
    provider: (proxy) => ({ dialect: 'better-auth', clientId: server.clientId, baseUrl: `${proxy}${base.pathname}` }),
    approve: (userCode) => server.approve(userCode, session),
    deny: (userCode) => server.deny(userCode, session),
  }
}

/**
 * oidc-provider (the demo provider, as bench/server.ts starts it), spoken to with the `oauth2`
 * dialect so that the endpoints can point at the proxy while ID tokens are still checked
 * against the real issuer and its keys.
 */
export function oidcProviderUpstream(bench: { issuer: string; clientId: string; approve(userCode: string, name: string): Promise<string> }): Upstream {
  return {
    name: 'oidc-provider',
    origin: bench.issuer,
    route: paths('/device/auth', '/token'),
    provider: (proxy) => ({
      dialect: 'oauth2',
      clientId: bench.clientId,
      scope: 'openid',
      issuer: bench.issuer,
      endpoints: { deviceAuthorization: `${proxy}/device/auth`, token: `${proxy}/token`, jwks: `${bench.issuer}/jwks` },
    }),
    approve: async (userCode) => {
      await bench.approve(userCode, 'Fault Matrix')
    },
    deny: async () => {
      throw new Error('the bench server has no deny')
    },
  }
}
