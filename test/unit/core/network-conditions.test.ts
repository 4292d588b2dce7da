/**
 * Issue #14: screens that sign in on hotel Wi-Fi and right after boot. Answers that are not the
 * provider's (a captive portal's page or redirect, 511, a proxy's 407, empty, cut-off or
 * non-object bodies) are a network condition on a poll; the code request is retried within a
 * bounded time; a wall clock set after boot moves neither the poll gaps nor the code's lifetime.
 * On a fake clock, with fixed randomness, to the millisecond.
 */
import { describe, expect, it } from 'vitest'
import { createOAuth2Dialect } from '../../../electron/core/dialects/oauth2'
import { runDeviceFlow, type FlowEvent, type FlowResult } from '../../../electron/core/flow'
import { createHttp } from '../../../electron/core/http'
import { judgeAnswer } from '../../../electron/core/network-answer'
import { CODE_RETRY_MAX_MS, codeRetryDelay } from '../../../electron/core/poll-policy'
import type { FetchLike } from '../../../electron/core/types'
import { FakeClock } from '../../helpers/fake-clock'
import { DEVICE_ENDPOINT, TOKEN_ENDPOINT, ScriptedServer, deviceResponse, json, oauthError, tokenResponse, type Answer } from '../../helpers/scripted-server'

const pending = (): Response => oauthError('authorization_pending')
const ok = (): Response => json(200, tokenResponse())
const page = (status: number, body = '<!doctype html><title>Hotel Wi-Fi</title><a href="https://portal.hotel.example/login">Sign in</a>', headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' }) =>
  new Response(body, { status, headers })

interface Run {
  readonly result: FlowResult
  readonly events: FlowEvent[]
  readonly server: ScriptedServer
  readonly clock: FakeClock
}

async function run(polls: Answer[], options: { codes?: (Record<string, unknown> | Response)[]; codeRetryMs?: number; fetch?: (base: FetchLike, clock: FakeClock) => FetchLike; onEvent?: (event: FlowEvent, clock: FakeClock) => void; clock?: FakeClock } = {}): Promise<Run> {
  const clock = options.clock ?? new FakeClock()
  const server = new ScriptedServer(clock, polls, options.codes)
  const http = createHttp({ fetch: options.fetch ? options.fetch(server.fetch, clock) : server.fetch, clock })
  const dialect = createOAuth2Dialect({ id: 'hotel', clientId: 'tv', endpoints: { deviceAuthorization: DEVICE_ENDPOINT, token: TOKEN_ENDPOINT } }, { http, clock })
  const events: FlowEvent[] = []
  const result = await clock.run(
    runDeviceFlow({
      dialect,
      clock,
      pollMargin: () => 0,
      random: () => 0.5,
      ...(options.codeRetryMs === undefined ? {} : { codeRetryMs: options.codeRetryMs }),
      onEvent: (event) => {
        events.push(event)
        options.onEvent?.(event, clock)
      },
    }),
  )
  return { result, events, server, clock }
}

const polls = (events: readonly FlowEvent[]) => events.flatMap((e) => (e.type === 'poll' ? [{ result: e.result, reason: e.reason, host: e.host }] : []))

describe('a poll answered by the network, not the provider: back off and poll again', () => {
  const cases: [string, () => Response, string, string?][] = [
    ['200 text/html (a captive portal page)', () => page(200), 'captive_portal', 'portal.hotel.example'],
    ['302 to a login page on another host', () => new Response(null, { status: 302, headers: { location: 'https://login.portal.example/?orig=x' } }), 'captive_portal', 'login.portal.example'],
    ['511 Network Authentication Required', () => page(511, '<html><meta http-equiv="refresh" content="0; url=https://wifi.example/auth"></html>'), 'captive_portal', 'wifi.example'],
    ['407 from a proxy', () => page(407, 'Proxy Authentication Required', { 'content-type': 'text/plain', 'proxy-authenticate': 'Basic realm="corp"' }), 'proxy_auth'],
    ['HTML served as application/json', () => page(200, '<html><body>Please accept the terms</body></html>', { 'content-type': 'application/json' }), 'captive_portal'],
    ['an empty 200', () => new Response('', { status: 200, headers: { 'content-type': 'application/json' } }), 'empty'],
    ['an empty 400', () => new Response(null, { status: 400 }), 'empty'],
    ['a body cut half way', () => new Response('{"access_token":"at-x","tok', { status: 200, headers: { 'content-type': 'application/json' } }), 'truncated'],
    ['JSON that is not an object', () => json(200, ['pending']), 'not_json'],
    ['plain text', () => new Response('Service paused', { status: 403, headers: { 'content-type': 'text/plain' } }), 'not_json'],
  ]

  it.each(cases)('%s: network_error with reason %s, gaps by the back-off, then authorized', async (_name, answer, reason, host) => {
    const { result, events, server } = await run([answer, pending(), ok()])
    expect(result.status).toBe('authorized')
    expect(polls(events)).toEqual([
      { result: 'network_error', reason, host },
      { result: 'pending', reason: undefined, host: undefined },
    ])
    // Never sooner than the interval: the network answer doubles the wait (back-off, jitter +5 %), pending keeps it.
    expect(server.gaps()).toEqual([5000, 10_500, 5000])
  })

  it('JSON served as text/html is the provider\'s answer: read as such', async () => {
    const mislabelled = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'text/html' } })
    const { result, events } = await run([mislabelled({ error: 'authorization_pending' }, 400), mislabelled(tokenResponse())])
    expect(result.status).toBe('authorized')
    expect(polls(events)).toEqual([{ result: 'pending', reason: undefined, host: undefined }])
  })

  it('a provider\'s own JSON error stays decisive, whatever the media type', async () => {
    const { result } = await run([page(400, JSON.stringify({ error: 'invalid_grant', error_description: 'no such code' }))])
    expect(result).toMatchObject({ status: 'error', error: { code: 'oauth_error', oauthError: 'invalid_grant' } })
  })

  it('the flow from the issue: 503, 503, a page, a reset, a 2 s stall, then approval: authorized, no early poll', async () => {
    const clock = new FakeClock()
    const { result, server, events } = await run([
      json(503, {}),
      json(503, {}),
      page(200),
      'network',
      () => clock.sleep(2000).then(pending),
      ok(),
    ], { codes: [deviceResponse({ expires_in: 600 })], clock })
    expect(result.status).toBe('authorized')
    expect(polls(events).map((p) => p.reason ?? p.result)).toEqual(['server_error', 'server_error', 'captive_portal', 'connection', 'pending'])
    for (const gap of server.gaps()) expect(gap).toBeGreaterThanOrEqual(5000)
    // Back-off 10, 20, 40, 80 s (jitter +5 %) from the answers, then the interval from the stalled answer.
    expect(server.gaps()).toEqual([5000, 10_500, 21_000, 42_000, 84_000, 7000])
    const error = events.find((e) => e.type === 'error')
    expect(error).toBeUndefined()
  })

  it('judges answers without reading the provider\'s JSON objects as the network\'s', async () => {
    expect(await judgeAnswer(json(400, { error: 'authorization_pending' }), TOKEN_ENDPOINT)).toBeUndefined()
    expect(await judgeAnswer(new Response('a=1', { status: 200, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), TOKEN_ENDPOINT, { formIsProvider: true })).toBeUndefined()
    // A redirect on the provider's own host is a moved endpoint: the provider's own (final) answer.
    expect(await judgeAnswer(new Response(null, { status: 302, headers: { location: '/token/' } }), TOKEN_ENDPOINT)).toBeUndefined()
    expect(await judgeAnswer(new Response('busy', { status: 503 }), TOKEN_ENDPOINT)).toBeUndefined()
  })
})

describe('the code request is retried through network trouble, within a bounded time', () => {
  it('503 three times, then a code: no keypress; attempts reported with capped, jittered back-off', async () => {
    const busy = () => new Response('<html>503</html>', { status: 503, headers: { 'content-type': 'text/html' } })
    const { result, events, server } = await run([ok()], { codes: [busy(), busy(), busy(), json(200, deviceResponse())], codeRetryMs: 120_000 })
    expect(result.status).toBe('authorized')
    const retries = events.flatMap((e) => (e.type === 'retrying' ? [e] : []))
    expect(retries.map((e) => [e.attempt, e.retryInMs, e.reason])).toEqual([
      [2, 750, 'server_error'],
      [3, 1500, 'server_error'],
      [4, 3000, 'server_error'],
    ])
    expect(retries[0]?.error.message).toBe('hotel: device authorization: HTTP 503 (text/html) that is not JSON')
    expect(server.codeRequests.map((r) => r.time)).toEqual([0, 750, 2250, 5250])
    expect(events.filter((e) => e.type === 'code')).toHaveLength(1)
  })

  it('honours Retry-After on a 429 and on a 503', async () => {
    const { server, events } = await run([ok()], {
      codes: [json(429, { error: 'slow_down' }, { 'retry-after': '7' }), new Response('', { status: 503, headers: { 'retry-after': '4' } }), json(200, deviceResponse())],
      codeRetryMs: 60_000,
    })
    expect(events.flatMap((e) => (e.type === 'retrying' ? [[e.reason, e.retryInMs]] : []))).toEqual([['rate_limited', 7000], ['server_error', 4000]])
    expect(server.codeRequests.map((r) => r.time)).toEqual([0, 7000, 11_000])
  })

  it('a captive portal on the code request: retried, with the portal named', async () => {
    const { result, events } = await run([ok()], { codes: [page(200), new Response(null, { status: 302, headers: { location: 'http://10.0.0.1/login' } }), json(200, deviceResponse())], codeRetryMs: 60_000 })
    expect(result.status).toBe('authorized')
    expect(events.flatMap((e) => (e.type === 'retrying' ? [[e.reason, e.host]] : []))).toEqual([['captive_portal', 'portal.hotel.example'], ['captive_portal', '10.0.0.1']])
  })

  it('a provider\'s own 4xx JSON error (invalid_client) ends at once, with its message', async () => {
    const { result, events, server } = await run([], { codes: [json(401, { error: 'invalid_client', error_description: 'unknown client' })], codeRetryMs: 120_000 })
    expect(result).toMatchObject({ status: 'error', error: { code: 'oauth_error', oauthError: 'invalid_client', message: 'hotel: device authorization: invalid_client (unknown client)' } })
    expect(server.codeRequests).toHaveLength(1)
    expect(events.some((e) => e.type === 'retrying')).toBe(false)
  })

  it('no retry by default (the CLI without --retry): the first failure ends the flow', async () => {
    const { result, server } = await run([], { codes: [new Response('', { status: 502 })] })
    expect(result).toMatchObject({ status: 'error', error: { code: 'server_error' } })
    expect(server.codeRequests).toHaveLength(1)
  })

  it('DNS that fails for 30 s and then works: a code, with no keypress', async () => {
    const notFound = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND as.example'), { code: 'ENOTFOUND' }) })
    const { result, server, events } = await run([ok()], {
      codeRetryMs: 120_000,
      fetch: (base, clock) => async (input, init) => {
        if (input === DEVICE_ENDPOINT && clock.monotonic() < 30_000) throw notFound()
        return base(input, init)
      },
    })
    expect(result.status).toBe('authorized')
    expect(server.codeRequests).toHaveLength(1)
    expect(server.codeRequests[0]?.time).toBeGreaterThanOrEqual(30_000)
    const retries = events.flatMap((e) => (e.type === 'retrying' ? [e] : []))
    expect(new Set(retries.map((e) => `${e.reason}: ${e.error.message}`))).toEqual(new Set(['connection: POST https://as.example/device_authorization: the server name could not be found (no network, or DNS failed) (ENOTFOUND)']))
  })

  it('gives up once the time is spent, with the last failure as a sentence', async () => {
    const down = Array.from({ length: 40 }, () => new Response('', { status: 503 }))
    const { result, server } = await run([], { codes: [...down, json(200, deviceResponse())], codeRetryMs: 60_000 })
    expect(result).toMatchObject({ status: 'error', error: { code: 'server_error', message: 'hotel: device authorization: HTTP 503 (text/plain) that is not JSON' } })
    const times = server.codeRequests.map((r) => r.time)
    expect(times.at(-1)).toBe(60_000)
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeLessThanOrEqual(CODE_RETRY_MAX_MS)
  })

  it('back-off: exponential from 1 s, capped at 30 s, jitter over the upper half, never under Retry-After', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => codeRetryDelay(n, 0))).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000])
    expect([1, 6, 9].map((n) => codeRetryDelay(n, 0.999999))).toEqual([1000, 30_000, 30_000])
    expect(codeRetryDelay(1, 0, 12_000)).toBe(12_000)
  })
})

describe('a wall clock set after boot (no real-time clock, NTP later)', () => {
  for (const [name, jump] of [['forward five hours', 5 * 3_600_000], ['back five hours', -5 * 3_600_000]] as const) {
    it(`jumps ${name} during a flow: the gaps and the code's lifetime follow the monotonic clock`, async () => {
      let jumped = false
      const { result, server, events } = await run(Array.from({ length: 20 }, pending), {
        codes: [deviceResponse({ expires_in: 60, interval: 5 })],
        onEvent: (event, clock) => {
          if (event.type === 'poll' && !jumped) {
            jumped = true
            clock.jump(jump)
          }
        },
      })
      expect(result.status).toBe('expired')
      // Polls at 5, 10, … 55 s, every one on time, and none after the 60 s lifetime.
      expect(server.gaps()).toEqual(Array.from({ length: 11 }, () => 5000))
      expect(events.find((e) => e.type === 'code')).toMatchObject({ expiresInMs: 60_000 })
    })
  }
})

