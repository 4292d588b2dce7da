/**
 * The QA flow log recorder: what it notes of each exchange, what it never keeps, the secrets
 * it learns and scrubs (also retroactively), and its bounds.
 */
import { describe, expect, it } from 'vitest'
import { ErrorCode, LinkscreenError } from '../../../electron/core/errors'
import { DEFAULT_MAX_ENTRIES, FLOW_LOG_FORMAT, FLOW_LOG_VERSION, createFlowRecorder } from '../../../electron/core/flow-log'
import { REDACTED, isSecretKey, redactUrl } from '../../../electron/core/redact'
import type { Clock, FetchLike } from '../../../electron/core/types'

/** A clock whose readings the test moves by hand. */
function manualClock(wall = Date.UTC(2026, 4, 1, 12, 0, 0), mono = 1000) {
  const state = { wall, mono }
  const clock: Clock = {
    now: () => state.wall,
    monotonic: () => state.mono,
    sleep: () => Promise.resolve(),
  }
  const advance = (ms: number): void => {
    state.wall += ms
    state.mono += ms
  }
  return { clock, state, advance }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })

/** A fetch that answers from a list, taking `ms` of the clock for each answer. */
function scripted(advance: (ms: number) => void, answers: (() => Response | Promise<Response>)[], ms = 40) {
  const seen: { url: string; init: RequestInit }[] = []
  const fetch: FetchLike = async (url, init) => {
    seen.push({ url, init })
    advance(ms)
    const next = answers.shift()
    if (!next) throw new Error('no more answers')
    return next()
  }
  return { fetch, seen }
}

const DEVICE_CODE = 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS'
const ACCESS_TOKEN = 'at.SlAV32hkKG-Xq8Wm3b+7/cqGZ0A=='
const REFRESH_TOKEN = 'rt.8xLOxBtZp8'
const CLIENT_SECRET = 'cs/secret+with=odd&chars'
const USER_CODE = 'WDJBMJHT'

describe('flow log: what is recorded', () => {
  it('notes method, redacted URL, status, OAuth error, timing and body field names, never values', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock, provider: 'ba', secrets: [CLIENT_SECRET] })
    const { fetch } = scripted(advance, [
      () => json(200, { device_code: DEVICE_CODE, user_code: USER_CODE, verification_uri: 'https://as.example/device', expires_in: 600, interval: 5 }),
      () => json(400, { error: 'authorization_pending', error_description: 'Authorization pending' }),
      () => json(200, { access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, token_type: 'Bearer' }),
    ])
    const http = recorder.wrap(fetch)
    advance(5)
    await http('https://as.example/device/code', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'tv', scope: 'openid' }) })
    advance(1000)
    await http('https://as.example/device/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: DEVICE_CODE, client_id: 'tv', client_secret: CLIENT_SECRET }),
    })
    advance(1000)
    await http(`https://as.example/device/token?device_code=${DEVICE_CODE}&x=1`, { method: 'post', body: `device_code=${DEVICE_CODE}&client_secret=${encodeURIComponent(CLIENT_SECRET)}` })

    const log = recorder.toJSON()
    expect(log).toMatchObject({ format: FLOW_LOG_FORMAT, version: FLOW_LOG_VERSION, provider: 'ba', maxEntries: DEFAULT_MAX_ENTRIES, dropped: 0 })
    expect(log.startedAt).toBe('2026-05-01T12:00:00.000Z')
    expect(log.entries).toEqual([
      {
        seq: 1,
        at: '2026-05-01T12:00:00.005Z',
        offsetMs: 5,
        method: 'POST',
        url: 'https://as.example/device/code',
        requestFields: ['client_id', 'scope'],
        status: 200,
        contentType: 'application/json',
        responseFields: ['device_code', 'user_code', 'verification_uri', 'expires_in', 'interval'],
        durationMs: 40,
      },
      {
        seq: 2,
        at: '2026-05-01T12:00:01.045Z',
        offsetMs: 1045,
        method: 'POST',
        url: 'https://as.example/device/token',
        requestFields: ['grant_type', 'device_code', 'client_id', 'client_secret'],
        status: 400,
        contentType: 'application/json',
        oauthError: 'authorization_pending',
        responseFields: ['error', 'error_description'],
        durationMs: 40,
      },
      {
        seq: 3,
        at: '2026-05-01T12:00:02.085Z',
        offsetMs: 2085,
        method: 'POST',
        url: `https://as.example/device/token?device_code=${encodeURIComponent(REDACTED)}&x=1`,
        requestFields: ['device_code', 'client_secret'],
        status: 200,
        contentType: 'application/json',
        responseFields: ['access_token', 'refresh_token', 'token_type'],
        durationMs: 40,
      },
    ])
    const text = JSON.stringify(log)
    for (const secret of [DEVICE_CODE, USER_CODE, ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, encodeURIComponent(CLIENT_SECRET)]) expect(text).not.toContain(secret)
    expect(text).not.toContain('Authorization pending') // descriptions are not kept either
  })

  it('hands the response over untouched: the caller still reads the whole body', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock })
    const { fetch } = scripted(advance, [() => json(400, { error: 'slow_down', interval: 10 }, { 'x-extra': 'kept' })])
    const response = await recorder.wrap(fetch)('https://as.example/token', { method: 'POST' })
    expect(response.status).toBe(400)
    expect(response.headers.get('x-extra')).toBe('kept')
    expect(await response.json()).toEqual({ error: 'slow_down', interval: 10 })
    expect(recorder.toJSON().entries[0]).toMatchObject({ oauthError: 'slow_down', responseFields: ['error', 'interval'] })
  })

  it('reads an error code from a 200 answer (GitHub) but not from a body that is not a JSON object', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock })
    const { fetch } = scripted(advance, [
      () => json(200, { error: 'authorization_pending' }),
      () => new Response('<html>error=nope</html>', { status: 400, headers: { 'content-type': 'text/html' } }),
      () => json(400, ['error']),
      () => json(400, { error: 'x'.repeat(65) }),
      () => new Response(null, { status: 204 }),
    ])
    const http = recorder.wrap(fetch)
    for (let i = 0; i < 5; i++) await http('https://as.example/t', { method: 'GET' })
    const entries = recorder.toJSON().entries
    expect(entries[0]).toMatchObject({ status: 200, oauthError: 'authorization_pending' })
    expect(entries[1]).toEqual(expect.not.objectContaining({ oauthError: expect.anything() }))
    expect(entries[1]).toMatchObject({ status: 400, contentType: 'text/html' })
    expect(entries[2]).not.toHaveProperty('oauthError')
    expect(entries[2]).not.toHaveProperty('responseFields')
    expect(entries[3]).not.toHaveProperty('oauthError') // not a plausible error code
    expect(entries[4]).toMatchObject({ status: 204 })
    expect(entries[4]).not.toHaveProperty('contentType')
  })

  it('records the field names of FormData and byte bodies, and nothing of a stream', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock })
    const { fetch } = scripted(advance, [() => json(200, {}), () => json(200, {}), () => json(200, {})])
    const http = recorder.wrap(fetch)
    const form = new FormData()
    form.set('client_id', 'tv')
    form.set('device_name', 'Living room')
    await http('https://as.example/a', { method: 'POST', body: form })
    await http('https://as.example/b', { method: 'POST', body: new TextEncoder().encode(JSON.stringify({ client_id: 'tv', client_secret: CLIENT_SECRET })) })
    await http('https://as.example/c', { method: 'POST', body: new ReadableStream() })
    const entries = recorder.toJSON().entries
    expect(entries[0]?.requestFields).toEqual(['client_id', 'device_name'])
    expect(entries[1]?.requestFields).toEqual(['client_id', 'client_secret'])
    expect(entries[2]).not.toHaveProperty('requestFields')
    expect(JSON.stringify(recorder.toJSON())).not.toContain('Living room')
  })
})

describe('flow log: secrets', () => {
  it('learns secrets from bodies and Authorization headers, and scrubs them everywhere, also from entries made before', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock })
    const sessionToken = 'session-token-ABCDEFGH'
    const basicSecret = 'p@ss word/+'
    const { fetch } = scripted(advance, [
      () => json(200, {}),
      () => json(200, { session: { token: sessionToken, expiresAt: '2030-01-01' }, user: { id: 'u1' } }),
      () => json(200, {}),
      () => json(200, {}),
      () => json(200, {}),
    ])
    const http = recorder.wrap(fetch)
    // A value seen in a URL before it is known to be secret...
    await http(`https://as.example/userinfo/${ACCESS_TOKEN}?note=${encodeURIComponent(sessionToken)}`, { method: 'GET' })
    // ...is scrubbed once the recorder learns it: from a response body (nested) and from a header.
    await http('https://as.example/device/token', { method: 'POST', body: '{"device_code":"x"}' })
    await http('https://as.example/me', { method: 'GET', headers: { Authorization: `Bearer ${ACCESS_TOKEN}` } })
    const basic = btoa(`${encodeURIComponent('tv client')}:${encodeURIComponent(basicSecret)}`)
    await http(`https://as.example/revoke/${encodeURIComponent(basicSecret)}`, { method: 'POST', headers: new Headers({ authorization: `Basic ${basic}` }) })
    await http('https://as.example/x', { method: 'GET', headers: [['X-Api-Key', 'configured-header-value']] })
    recorder.addSecret('configured-header-value')
    const text = JSON.stringify(recorder.toJSON())
    for (const secret of [ACCESS_TOKEN, sessionToken, encodeURIComponent(sessionToken), basicSecret, encodeURIComponent(basicSecret), basic]) {
      expect(text).not.toContain(secret)
    }
    const urls = recorder.toJSON().entries.map((e) => e.url)
    expect(urls[0]).toBe(`https://as.example/userinfo/${REDACTED}?note=${REDACTED}`)
    expect(urls[3]).toBe(`https://as.example/revoke/${REDACTED}`)
  })

  it('drops URL credentials and redacts secret query parameters under any spelling', () => {
    const { clock } = manualClock()
    const recorder = createFlowRecorder({ clock })
    expect(isSecretKey('userCode')).toBe(true)
    expect(isSecretKey('Device-Code')).toBe(true)
    expect(isSecretKey('clientSecret')).toBe(true)
    expect(isSecretKey('client_id')).toBe(false)
    expect(isSecretKey('scope')).toBe(false)
    const url = redactUrl('https://user:pw@as.example/device?userCode=ABCD&user_code=ABCD&client_id=tv&accessToken=t0k3n')
    expect(url).toBe(`https://as.example/device?userCode=${encodeURIComponent(REDACTED)}&user_code=${encodeURIComponent(REDACTED)}&client_id=tv&accessToken=${encodeURIComponent(REDACTED)}`)
    expect(recorder.toJSON().entries).toEqual([])
  })

  it('does not take an error `code` in a response for a secret (it would mangle later error codes)', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock })
    const { fetch } = scripted(advance, [
      () => json(400, { message: 'still pending', code: 'pending' }),
      () => json(400, { error: 'authorization_pending' }),
      () => json(200, { token: 'learned-session-token' }),
      () => json(200, {}),
      () => json(200, {}),
    ])
    const http = recorder.wrap(fetch)
    await http('https://as.example/t', { method: 'POST' })
    await http('https://as.example/t', { method: 'POST' })
    await http('https://as.example/t', { method: 'POST' })
    await http('https://as.example/x/learned-session-token/pending', { method: 'POST', body: 'code=auth-code-value' })
    await http('https://as.example/y/auth-code-value', { method: 'GET' })
    const entries = recorder.toJSON().entries
    expect(entries[1]?.oauthError).toBe('authorization_pending')
    expect(entries[3]?.url).toBe(`https://as.example/x/${REDACTED}/pending`)
    // In a request body, `code` is an authorization code: learned.
    expect(entries[4]?.url).toBe(`https://as.example/y/${REDACTED}`)
  })

  it('ignores secrets too short to scrub safely (they would mangle the log)', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock, secrets: ['abc', '', undefined] })
    const { fetch } = scripted(advance, [() => json(200, {})])
    await recorder.wrap(fetch)('https://as.example/abc/device', { method: 'GET' })
    expect(recorder.toJSON().entries[0]?.url).toBe('https://as.example/abc/device')
  })
})

describe('flow log: failures, bounds and the end of the flow', () => {
  it('notes the class of a network failure and rethrows the very same error', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock })
    const refused = new LinkscreenError(ErrorCode.Network, 'POST http://127.0.0.1:9/token: ECONNREFUSED')
    const raw = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }) })
    const aborted = new DOMException('The operation was aborted', 'AbortError')
    const failures: unknown[] = [refused, raw, aborted, new LinkscreenError(ErrorCode.Timeout, 'GET x: no complete answer within 30000 ms')]
    const fetch: FetchLike = async () => {
      advance(25)
      throw failures.shift()
    }
    const http = recorder.wrap(fetch)
    await expect(http('http://127.0.0.1:9/token', { method: 'POST' })).rejects.toBe(refused)
    await expect(http('http://127.0.0.1:9/token', { method: 'POST' })).rejects.toBe(raw)
    await expect(http('http://127.0.0.1:9/token', { method: 'POST' })).rejects.toBe(aborted)
    await expect(http('http://127.0.0.1:9/token', { method: 'POST' })).rejects.toBeInstanceOf(LinkscreenError)
    const entries = recorder.toJSON().entries
    expect(entries.map((e) => e.failure)).toEqual([
      { code: 'network_error', reason: 'ECONNREFUSED' },
      { code: 'network_error', reason: 'ECONNRESET' },
      { code: 'aborted', reason: 'AbortError' },
      { code: 'timeout' },
    ])
    expect(entries.every((e) => e.durationMs === 25 && e.status === undefined)).toBe(true)
  })

  it('keeps at most maxEntries, dropping the oldest and counting them', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock, maxEntries: 3 })
    const { fetch } = scripted(advance, Array.from({ length: 7 }, () => () => json(400, { error: 'authorization_pending' })))
    const http = recorder.wrap(fetch)
    for (let i = 1; i <= 7; i++) await http(`https://as.example/token?n=${i}`, { method: 'POST' })
    const log = recorder.toJSON()
    expect(log.maxEntries).toBe(3)
    expect(log.dropped).toBe(4)
    expect(log.entries.map((e) => e.seq)).toEqual([5, 6, 7])
    expect(log.entries.map((e) => e.url)).toEqual([5, 6, 7].map((n) => `https://as.example/token?n=${n}`))
  })

  it('does not inspect a response body beyond maxInspectBytes', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock, maxInspectBytes: 100 })
    const big = { error: 'access_denied', padding: 'x'.repeat(200) }
    const { fetch } = scripted(advance, [
      () => json(400, big),
      () => new Response(JSON.stringify(big), { status: 400, headers: { 'content-length': '100000' } }),
      () => json(400, { error: 'access_denied' }),
    ])
    const http = recorder.wrap(fetch)
    const first = await http('https://as.example/t', { method: 'POST' })
    expect(await first.json()).toEqual(big) // the caller still gets all of it
    await http('https://as.example/t', { method: 'POST' })
    await http('https://as.example/t', { method: 'POST' })
    const entries = recorder.toJSON().entries
    expect(entries[0]).not.toHaveProperty('oauthError')
    expect(entries[1]).not.toHaveProperty('oauthError')
    expect(entries[2]).toMatchObject({ oauthError: 'access_denied' })
  })

  it('marks an exchange still in flight when exported, and records how the flow ended (first end wins)', async () => {
    const { clock, advance } = manualClock()
    const recorder = createFlowRecorder({ clock })
    let answer: (r: Response) => void = () => undefined
    const fetch: FetchLike = () => new Promise<Response>((resolve) => (answer = resolve))
    const pending = recorder.wrap(fetch)('https://as.example/t', { method: 'POST' })
    advance(300)
    const during = recorder.toJSON()
    expect(during.entries[0]).toMatchObject({ seq: 1, inFlight: true })
    expect(during.entries[0]).not.toHaveProperty('durationMs')
    expect(during).not.toHaveProperty('outcome')
    answer(json(200, {}))
    await pending
    advance(200)
    recorder.end('cancelled')
    recorder.end('authorized')
    const after = recorder.toJSON()
    expect(after.entries[0]).toMatchObject({ durationMs: 300, status: 200 })
    expect(after.entries[0]).not.toHaveProperty('inFlight')
    expect(after).toMatchObject({ outcome: 'cancelled', durationMs: 500, endedAt: '2026-05-01T12:00:00.500Z' })
  })

  it('measures offsets and durations on the monotonic clock, whatever the wall clock does', async () => {
    const { clock, state } = manualClock()
    const recorder = createFlowRecorder({ clock })
    const fetch: FetchLike = async () => {
      state.mono += 70.4
      state.wall -= 3_600_000 // the wall clock is set back an hour mid-request
      return json(200, {})
    }
    const http = recorder.wrap(fetch)
    await http('https://as.example/a', { method: 'GET' })
    state.mono += 10.2
    await http('https://as.example/b', { method: 'GET' })
    const entries = recorder.toJSON().entries
    // whole milliseconds
    expect(entries.map((e) => [e.offsetMs, e.durationMs])).toEqual([
      [0, 70],
      [81, 70],
    ])
    expect(Date.parse(entries[1]!.at)).toBeLessThan(Date.parse(entries[0]!.at))
  })
})
