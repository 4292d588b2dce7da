/**
 * Load (issue #7, item 5): ONE process runs 1,000 concurrent device flows (`runDeviceFlow`, the
 * `oidc` dialect as the app uses it, one shared dialect as the app shares one per provider)
 * against the demo provider (oidc-provider 9, interval 1 s advertised and enforced, 60 s codes)
 * started in the same process as bench/server.ts starts it. The server approves each code after
 * a random 0.2–3 s (seeded), as a person on a phone would.
 *
 * Checked: every flow ends authorized with the right account; no token request reaches the server
 * sooner than the interval in force (server-side arrival times, monotonic, slow_down +5 s
 * included; see test/faults/ledger.ts), none after its token; memory per flow (RSS and JS heap +
 * ArrayBuffers, peak during the run over the level before it) stays under a generous bound, and
 * what stays after the run and a GC is small. One line is printed and repeated at the end of the
 * run: `load: 1000 flows, 1000 authorized, 0 early polls, X MB/flow, Y s`.
 *
 * Why oidc-provider and not a lighter simulator: it is the real server the app's demo uses, with
 * RS256 ID tokens to verify, and on 2 cores it fits the budget: the whole run (server and 1,000
 * clients sharing one event loop) takes about 10–15 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import { createOidcDialect } from '../../electron/core/dialects/oidc'
import { runDeviceFlow, type FlowResult } from '../../electron/core/flow'
import { createHttp } from '../../electron/core/http'
import { prng } from '../../bench/engine'
import { startBenchServer, type BenchServer } from '../../bench/server'
import { MiB, settledHeap } from '../faults/harness'
import { PollLedger } from '../faults/ledger'
import { recordSummary } from '../faults/summary'

const FLOWS = 1000
const INTERVAL_SECONDS = 1
const CODE_TTL_SECONDS = 60
const APPROVAL_DELAY_MS = { min: 200, max: 3000 } as const
/** Every flow is cancelled after this (it then counts as not authorized). */
const FLOW_LIMIT_MS = 45_000
/** Generous bounds: the measured figures are about a tenth of these (see the printed line). */
const MAX_PEAK_MB_PER_FLOW = 1.5
const MAX_RETAINED_MB_PER_FLOW = 0.1

let server: BenchServer

beforeAll(async () => {
  server = await startBenchServer({ intervalSeconds: INTERVAL_SECONDS, deviceCodeTtlSeconds: CODE_TTL_SECONDS })
}, 30_000)

afterAll(async () => {
  await server?.close()
})

describe('load', () => {
  it(`${FLOWS} concurrent device flows in one process, against oidc-provider`, async (context) => {
    const random = prng(7)
    const delays = Array.from({ length: FLOWS }, () => Math.round(APPROVAL_DELAY_MS.min + random() * (APPROVAL_DELAY_MS.max - APPROVAL_DELAY_MS.min)))
    const http = createHttp({ fetch: (input, init) => fetch(input, init), clock: systemClock })
    const dialect = createOidcDialect({ id: 'load', issuer: server.issuer, clientId: server.clientId, scope: 'openid' }, { http, clock: systemClock })
    // Warm up (discovery, JWKS, the JIT) with one flow, so that the figures are the 1,000's.
    {
      const warm = runDeviceFlow({ dialect, clock: systemClock, signal: AbortSignal.timeout(FLOW_LIMIT_MS), onEvent: (e) => void (e.type === 'code' && server.approve(e.authorization.user_code, 'Warm Up')) })
      expect((await warm).status).toBe('authorized')
    }

    const timers = new Set<NodeJS.Timeout>()
    const approvals: Promise<unknown>[] = []
    const approvedSub: (string | undefined)[] = new Array(FLOWS)
    const userCodes: (string | undefined)[] = new Array(FLOWS)
    let approveErrors = 0

    const before = await settledHeap()
    const rssBefore = process.memoryUsage().rss
    let heapPeak = before
    let rssPeak = rssBefore
    const sample = (): void => {
      const { rss, heapUsed, arrayBuffers } = process.memoryUsage()
      rssPeak = Math.max(rssPeak, rss)
      heapPeak = Math.max(heapPeak, heapUsed + arrayBuffers)
    }
    const sampler = setInterval(sample, 50)
    const started = performance.now()
    let results: FlowResult[]
    try {
      results = await Promise.all(
        Array.from({ length: FLOWS }, (_, i) =>
          runDeviceFlow({
            dialect,
            clock: systemClock,
            signal: AbortSignal.timeout(FLOW_LIMIT_MS),
            onEvent: (event) => {
              if (event.type !== 'code') return
              userCodes[i] = event.authorization.user_code
              const timer = setTimeout(() => {
                timers.delete(timer)
                approvals.push(
                  server.approve(event.authorization.user_code, `Load User ${i}`).then(
                    (sub) => (approvedSub[i] = sub),
                    () => (approveErrors += 1),
                  ),
                )
              }, delays[i])
              timers.add(timer)
            },
          }),
        ),
      )
    } finally {
      clearInterval(sampler)
      for (const timer of timers) clearTimeout(timer)
    }
    const seconds = (performance.now() - started) / 1000
    sample()
    await Promise.all(approvals)

    // Server side: every token request of every code, on the interval in force.
    const ledger = new PollLedger()
    let tokenAnswers = 0
    let slowDowns = 0
    for (const code of userCodes) {
      const deviceCode = code === undefined ? undefined : server.deviceCodeByUserCode.get(code)
      const log = deviceCode === undefined ? undefined : server.codes.get(deviceCode)
      if (!log || deviceCode === undefined) continue
      const first = log.tokenRequests[0]
      // Issue time on the monotonic clock: the wall-clock gap to the first request, back from its arrival.
      ledger.issued(deviceCode, INTERVAL_SECONDS, first === undefined ? 0 : first.mono - (first.at - log.issuedAt))
      for (const request of log.tokenRequests) {
        const outcome = request.outcome
        ledger
          .arrived(deviceCode, request.mono)
          .answer(outcome === 'authorization_pending' ? { kind: 'pending' } : outcome === 'slow_down' ? { kind: 'slow_down' } : outcome.startsWith('http_5') ? { kind: 'transient' } : { kind: 'final' })
        if (outcome === 'token') tokenAnswers += 1
        if (outcome === 'slow_down') slowDowns += 1
      }
    }

    const authorized = results.filter((r) => r.status === 'authorized').length
    const rightAccount = results.filter((r, i) => r.status === 'authorized' && r.account?.sub !== undefined && r.account.sub === approvedSub[i]).length
    const peakMbPerFlow = (rssPeak - rssBefore) / MiB / FLOWS
    const heapMbPerFlow = (heapPeak - before) / MiB / FLOWS
    // What the flows leave behind once they are over (the server's in-memory store included).
    const retainedMbPerFlow = ((await settledHeap()) - before) / MiB / FLOWS
    const polls = ledger.totalPolls
    recordSummary(
      context,
      `load: ${FLOWS} flows, ${authorized} authorized, ${ledger.early.length} early polls, ${peakMbPerFlow.toFixed(2)} MB/flow, ${seconds.toFixed(1)} s` +
        ` (oidc-provider in-process; ${polls} token requests, ${(polls / FLOWS).toFixed(1)}/flow, ${slowDowns} slow_down; JS heap+buffers ${heapMbPerFlow.toFixed(3)} MB/flow at peak, ${retainedMbPerFlow.toFixed(3)} MB/flow retained after GC)`,
    )

    const failures = results.flatMap((r, i) => (r.status === 'authorized' ? [] : [`${i}: ${r.status}${r.status === 'error' ? ` ${r.error.code} ${r.error.message}` : ''}`]))
    expect(failures.slice(0, 5)).toEqual([])
    expect(authorized).toBe(FLOWS)
    expect(rightAccount).toBe(FLOWS)
    expect(approveErrors).toBe(0)
    expect(tokenAnswers).toBe(FLOWS)
    expect(ledger.early.slice(0, 5)).toEqual([])
    expect(ledger.afterFinal).toEqual([])
    expect(ledger.unknownCodes).toBe(0)
    expect(server.serverErrors()).toBe(0)
    expect(peakMbPerFlow).toBeLessThan(MAX_PEAK_MB_PER_FLOW)
    expect(heapMbPerFlow).toBeLessThan(MAX_PEAK_MB_PER_FLOW)
    expect(retainedMbPerFlow).toBeLessThan(MAX_RETAINED_MB_PER_FLOW)
  }, 60_000)
})
