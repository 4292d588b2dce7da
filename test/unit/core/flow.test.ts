import { describe, expect, it } from 'vitest'
import { createOAuth2Dialect } from '../../../electron/core/dialects/oauth2'
import { runDeviceFlow, type FlowEvent, type FlowResult } from '../../../electron/core/flow'
import { createHttp } from '../../../electron/core/http'
import type { Clock } from '../../../electron/core/types'
import { createWakeClock } from '../../../electron/adapters/wake-clock'
import { FakeClock } from '../../helpers/fake-clock'
import {
  DEVICE_ENDPOINT,
  TOKEN_ENDPOINT,
  ScriptedServer,
  deviceResponse,
  json,
  oauthError,
  tokenResponse,
  type Answer,
} from '../../helpers/scripted-server'

const pending = (): Response => oauthError('authorization_pending')
const ok = (): Response => json(200, tokenResponse())

/** An oauth2 dialect whose HTTP goes to `server`. */
function scriptedDialect(server: ScriptedServer, clock: Clock, clientId = 'c') {
  const http = createHttp({ fetch: server.fetch, clock })
  return createOAuth2Dialect({ id: 'test', clientId, scope: 'read', endpoints: { deviceAuthorization: DEVICE_ENDPOINT, token: TOKEN_ENDPOINT } }, { http, clock })
}

interface Run {
  result: FlowResult
  events: FlowEvent[]
  server: ScriptedServer
  clock: FakeClock
}

async function run(
  polls: Answer[],
  options: { codes?: (Record<string, unknown> | Response)[]; renewals?: number; margin?: boolean; } = {},
): Promise<Run> {
  const clock = new FakeClock()
  const server = new ScriptedServer(clock, polls, options.codes)
  const dialect = scriptedDialect(server, clock, 'client-1')
  const events: FlowEvent[] = []
  const controller = new AbortController()
  const result = await clock.run(
    runDeviceFlow({
      dialect,
      clock,
      signal: controller.signal,
      renewals: options.renewals ?? 0,
      onEvent: (e) => events.push(e),
      // The table states the RFC's gaps exactly; the default safety margin has its own test.
      ...(options.margin ? {} : { pollMargin: () => 0 }),
    }),
  )
  return { result, events, server, clock }
}

describe('polling policy (RFC 8628 §3.5), to the millisecond', () => {
  const cases: { name: string; polls: Answer[]; interval?: number; gaps: number[]; status: FlowResult['status'] }[] = [
    { name: 'authorization_pending keeps the interval', polls: [pending(), pending(), ok()], gaps: [5000, 5000, 5000], status: 'authorized' },
    {
      name: 'slow_down adds five seconds, cumulatively and for good',
      polls: [oauthError('slow_down'), oauthError('slow_down'), pending(), ok()],
      gaps: [5000, 10000, 15000, 15000],
      status: 'authorized',
    },
    {
      name: 'slow_down adopts a larger interval sent by the server',
      polls: [oauthError('slow_down', { interval: 30 }), pending(), ok()],
      gaps: [5000, 30000, 30000],
      status: 'authorized',
    },
    {
      name: 'HTTP 429 with Retry-After waits that long once',
      polls: [json(429, {}, { 'retry-after': '42' }), pending(), ok()],
      gaps: [5000, 42000, 5000],
      status: 'authorized',
    },
    {
      name: 'HTTP 429 without Retry-After slows down by five seconds',
      polls: [json(429, {}), pending(), ok()],
      gaps: [5000, 10000, 10000],
      status: 'authorized',
    },
    {
      name: '5xx and connection errors back off exponentially, then recover',
      polls: [json(503, {}), 'network', new Response('<html>bad gateway</html>', { status: 502 }), pending(), ok()],
      gaps: [5000, 10000, 20000, 40000, 5000],
      status: 'authorized',
    },
    {
      name: 'a 5xx Retry-After longer than the back-off is honoured',
      polls: [json(503, {}, { 'retry-after': '60' }), ok()],
      gaps: [5000, 60000],
      status: 'authorized',
    },
    { name: 'access_denied ends as denied', polls: [pending(), oauthError('access_denied')], gaps: [5000, 5000], status: 'denied' },
    { name: 'expired_token ends as expired', polls: [oauthError('expired_token')], gaps: [5000], status: 'expired' },
    {
      name: 'other OAuth errors end with the server error',
      polls: [oauthError('invalid_grant', { error_description: 'bad code' })],
      gaps: [5000],
      status: 'error',
    },
  ]

  for (const c of cases) {
    it(c.name, async () => {
      const { result, server } = await run(c.polls)
      expect(result.status).toBe(c.status)
      expect(server.gaps()).toEqual(c.gaps)
    })
  }

  it('adds a small safety margin to every gap by default (2.5 % of the interval, at least 25 ms)', async () => {
    const { server } = await run([pending(), oauthError('slow_down'), ok()], { margin: true })
    expect(server.gaps()).toEqual([5125, 5125, 10250])
    const fast = await run([pending(), ok()], { margin: true, codes: [deviceResponse({ interval: 1 })] })
    expect(fast.server.gaps()).toEqual([1025, 1025])
  })

  it('reports the server error and description for other OAuth errors', async () => {
    const { result, events } = await run([oauthError('invalid_client', { error_description: 'client disabled' }, 401)])
    expect(result.status).toBe('error')
    if (result.status !== 'error') return
    expect(result.error.oauthError).toBe('invalid_client')
    expect(result.error.description).toBe('client disabled')
    expect(events.at(-1)).toMatchObject({ type: 'error' })
  })

  it('network back-off never passes the last chance to poll before expiry', async () => {
    const polls: Answer[] = Array.from({ length: 20 }, () => 'network' as const)
    const { result, server } = await run(polls, { codes: [deviceResponse({ expires_in: 60 })] })
    expect(result.status).toBe('expired')
    // 5, 10, 20, then capped at expires_at - interval = 55 s after the start.
    expect(server.pollTimes.map((t) => t - (server.codeRequests[0]?.time ?? 0))).toEqual([5000, 15000, 35000, 55000])
  })

  it('no wait runs past expiry: a long Retry-After or slow_down still ends (or renews) at the deadline', async () => {
    const codes = [deviceResponse({ expires_in: 30 })]
    for (const answer of [json(503, {}, { 'retry-after': '3600' }), json(429, {}, { 'retry-after': '3600' }), oauthError('slow_down', { interval: 600 })]) {
      const { result, clock } = await run([answer], { codes })
      expect(result.status).toBe('expired')
      expect(clock.monotonic()).toBe(30_000)
    }
    const renewing = await run([oauthError('slow_down', { interval: 600 }), ok()], { codes: [deviceResponse({ expires_in: 30 }), deviceResponse()], renewals: 1 })
    expect(renewing.result.status).toBe('authorized')
    expect(renewing.server.codeRequests.map((c) => c.time)).toEqual([0, 30_000])
  })

  it('a wall clock stepped forward during a poll does not make the next poll early', async () => {
    const clock = new FakeClock()
    const server = new ScriptedServer(clock, [pending(), pending(), ok()])
    const dialect = scriptedDialect(server, clock)
    const flow = runDeviceFlow({ dialect, clock, pollMargin: () => 0, onEvent: (e) => e.type === 'poll' && clock.jump(3000) })
    expect((await clock.run(flow)).status).toBe('authorized')
    expect(server.gaps()).toEqual([5000, 5000, 5000])
  })

  it('plans the next poll from when the answer arrived, so a slow server never sees polls closer than the interval', async () => {
    const clock = new FakeClock()
    const slow = (): Promise<Response> => clock.sleep(300).then(() => oauthError('authorization_pending'))
    const server = new ScriptedServer(clock, [slow as unknown as Answer, slow as unknown as Answer, ok()])
    const flow = runDeviceFlow({ dialect: scriptedDialect(server, clock), clock, pollMargin: () => 0 })
    expect((await clock.run(flow)).status).toBe('authorized')
    // Sent at 5000; answered at 5300; next sent at 10300, answered 10600; next at 15600.
    expect(server.gaps()).toEqual([5000, 5300, 5300])
  })

  it('ends as expired when expires_in passes, without polling after the deadline', async () => {
    const { result, server, events } = await run(Array.from({ length: 10 }, pending), { codes: [deviceResponse({ expires_in: 12, interval: 5 })] })
    expect(result.status).toBe('expired')
    expect(server.pollTimes.length).toBe(2)
    expect(events.at(-1)).toEqual({ type: 'expired' })
  })

  it('a machine that slept past the deadline wakes up knowing the code is gone (the wake clock counts the sleep)', async () => {
    const base = new FakeClock()
    const clock = createWakeClock(base)
    const server = new ScriptedServer(base, [pending(), pending(), ok()])
    const dialect = scriptedDialect(server, clock)
    const flow = runDeviceFlow({
      dialect,
      clock,
      onEvent: (e) => {
        if (e.type !== 'poll') return
        // Suspended for two hours after the first poll: the app's power monitor tells the clock.
        clock.suspended()
        base.jump(2 * 3600_000)
        clock.resumed()
      },
    })
    const result = await base.run(flow)
    expect(result.status).toBe('expired')
    expect(server.pollTimes.length).toBe(1)
  })

  it('a clock set backwards does not stall polling', async () => {
    const clock = new FakeClock()
    const server = new ScriptedServer(clock, [pending(), ok()])
    const dialect = scriptedDialect(server, clock)
    let jumped = false
    const flow = runDeviceFlow({
      dialect,
      clock,
      onEvent: (e) => {
        if (e.type === 'poll' && !jumped) {
          jumped = true
          clock.setWallClock(clock.now() - 3600_000)
        }
      },
    })
    const started = Date.now()
    const result = await clock.run(flow)
    expect(result.status).toBe('authorized')
    expect(Date.now() - started).toBeLessThan(5000)
    expect(server.pollTimes.length).toBe(2)
  })

  it('renews an expired code a bounded number of times, emitting renewed', async () => {
    const codes = [deviceResponse({ expires_in: 6, user_code: 'AAAA-1111' }), deviceResponse({ expires_in: 600, user_code: 'BBBB-2222' })]
    const { result, events } = await run([pending(), pending(), ok()], { codes, renewals: 1 })
    expect(result.status).toBe('authorized')
    expect(events.map((e) => e.type)).toEqual(['code', 'poll', 'renewed', 'poll', 'authorized'])
    const renewed = events.find((e) => e.type === 'renewed')
    expect(renewed?.type === 'renewed' && renewed.authorization.user_code).toBe('BBBB-2222')
  })

  it('stops renewing after the bound and ends as expired', async () => {
    const codes = [deviceResponse({ expires_in: 6 })]
    const { result, events, server } = await run(Array.from({ length: 10 }, pending), { codes, renewals: 2 })
    expect(result.status).toBe('expired')
    expect(server.codeRequests.length).toBe(3)
    expect(events.filter((e) => e.type === 'renewed').length).toBe(2)
  })

  it('an abort during a poll in flight cancels the flow and sends nothing more', async () => {
    const clock = new FakeClock()
    const controller = new AbortController()
    let inFlightAborted = false
    const hanging = (): Promise<Response> =>
      new Promise((_, reject) => {
        setImmediate(() => controller.abort())
        controller.signal.addEventListener('abort', () => {
          inFlightAborted = true
          reject(new DOMException('Aborted', 'AbortError'))
        })
      })
    const server = new ScriptedServer(clock, [pending(), hanging as unknown as Answer, ok()])
    const dialect = scriptedDialect(server, clock)
    const result = await clock.run(runDeviceFlow({ dialect, clock, signal: controller.signal }))
    expect(result.status).toBe('cancelled')
    expect(inFlightAborted).toBe(true)
    expect(server.pollTimes.length).toBe(2)
    expect(clock.pendingTimers).toBe(0)
  })

  it('an abort while waiting between polls cancels at once', async () => {
    const clock = new FakeClock()
    const server = new ScriptedServer(clock, [pending(), pending(), ok()])
    const dialect = scriptedDialect(server, clock)
    const controller = new AbortController()
    const flow = runDeviceFlow({ dialect, clock, signal: controller.signal, onEvent: (e) => e.type === 'poll' && controller.abort() })
    const result = await clock.run(flow)
    expect(result.status).toBe('cancelled')
    expect(server.pollTimes.length).toBe(1)
    expect(clock.pendingTimers).toBe(0)
  })

  it('keeps the whole token response and never polls before the interval', async () => {
    const { result, server } = await run([pending(), json(200, tokenResponse({ id_token: undefined, custom: 'kept' }))])
    expect(result.status).toBe('authorized')
    if (result.status !== 'authorized') return
    expect(result.tokens).toMatchObject({ access_token: 'at-SECRET-123456', refresh_token: 'rt-SECRET-654321', scope: 'read', expires_in: 3600 })
    expect(result.tokens.extra).toEqual({ custom: 'kept' })
    expect(Math.min(...server.gaps())).toBeGreaterThanOrEqual(5000)
  })

  it('sends client_id and scope form-encoded, and the device code on polls', async () => {
    const { server } = await run([ok()])
    expect(server.codeRequests[0]?.body).toBe('scope=read&client_id=client-1')
    const poll = server.requests.find((r) => r.url === TOKEN_ENDPOINT)
    const body = new URLSearchParams(String(poll?.init.body))
    expect(body.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:device_code')
    expect(body.get('device_code')).toBe('GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS')
  })
})
