import { describe, expect, it } from 'vitest'
import { createOAuth2Dialect } from '../../../electron/core/dialects/oauth2'
import { LinkscreenError } from '../../../electron/core/errors'
import { createHttp, retryAfterMs } from '../../../electron/core/http'
import type { FetchLike } from '../../../electron/core/types'
import { FakeClock } from '../../helpers/fake-clock'
import { DEVICE_ENDPOINT, TOKEN_ENDPOINT, deviceResponse, json } from '../../helpers/scripted-server'

function dialectWith(fetch: FetchLike, clock = new FakeClock(), maxBodyBytes?: number) {
  const http = createHttp({ fetch, clock, ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }) })
  return createOAuth2Dialect({ id: 'p', clientId: 'c', endpoints: { deviceAuthorization: DEVICE_ENDPOINT, token: TOKEN_ENDPOINT } }, { http, clock })
}

async function codeError(response: () => Response | Promise<Response>): Promise<LinkscreenError> {
  const clock = new FakeClock()
  const dialect = dialectWith(async () => response(), clock)
  const error = await clock.run(dialect.requestCode().then(() => undefined, (e: unknown) => e))
  if (!(error instanceof LinkscreenError)) throw new Error(`expected a LinkscreenError, got ${String(error)}`)
  return error
}

/** A body stream of `chunks` chunks of `size` bytes that counts how many were pulled. */
function countingBody(chunks: number, size: number) {
  const state = { pulled: 0, cancelled: false }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= chunks) return controller.close()
      state.pulled++
      controller.enqueue(new Uint8Array(size).fill(0x20))
    },
    cancel() {
      state.cancelled = true
    },
  })
  return { stream, state }
}

describe('bad answers to the device authorization request', () => {
  // Issue #14: answers that are not the provider's are the network's (worth retrying), not the flow's end.
  it('JSON cut off half way: the network cut the answer short', async () => {
    const error = await codeError(() => new Response('{"device_code": "abc", ', { status: 200, headers: { 'content-type': 'application/json' } }))
    expect(error).toMatchObject({ code: 'network_answer', network: 'truncated', status: 200 })
    expect(error.message).toBe('p: device authorization: the answer was cut off before it ended (HTTP 200)')
  })

  it('an HTML error page: a web page where the provider answers JSON', async () => {
    const error = await codeError(() => new Response('<html><body>Oops</body></html>', { status: 404, headers: { 'content-type': 'text/html' } }))
    expect(error).toMatchObject({ code: 'network_answer', network: 'captive_portal', status: 404 })
    expect(error.message).toBe('p: device authorization: the network answered with a web page instead of the provider; this network may need you to sign in to it (HTTP 404)')
  })

  it('an HTML page with status 200, naming the portal it sends people to', async () => {
    const error = await codeError(() => new Response('<html><a href="https://wifi.hotel.example/login?x=1">Sign in</a></html>', { status: 200, headers: { 'content-type': 'text/html' } }))
    expect(error).toMatchObject({ code: 'network_answer', network: 'captive_portal', host: 'wifi.hotel.example' })
    expect(error.message).toContain('may need you to sign in to it (wifi.hotel.example)')
  })

  it('a 5xx from the server', async () => {
    const error = await codeError(() => new Response('busy', { status: 503 }))
    expect(error.code).toBe('server_error')
    expect(error.status).toBe(503)
  })

  it('an OAuth error such as invalid_client', async () => {
    const error = await codeError(() => json(401, { error: 'invalid_client', error_description: 'unknown client' }))
    expect(error).toMatchObject({ code: 'oauth_error', oauthError: 'invalid_client', description: 'unknown client' })
  })

  it('an ill-typed field, named in the message', async () => {
    const error = await codeError(() => json(200, deviceResponse({ interval: 'fast' })))
    expect(error.code).toBe('invalid_response')
    expect(error.message).toContain('interval')
  })

  it('an http: verification URI for a public host', async () => {
    const error = await codeError(() => json(200, deviceResponse({ verification_uri: 'http://as.example/device' })))
    expect(error.code).toBe('insecure_url')
  })

  it('a body over 1 MB with a Content-Length is refused without reading it', async () => {
    const { stream, state } = countingBody(2048, 1024)
    const error = await codeError(() => new Response(stream, { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(2048 * 1024) } }))
    expect(error.code).toBe('response_too_large')
    expect(state.pulled).toBeLessThanOrEqual(2)
  })

  it('a streamed body over 1 MB without a length is cut off just past the limit', async () => {
    const { stream, state } = countingBody(100_000, 1024)
    const error = await codeError(() => new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } }))
    expect(error.code).toBe('response_too_large')
    expect(state.pulled).toBeLessThan(1030)
    expect(state.cancelled).toBe(true)
  })

  it('a connection that is refused', async () => {
    const error = await codeError(() => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })
    })
    expect(error.code).toBe('network_error')
    expect(error.message).toBe(`POST ${DEVICE_ENDPOINT}: the server refused the connection (ECONNREFUSED)`)
  })

  it('a response that stalls half-way times out', async () => {
    const clock = new FakeClock()
    const stalled: FetchLike = async (_url, init) =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"device_code":'))
            init.signal?.addEventListener('abort', () => controller.error(new DOMException('Aborted', 'AbortError')))
          },
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      )
    const dialect = dialectWith(stalled, clock)
    const error = await clock.run(dialect.requestCode().then(() => undefined, (e: unknown) => e))
    expect(error).toBeInstanceOf(LinkscreenError)
    expect((error as LinkscreenError).code).toBe('timeout')
  })
})

describe('token responses never leak secrets into errors', () => {
  it('an ill-typed token response does not quote the tokens', async () => {
    const clock = new FakeClock()
    const dialect = dialectWith(async (url) => (url === DEVICE_ENDPOINT ? json(200, deviceResponse()) : json(200, { access_token: 'AT-SECRET-abcdef', token_type: 7, refresh_token: 'RT-SECRET-abcdef' })), clock)
    const code = await clock.run(dialect.requestCode())
    const error = await clock.run(dialect.poll(code).then(() => undefined, (e: unknown) => e))
    expect(error).toBeInstanceOf(LinkscreenError)
    const text = `${(error as Error).message} ${JSON.stringify(error)} ${String((error as Error).cause ?? '')}`
    expect(text).not.toMatch(/SECRET|GmRhmhcx/)
  })

  it('an error description with a device code in it is shown, but a token in the body is not', async () => {
    const clock = new FakeClock()
    const dialect = dialectWith(async (url) => (url === DEVICE_ENDPOINT ? json(200, deviceResponse()) : json(400, { error: 'invalid_grant', access_token: 'AT-SECRET' })), clock)
    const code = await clock.run(dialect.requestCode())
    const outcome = await clock.run(dialect.poll(code))
    expect(outcome).toEqual({ kind: 'error', error: 'invalid_grant' })
  })
})

describe('Retry-After', () => {
  const now = Date.UTC(2026, 0, 1)
  it.each([
    ['120', 120_000],
    ['0', 0],
    [new Date(now + 30_000).toUTCString(), 30_000],
    ['99999999', 3_600_000],
    ['soon', undefined],
  ])('%s → %s ms', (value, expected) => {
    expect(retryAfterMs(new Headers({ 'retry-after': value }), now)).toBe(expected)
  })
})
