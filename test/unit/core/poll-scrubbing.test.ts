/**
 * A token poll's outcomes and events never carry the device code, whatever the server echoes
 * (plainly, in base64, in an error description): the outcomes without text (pending, slow_down,
 * expired, rate_limited) are made anew from their numbers at the dialect's boundary, a poll
 * event's text fields pass through the scrubber, and every other outcome is scrubbed whole.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeHttpFetch } from '../../../electron/adapters/node-http'
import { systemClock } from '../../../electron/adapters/system-clock'
import { createOAuth2Dialect } from '../../../electron/core/dialects/oauth2'
import { guardDialect } from '../../../electron/core/dialects/guard'
import { runDeviceFlow, scrubFlowEvent, type FlowEvent } from '../../../electron/core/flow'
import { createHttp } from '../../../electron/core/http'
import { SECRET_HEAD_LENGTH } from '../../../electron/core/redact'
import { Scrubber } from '../../../electron/core/scrubber'
import type { Clock, DeviceAuthorization, Dialect, PollOutcome } from '../../../electron/core/types'

interface Seen {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

async function serve(handle: (res: ServerResponse, seen: Seen, index: number) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const entry = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }
      seen.push(entry)
      handle(res, entry, seen.length - 1)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

/** A flow clock that never waits: each sleep moves both clocks on (the HTTP layer keeps the real one for its time limit). */
function fastClock(): Clock {
  let mono = 0
  return {
    now: () => 1_800_000_000_000 + mono,
    monotonic: () => mono,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason
      mono += ms
    },
  }
}

const DEVICE_CODE = 'Dc7xQ2mVb9LkP4sRt8WzYh3NfJ6gKa5e'

/** Every form of the device code a careless server might echo, and runs of them. */
function leaks(text: string): string[] {
  const b64 = Buffer.from(DEVICE_CODE).toString('base64')
  const forms = [DEVICE_CODE, b64, Buffer.from(DEVICE_CODE).toString('base64url'), encodeURIComponent(DEVICE_CODE)]
  const found: string[] = []
  const lower = text.toLowerCase()
  for (const form of forms) {
    for (let at = 0; at + SECRET_HEAD_LENGTH <= form.length; at++) {
      const run = form.slice(at, at + SECRET_HEAD_LENGTH).toLowerCase()
      if (lower.includes(run)) found.push(run)
    }
  }
  return found
}

function provider(url: string, clientSecret?: string) {
  return {
    id: 'lean',
    clientId: 'tv-client',
    ...(clientSecret === undefined ? {} : { clientSecret }),
    scope: 'openid offline_access',
    endpoints: { deviceAuthorization: `${url}/device`, token: `${url}/token` },
  }
}

const codeAnswer = (res: ServerResponse): void =>
  json(res, 200, { device_code: DEVICE_CODE, user_code: 'WDJB-MJHT', verification_uri: 'https://example.com/activate', expires_in: 600, interval: 5 })

describe('a token poll, whatever the server echoes', () => {
  it('emits no device code on the pending, slow_down and error paths, whatever the server echoes', async () => {
    const b64 = Buffer.from(DEVICE_CODE).toString('base64')
    const answers: ((res: ServerResponse) => void)[] = [
      (res) => json(res, 400, { error: 'authorization_pending', error_description: `still waiting for ${DEVICE_CODE}` }),
      (res) => json(res, 400, { error: 'slow_down', error_description: `slow down, ${b64}`, interval: 7 }),
      // A 503 is transient (its reason is the engine's word for it; the body is not shown).
      (res) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`overloaded: ${DEVICE_CODE}`),
      (res) => json(res, 400, { error: 'authorization_pending', device_code: DEVICE_CODE }),
      (res) => json(res, 400, { error: 'invalid_grant', error_description: `unknown code ${DEVICE_CODE} (${b64.slice(0, 12)})` }),
    ]
    let polls = 0
    const server = await serve((res, seen) => {
      if (seen.url === '/device') return codeAnswer(res)
      const answer = answers[polls++]
      answer?.(res)
    })
    const http = createHttp({ fetch: createNodeHttpFetch({ env: {} }), clock: systemClock })
    const dialect = createOAuth2Dialect(provider(server.url), { http, clock: systemClock })
    const events: FlowEvent[] = []
    const result = await runDeviceFlow({ dialect, clock: fastClock(), onEvent: (event) => events.push(event) })
    expect(polls).toBe(answers.length)
    expect(events.filter((e) => e.type === 'poll').map((e) => (e.type === 'poll' ? e.result : ''))).toEqual(['pending', 'slow_down', 'network_error', 'pending'])
    expect(result.status).toBe('error')
    // The code event carries the device code by design (main keeps it); nothing else may.
    const shown = events.map((event) => (event.type === 'code' ? { ...event, authorization: { ...event.authorization, device_code: '' } } : event))
    const error = result.status === 'error' ? result.error : undefined
    const texts = JSON.stringify(shown) + JSON.stringify(result) + String(error?.message) + String(error?.stack) + String(error?.description)
    expect(error?.message).toContain('[redacted]')
    expect(leaks(texts)).toEqual([])
  })
})

describe('the dialect boundary and the poll event, directly', () => {
  const AUTH: DeviceAuthorization = { device_code: DEVICE_CODE, user_code: 'WDJB-MJHT', verification_uri: 'https://example.com/activate', expires_in: 600, interval: 5, expires_at: 1_800_000_600_000 }

  /** A dialect whose poll answers `outcome`, as a careless one might build it (extra members, odd numbers). */
  function answering(outcome: unknown): Dialect {
    return { providerId: 'p', requestCode: async () => AUTH, poll: async () => outcome as PollOutcome }
  }

  it.each<[string, unknown, PollOutcome]>([
    ['pending with an extra member', { kind: 'pending', note: `echo ${DEVICE_CODE}` }, { kind: 'pending' }],
    ['expired with an extra member', { kind: 'expired', description: DEVICE_CODE }, { kind: 'expired' }],
    ['slow_down with its interval', { kind: 'slow_down', interval: 7, description: DEVICE_CODE }, { kind: 'slow_down', interval: 7 }],
    ['slow_down with an interval that is text', { kind: 'slow_down', interval: DEVICE_CODE }, { kind: 'slow_down' }],
    ['slow_down with a NaN interval', { kind: 'slow_down', interval: Number.NaN }, { kind: 'slow_down' }],
    ['rate_limited with its wait', { kind: 'rate_limited', retryAfterMs: 2000, host: DEVICE_CODE }, { kind: 'rate_limited', retryAfterMs: 2000 }],
    ['rate_limited with an infinite wait', { kind: 'rate_limited', retryAfterMs: Number.POSITIVE_INFINITY }, { kind: 'rate_limited' }],
  ])('%s: made anew from its kind and numbers alone', async (_name, raw, expected) => {
    const scrubber = new Scrubber()
    scrubber.add(DEVICE_CODE)
    const outcome = await guardDialect(answering(raw), scrubber).poll(AUTH)
    expect(outcome).toEqual(expected)
  })

  it('a poll event scrubs its reason and host, and keeps only its own fields', () => {
    const scrubber = new Scrubber()
    scrubber.add(DEVICE_CODE)
    const event = { type: 'poll', result: 'network_error', nextPollInMs: 5000, interval: 5, reason: 'captive_portal', host: `portal-${DEVICE_CODE}.example`, extra: DEVICE_CODE } as unknown as FlowEvent
    const shown = scrubFlowEvent(event, scrubber)
    expect(shown).toEqual({ type: 'poll', result: 'network_error', nextPollInMs: 5000, interval: 5, reason: 'captive_portal', host: 'portal-[redacted].example' })
    expect(leaks(JSON.stringify(shown))).toEqual([])
  })
})
