/**
 * Issue #13, findings 2 and 3, as they were reproduced:
 * - 2: a server that echoes its `x-api-key` (a configured header value) into `error_description`
 *   put it on the accounts screen (refresh, sign out), in `approve`'s and `register`'s output;
 * - 3: a provider's `message` and a `verification_uri_complete` carrying the device code reached
 *   the page, the QR code and "open in browser" (and the CLI's output).
 * One scrubber per provider (`electron/core/scrubber.ts`) now stands at every boundary.
 */
import { describe, expect, it } from 'vitest'
import type { ProviderConfig } from '../../../electron/core/config'
import { createApprover } from '../../../electron/core/approve'
import { createDialect } from '../../../electron/core/dialects'
import { discover } from '../../../electron/core/dialects/oidc'
import { runDeviceFlow } from '../../../electron/core/flow'
import { createHttp } from '../../../electron/core/http'
import { Scrubber } from '../../../electron/core/scrubber'
import type { FetchLike } from '../../../electron/core/types'
import { jsonReporter } from '../../../electron/cli/output'
import type { FlowSnapshot } from '../../../electron/ipc/contract'
import { FlowService } from '../../../electron/services/flow-service'
import { FakeClock } from '../../helpers/fake-clock'

const KEY = 'xk-9f8e7d6c5b4a3210-header-secret'
const DEVICE_CODE = 'dc-GmRhmhcxhwAzkoEqiMEg-DnyEysNk'
const AS = 'https://as.example'
const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const b64 = (text: string): string => Buffer.from(text).toString('base64')

const PROVIDER: ProviderConfig = {
  id: 'as',
  name: 'Example',
  dialect: 'oauth2',
  clientId: 'c',
  headers: { 'x-api-key': KEY },
  endpoints: { deviceAuthorization: `${AS}/device_authorization`, token: `${AS}/token`, revocation: `${AS}/revoke` },
}

/** Routes by path; each route answers what `answer` says. */
function server(routes: Record<string, (init: RequestInit) => Response>): FetchLike {
  return async (input, init) => {
    const route = routes[new URL(input).pathname]
    return route ? route(init) : new Response('not found', { status: 404 })
  }
}

function service(fetch: FetchLike, provider: ProviderConfig = PROVIDER) {
  const clock = new FakeClock()
  const flows = new FlowService({
    providers: [{ view: { id: 'as', name: 'Example', dialect: provider.dialect, builtIn: false }, resolve: async () => provider }],
    deps: { http: createHttp({ fetch, clock }), clock },
    renewals: 0,
  })
  const snapshots: FlowSnapshot[] = []
  flows.onSnapshot((s) => snapshots.push(s))
  const until = (status: FlowSnapshot['status']) =>
    clock.run(
      new Promise<FlowSnapshot>((resolve) => {
        const off = flows.onSnapshot((s) => {
          if (s.status === status) {
            off()
            resolve(s)
          }
        })
      }),
    )
  return { clock, flows, snapshots, until }
}

/** api-v1 keeps a provider's `message` (as Microsoft's answers have it). */
const API_V1: ProviderConfig = { id: 'as', name: 'Example', dialect: 'api-v1', clientId: 'c', headers: { 'x-api-key': KEY }, baseUrl: AS }
const API_CODE = '/api/v1/oauth/device-authorization/'
const API_TOKEN = '/api/v1/oauth/token'

const code = (overrides: Record<string, unknown> = {}) =>
  json(200, { device_code: DEVICE_CODE, user_code: 'WDJB-MJHT', verification_uri: `${AS}/device`, expires_in: 600, interval: 5, ...overrides })
const tokens = () => json(200, { access_token: 'at-SECRET-access-1234', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-SECRET-refresh-5678' })

describe('finding 2: configured header values stay out of refresh, sign-out, approve and register', () => {
  it('refresh and sign-out on the accounts screen do not show an x-api-key the server quotes back', async () => {
    const echo = (init: RequestInit) => json(400, { error: 'invalid_request', error_description: `bad key ${(init.headers as Record<string, string>)['x-api-key']}` })
    const { flows, until } = service(
      server({
        '/device_authorization': () => code(),
        '/token': (init) => (String(init.body).includes('refresh_token') ? echo(init) : tokens()),
        '/revoke': echo,
      }),
    )
    await flows.start('as')
    const done = await until('authorized')
    const refreshed = await flows.refreshAccount(done.account!.id)
    expect(refreshed.ok).toBe(false)
    expect(JSON.stringify(refreshed)).not.toContain(KEY.slice(0, 10))
    const signedOut = await flows.signOut(done.account!.id)
    expect(signedOut).toMatchObject({ ok: false, code: 'revocation_failed' })
    expect(JSON.stringify(signedOut)).not.toContain(KEY.slice(0, 10))
  })

  it('approve does not repeat a header value the server quotes back (also base64-encoded)', async () => {
    const http: FetchLike = async (_url, init) => {
      const key = (init.headers as Record<string, string>)['x-api-key'] ?? ''
      return json(500, { error: `no ${key}`, error_description: `key ${b64(key)}` })
    }
    const approver = createApprover({ id: 'ba', baseUrl: `${AS}/api/auth`, headers: { 'x-api-key': KEY } }, 'sess-token-1234567890', { http })
    const error = await approver.claim('WDJB-MJHT').then(
      () => undefined,
      (e: unknown) => e as Error & { description?: string },
    )
    expect(error).toBeDefined()
    const text = `${error?.message} ${error?.description} ${JSON.stringify(error)}`
    expect(text).not.toContain(KEY.slice(0, 10))
    expect(text).not.toContain(b64(KEY).slice(0, 12))
  })

  it('register: discovery does not repeat a header value the server quotes back', async () => {
    const clock = new FakeClock()
    const http = createHttp({
      fetch: async (_url, init) => json(400, { error: 'invalid_request', error_description: `who is ${new Headers(init.headers).get('x-api-key')}?` }),
      clock,
    })
    const error = await discover({ id: 'op', issuer: AS, clientId: 'c', headers: { 'x-api-key': KEY } }, { http, clock }, undefined).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(error?.message).toMatch(/invalid_request/)
    expect(`${error?.message} ${JSON.stringify(error)} ${error?.stack}`).not.toContain(KEY.slice(0, 10))
  })
})

describe('finding 3: the device code stays in main', () => {
  const forms = {
    'in the query': `${AS}/device?user_code=WDJB-MJHT&device_code=${DEVICE_CODE}`,
    'percent-encoded': `${AS}/device?c=${encodeURIComponent(DEVICE_CODE).replace(/-/g, '%2D')}`,
    'base64 in the path': `${AS}/device/${b64(DEVICE_CODE)}`,
    'base64url in the fragment': `${AS}/device#${Buffer.from(DEVICE_CODE).toString('base64url')}`,
  }
  it.each(Object.entries(forms))('a verification_uri_complete with the device code %s is not used; a warning says why', async (_, complete) => {
    const { flows, until, clock } = service(
      server({
        [API_CODE]: () => code({ verification_uri_complete: complete, message: `Go to ${AS}/device, code ${DEVICE_CODE}` }),
        [API_TOKEN]: () => json(400, { error: 'authorization_pending' }),
      }),
      API_V1,
    )
    await flows.start('as')
    const waiting = await until('waiting')
    expect(waiting.qrTarget).toBe(`${AS}/device`)
    expect(waiting.verificationUri).toBe(`${AS}/device`)
    expect(waiting.userCode).toBe('WDJB-MJHT')
    expect(waiting.warning).toMatch(/carries the device code/)
    expect(flows.verificationTarget()).toBe(`${AS}/device`)
    expect(JSON.stringify(waiting)).not.toContain(DEVICE_CODE.slice(0, 10))
    expect(waiting.providerMessage).toContain(`Go to ${AS}/device`)
    await flows.cancel()
    await clock.run(Promise.resolve())
  })

  it('a clean verification_uri_complete is kept, with no warning', async () => {
    const { flows, until } = service(server({ '/device_authorization': () => code({ verification_uri_complete: `${AS}/device?user_code=WDJB-MJHT` }), '/token': () => json(400, { error: 'authorization_pending' }) }))
    await flows.start('as')
    const waiting = await until('waiting')
    expect(waiting).toMatchObject({ qrTarget: `${AS}/device?user_code=WDJB-MJHT`, warning: null })
    await flows.cancel()
  })

  it('the CLI prints neither the device code nor its complete URI, and says why in the code event', async () => {
    const clock = new FakeClock()
    const fetch = server({
      [API_CODE]: () => code({ verification_uri_complete: `${AS}/device?dc=${DEVICE_CODE}`, message: `your device code is ${DEVICE_CODE}` }),
      [API_TOKEN]: () => json(400, { error: 'access_denied', error_description: `denied ${DEVICE_CODE}` }),
    })
    const dialect = createDialect(API_V1, { http: createHttp({ fetch, clock }), clock })
    let out = ''
    const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((out += s), true) } } as never
    const reporter = jsonReporter(io, { provider: PROVIDER, showToken: false, now: () => clock.now(), scrubber: dialect.scrubber as Scrubber })
    await clock.run(runDeviceFlow({ dialect, clock, pollMargin: () => 0, onEvent: (e) => void reporter.event(e) }))
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines[0]).toMatchObject({ event: 'code', user_code: 'WDJB-MJHT', verification_uri: `${AS}/device` })
    expect(lines[0]).not.toHaveProperty('verification_uri_complete')
    expect(lines[0]!['warning']).toMatch(/device code/)
    expect(lines[0]!['message']).toMatch(/^your device code is \[redacted\]$/)
    expect(out).not.toContain(DEVICE_CODE.slice(0, 10))
  })

  it('a verification_uri that carries the device code is refused outright', async () => {
    const clock = new FakeClock()
    const fetch = server({ '/device_authorization': () => code({ verification_uri: `${AS}/device/${DEVICE_CODE}` }) })
    const dialect = createDialect(PROVIDER, { http: createHttp({ fetch, clock }), clock })
    const result = await clock.run(runDeviceFlow({ dialect, clock }))
    expect(result.status).toBe('error')
    expect(JSON.stringify(result) + (result.status === 'error' ? result.error.message : '')).not.toContain(DEVICE_CODE.slice(0, 10))
  })
})

describe('the scrubber finds a secret however it is written', () => {
  const SECRET = 'Sx9-"q&p<tail>/+ end-of-it-0123'
  const scrubber = new Scrubber({ secrets: [SECRET] })
  /** How a server may write the secret: the text, and the part of it that is the secret's (when not all of it). */
  const written: Record<string, string | [string, string]> = {
    'as is, another case': SECRET.toUpperCase(),
    'percent-encoded': encodeURIComponent(SECRET),
    'form-encoded (+ for space)': new URLSearchParams({ v: SECRET }).toString().slice(2),
    'every byte percent-encoded': [...Buffer.from(SECRET)].map((b) => `%${b.toString(16)}`).join(''),
    base64: Buffer.from(SECRET).toString('base64'),
    base64url: Buffer.from(SECRET).toString('base64url'),
    'base64 inside Basic credentials': [Buffer.from(`client:${SECRET}`).toString('base64'), Buffer.from(`client:${SECRET}`).toString('base64').slice(12, -1)],
    'JSON-escaped': JSON.stringify(SECRET),
    'HTML-escaped': SECRET.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
    'split over two fields': [`{"error":"${SECRET.slice(0, 12)}","error_description":"${SECRET.slice(12)}"}`, SECRET.slice(12)],
    'cut off by a cap': [`text ${SECRET.slice(0, 9)}`, SECRET.slice(0, 9)],
    'in a redirect Location': [`https://evil.example/cb?x=${encodeURIComponent(SECRET)}#${SECRET}`, encodeURIComponent(SECRET)],
  }
  it.each(Object.entries(written))('%s', (_, how) => {
    const [text, part] = typeof how === 'string' ? [how, how] : how
    const out = scrubber.text(`before ${text} after`)
    expect(out).toContain('[redacted]')
    expect(out.startsWith('before ')).toBe(true)
    expect(out.endsWith(' after')).toBe(true)
    const shown = out.replace(/\[redacted\]/g, '\u0000')
    // No run of 8 characters of the secret (or of the form it was written in) is left.
    for (const form of [SECRET, part]) for (let at = 0; at + 8 <= form.length; at++) expect(shown.toLowerCase()).not.toContain(form.slice(at, at + 8).toLowerCase())
  })

  it('leaves ordinary text alone and keeps an error class and codes', () => {
    expect(scrubber.text('authorization_pending: https://as.example/device')).toBe('authorization_pending: https://as.example/device')
    const error = Object.assign(new TypeError(`bad ${SECRET}`), { code: 'E_X' })
    const clean = scrubber.error(error)
    expect(clean).toBeInstanceOf(TypeError)
    expect(clean.code).toBe('E_X')
    expect(`${clean.message} ${clean.stack}`).not.toContain(SECRET.slice(0, 8))
    const untouched = new Error('nothing secret')
    expect(scrubber.error(untouched)).toBe(untouched)
  })
})
