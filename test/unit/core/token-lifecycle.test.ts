/**
 * The token life cycle with scripted answers: ID token validation (injected clock, algorithms,
 * keys that cannot be fetched, endpoints without keys), refresh and revocation answers good and
 * bad, and profile answers that are HTML, huge, or lack `sub`. Real servers are in
 * test/integration/token-lifecycle-*.test.ts.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createBetterAuthDialect } from '../../../electron/core/dialects/better-auth'
import { createGitHubDialect } from '../../../electron/core/dialects/github'
import { createGoogleDialect } from '../../../electron/core/dialects/google'
import { createMicrosoftDialect } from '../../../electron/core/dialects/microsoft'
import { createOAuth2Dialect, type OAuth2Provider } from '../../../electron/core/dialects/oauth2'
import { createOidcDialect } from '../../../electron/core/dialects/oidc'
import { ErrorCode, LinkscreenError } from '../../../electron/core/errors'
import { runDeviceFlow, type FlowResult } from '../../../electron/core/flow'
import { createHttp } from '../../../electron/core/http'
import type { Dialect, TokenSet } from '../../../electron/core/types'
import { FakeClock } from '../../helpers/fake-clock'
import { deviceResponse, json } from '../../helpers/scripted-server'

const AS = 'https://as.example'
const CLIENT_ID = 'tv-client'
const ENDPOINTS = {
  deviceAuthorization: `${AS}/device_authorization`,
  token: `${AS}/token`,
  userinfo: `${AS}/userinfo`,
  revocation: `${AS}/revoke`,
  jwks: `${AS}/jwks`,
}
const ACCESS = 'at-SECRET-access-1111'
const REFRESH = 'rt-SECRET-refresh-2222'

type Answer = Response | (() => Response) | 'network' | 'hang'

/** A fake `fetch` serving a queue of answers per URL (the last one repeats), recording each request. */
class Routes {
  readonly requests: { url: string; method: string; body: string; headers: Record<string, string> }[] = []
  constructor(private readonly answers: Record<string, Answer[]>) {}

  count(url: string): number {
    return this.requests.filter((r) => r.url === url).length
  }

  bodies(url: string): URLSearchParams[] {
    return this.requests.filter((r) => r.url === url).map((r) => new URLSearchParams(r.body))
  }

  readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {}
    new Headers(init.headers as HeadersInit).forEach((value, name) => {
      headers[name] = value
    })
    this.requests.push({ url, method: init.method ?? 'GET', body: init.body === undefined || init.body === null ? '' : String(init.body), headers })
    const queue = this.answers[url]
    if (!queue || queue.length === 0) throw new Error(`unscripted request to ${url}`)
    const answer = queue.length > 1 ? queue.shift()! : queue[0]!
    if (answer === 'network') throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })
    if (answer === 'hang') {
      return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError'))))
    }
    return typeof answer === 'function' ? answer() : answer.clone()
  }
}

// --- ID tokens -------------------------------------------------------------------------------

const b64u = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

function rsaKey(kid: string): { privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } }
}

const KEY = rsaKey('k1')
const JWKS = { keys: [KEY.jwk] }

function rs256(claims: Record<string, unknown>, key: KeyObject = KEY.privateKey, kid = 'k1'): string {
  const input = `${b64u({ alg: 'RS256', typ: 'JWT', kid })}.${b64u(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
}

function hs256(claims: Record<string, unknown>): string {
  const input = `${b64u({ alg: 'HS256', typ: 'JWT' })}.${b64u(claims)}`
  return `${input}.${createHmac('sha256', 'shared-secret').update(input).digest('base64url')}`
}

/** Claims valid at `nowMs` on the fake clock (which runs far from the real one). */
function claimsAt(nowMs: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(nowMs / 1000)
  return { iss: AS, aud: CLIENT_ID, sub: 'user-42', name: 'Ada Lovelace', email: 'ada@example.com', iat: now, exp: now + 3600, ...overrides }
}

function tokenAnswer(extra: Record<string, unknown> = {}): Response {
  return json(200, { access_token: ACCESS, token_type: 'Bearer', expires_in: 3600, refresh_token: REFRESH, scope: 'openid profile', ...extra })
}

// --- set-up ----------------------------------------------------------------------------------

function oauth2(answers: Record<string, Answer[]>, endpoints: Partial<OAuth2Provider['endpoints']> = ENDPOINTS, clock = new FakeClock()) {
  const routes = new Routes(answers)
  const dialect = createOAuth2Dialect(
    { id: 'as', clientId: CLIENT_ID, issuer: AS, endpoints: { deviceAuthorization: ENDPOINTS.deviceAuthorization, token: ENDPOINTS.token, ...endpoints } },
    { http: createHttp({ fetch: routes.fetch, clock }), clock },
  )
  return { routes, dialect, clock }
}

/** One sign-in: the device code, then `polls` at the token endpoint. */
async function flow(dialect: Dialect, clock: FakeClock): Promise<FlowResult> {
  return clock.run(runDeviceFlow({ dialect, clock }))
}

/** What `promise` rejects with, run on `clock` (settled inside, so no rejection is left unhandled while time advances). */
async function failure(clock: FakeClock, promise: Promise<unknown>): Promise<LinkscreenError> {
  const outcome = await clock.run(
    promise.then(
      () => undefined,
      (error: unknown) => error,
    ),
  )
  expect(outcome).toBeInstanceOf(LinkscreenError)
  return outcome as LinkscreenError
}

function expectNoSecrets(error: unknown, secrets: string[]): void {
  const text = JSON.stringify({ error, message: (error as Error).message, description: (error as LinkscreenError).description })
  for (const secret of secrets) expect(text).not.toContain(secret)
}

const signInAnswers = (tokenAnswers: Answer[], more: Record<string, Answer[]> = {}): Record<string, Answer[]> => ({
  [ENDPOINTS.deviceAuthorization]: [json(200, deviceResponse())],
  [ENDPOINTS.token]: tokenAnswers,
  ...more,
})

describe('ID tokens are validated before anything in them is used', () => {
  it('a signed token valid on the injected clock is accepted (the system clock would call it long expired), and its claims feed the account', async () => {
    const clock = new FakeClock(Date.UTC(2020, 0, 1))
    const idToken = rs256(claimsAt(clock.now()))
    const { dialect, routes } = oauth2(signInAnswers([tokenAnswer({ id_token: idToken })], { [ENDPOINTS.jwks]: [json(200, JWKS)], [ENDPOINTS.userinfo]: [json(404, {})] }), ENDPOINTS, clock)
    const result = await flow(dialect, clock)
    expect(result).toMatchObject({ status: 'authorized', account: { sub: 'user-42', name: 'Ada Lovelace', email: 'ada@example.com' } })
    expect(routes.count(ENDPOINTS.jwks)).toBe(1)
  })

  it('expired on the injected clock: invalid_id_token, the flow ends in error without an account', async () => {
    const clock = new FakeClock()
    const idToken = rs256(claimsAt(clock.now() - 2 * 3600_000))
    const { dialect } = oauth2(signInAnswers([tokenAnswer({ id_token: idToken })], { [ENDPOINTS.jwks]: [json(200, JWKS)] }), ENDPOINTS, clock)
    const result = await flow(dialect, clock)
    expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
    if (result.status === 'error') {
      expect(result.error.message).toMatch(/expired/)
      expectNoSecrets(result.error, [idToken, idToken.split('.')[2]!, ACCESS, REFRESH])
    }
  })

  it('expiry within the 30 s tolerance passes; "nbf" in the future beyond it is refused', async () => {
    const clock = new FakeClock()
    const now = Math.floor(clock.now() / 1000)
    const lenient = oauth2(signInAnswers([tokenAnswer({ id_token: rs256(claimsAt(clock.now(), { exp: now - 20 })) })], { [ENDPOINTS.jwks]: [json(200, JWKS)], [ENDPOINTS.userinfo]: [json(404, {})] }), ENDPOINTS, clock)
    expect((await flow(lenient.dialect, clock)).status).toBe('authorized')
    const early = oauth2(signInAnswers([tokenAnswer({ id_token: rs256(claimsAt(clock.now(), { nbf: now + 600 })) })], { [ENDPOINTS.jwks]: [json(200, JWKS)] }), ENDPOINTS, clock)
    const result = await flow(early.dialect, clock)
    expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
    if (result.status === 'error') expect(result.error.message).toMatch(/nbf/)
  })

  it.each([
    ['a wrong audience', (now: number) => rs256(claimsAt(now, { aud: 'another-client' })), /"aud"/],
    ['a wrong issuer', (now: number) => rs256(claimsAt(now, { iss: 'https://evil.example' })), /"iss"/],
    ['no "sub"', (now: number) => rs256(claimsAt(now, { sub: undefined })), /"sub"/],
    ['a key that is not the provider\'s', (now: number) => rs256(claimsAt(now), rsaKey('k1').privateKey), /signature/],
    ['HS256 (a shared secret)', (now: number) => hs256(claimsAt(now)), /alg|algorithm/i],
    ['"alg": "none"', (now: number) => `${b64u({ alg: 'none' })}.${b64u(claimsAt(now))}.`, /alg|algorithm/i],
    ['not a JWT', () => 'not-a-jwt', /JWT/],
  ])('%s: invalid_id_token', async (_name, make, message) => {
    const clock = new FakeClock()
    const idToken = make(clock.now())
    const { dialect } = oauth2(signInAnswers([tokenAnswer({ id_token: idToken })], { [ENDPOINTS.jwks]: [json(200, JWKS)] }), ENDPOINTS, clock)
    const result = await flow(dialect, clock)
    expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
    if (result.status === 'error') {
      expect(result.error.message).toMatch(message)
      expectNoSecrets(result.error, [ACCESS, REFRESH, ...(idToken.length > 20 ? [idToken] : [])])
    }
  })

  it('keys unreachable: jwks_unavailable, and the spent device code is not polled again', async () => {
    const clock = new FakeClock()
    const { dialect, routes } = oauth2(signInAnswers([json(400, { error: 'authorization_pending' }), tokenAnswer({ id_token: rs256(claimsAt(clock.now())) })], { [ENDPOINTS.jwks]: ['network'] }), ENDPOINTS, clock)
    const result = await flow(dialect, clock)
    expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.JwksUnavailable } })
    if (result.status === 'error') expect(result.error.message).toMatch(/ECONNREFUSED/)
    expect(routes.count(ENDPOINTS.token)).toBe(2)
  })

  it.each([
    ['HTML', () => new Response('<html>maintenance</html>', { status: 200, headers: { 'content-type': 'text/html' } }), /not JSON/],
    ['a 500', () => json(500, { error: 'server_error' }), /HTTP 500/],
    ['JSON without "keys"', () => json(200, { hello: 'world' }), /JSON Web Key Set/],
  ])('keys answered with %s: jwks_unavailable', async (_name, answer, message) => {
    const clock = new FakeClock()
    const { dialect } = oauth2(signInAnswers([tokenAnswer({ id_token: rs256(claimsAt(clock.now())) })], { [ENDPOINTS.jwks]: [answer] }), ENDPOINTS, clock)
    const result = await flow(dialect, clock)
    expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.JwksUnavailable } })
    if (result.status === 'error') expect(result.error.message).toMatch(message)
  })

  it('an unknown "kid" with a cached key set: fetched once more, then accepted; a second unknown kid is refused after one more fetch', async () => {
    const clock = new FakeClock()
    const rotated = rsaKey('k2')
    const { dialect, routes } = oauth2(
      {
        [ENDPOINTS.deviceAuthorization]: [json(200, deviceResponse())],
        [ENDPOINTS.token]: [
          tokenAnswer({ id_token: rs256(claimsAt(clock.now())) }),
          () => tokenAnswer({ id_token: rs256(claimsAt(clock.now()), rotated.privateKey, 'k2') }),
          () => tokenAnswer({ id_token: rs256(claimsAt(clock.now()), rsaKey('k3').privateKey, 'k3') }),
        ],
        [ENDPOINTS.jwks]: [json(200, JWKS), json(200, { keys: [KEY.jwk, rotated.jwk] })],
        [ENDPOINTS.userinfo]: [json(404, {})],
      },
      ENDPOINTS,
      clock,
    )
    expect((await flow(dialect, clock)).status).toBe('authorized')
    expect(routes.count(ENDPOINTS.jwks)).toBe(1)
    expect((await flow(dialect, clock)).status).toBe('authorized')
    expect(routes.count(ENDPOINTS.jwks)).toBe(2)
    const unknown = await flow(dialect, clock)
    expect(unknown).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
    expect(routes.count(ENDPOINTS.jwks)).toBe(3)
  })

  it('oauth2 without keys: the claims are still checked (TLS stands in for the signature)', async () => {
    const clock = new FakeClock()
    const { jwks: _none, ...withoutKeys } = ENDPOINTS
    const good = oauth2(signInAnswers([tokenAnswer({ id_token: `${b64u({ alg: 'RS256' })}.${b64u(claimsAt(clock.now()))}.unchecked` })], { [ENDPOINTS.userinfo]: [json(404, {})] }), withoutKeys, clock)
    expect(await flow(good.dialect, clock)).toMatchObject({ status: 'authorized', account: { sub: 'user-42' } })
    const wrong = oauth2(signInAnswers([tokenAnswer({ id_token: `${b64u({ alg: 'RS256' })}.${b64u(claimsAt(clock.now(), { aud: 'other' }))}.unchecked` })]), withoutKeys, clock)
    expect(await flow(wrong.dialect, clock)).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
    const expired = oauth2(signInAnswers([tokenAnswer({ id_token: `${b64u({ alg: 'RS256' })}.${b64u(claimsAt(clock.now() - 7200_000))}.unchecked` })]), withoutKeys, clock)
    expect(await flow(expired.dialect, clock)).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
  })

  it('oidc whose discovery names no jwks_uri: an ID token cannot be checked, so it is refused (jwks_unavailable)', async () => {
    const clock = new FakeClock()
    const discovery = { issuer: AS, device_authorization_endpoint: ENDPOINTS.deviceAuthorization, token_endpoint: ENDPOINTS.token }
    const routes = new Routes({ ...signInAnswers([tokenAnswer({ id_token: rs256(claimsAt(clock.now())) })]), [`${AS}/.well-known/openid-configuration`]: [json(200, discovery)] })
    const dialect = createOidcDialect({ id: 'op', issuer: AS, clientId: CLIENT_ID }, { http: createHttp({ fetch: routes.fetch, clock }), clock })
    expect(await flow(dialect, clock)).toMatchObject({ status: 'error', error: { code: ErrorCode.JwksUnavailable } })
    expect(await failure(clock, dialect.revoke!({ access_token: ACCESS, token_type: 'bearer', extra: {} }))).toMatchObject({ code: ErrorCode.Unsupported })
  })
})

describe('refresh (standard dialects)', () => {
  const refreshWith = (...answers: Answer[]) => oauth2({ [ENDPOINTS.token]: answers })

  it('sends the refresh grant; an answer without refresh_token keeps the one sent; expires_at from the injected clock', async () => {
    const { dialect, routes, clock } = refreshWith(json(200, { access_token: 'at-new-3333', token_type: 'Bearer', expires_in: 60 }))
    const tokens = await clock.run(dialect.refresh!(REFRESH))
    expect(tokens).toMatchObject({ access_token: 'at-new-3333', refresh_token: REFRESH, expires_in: 60, expires_at: clock.now() + 60_000 })
    const [body] = routes.bodies(ENDPOINTS.token)
    expect(Object.fromEntries(body!)).toEqual({ grant_type: 'refresh_token', refresh_token: REFRESH, client_id: CLIENT_ID })
  })

  it('a rotated refresh token replaces the one sent', async () => {
    const { dialect, clock } = refreshWith(tokenAnswer({ access_token: 'at-new', refresh_token: 'rt-rotated-4444' }))
    expect((await clock.run(dialect.refresh!(REFRESH))).refresh_token).toBe('rt-rotated-4444')
  })

  it('an answer without a new access token: invalid_response', async () => {
    const { dialect, clock } = refreshWith(json(200, { token_type: 'Bearer', refresh_token: 'rt-rotated-4444' }))
    const error = await failure(clock, dialect.refresh!(REFRESH))
    expect(error).toMatchObject({ code: ErrorCode.InvalidResponse })
    expect(error.message).toMatch(/no new "access_token"/)
    expectNoSecrets(error, [REFRESH, 'rt-rotated-4444'])
  })

  it('invalid_grant is distinguishable, and a token the server quotes back is not repeated', async () => {
    const { dialect, clock } = refreshWith(json(400, { error: 'invalid_grant', error_description: `refresh token ${REFRESH} was revoked` }))
    const error = await failure(clock, dialect.refresh!(REFRESH))
    expect(error).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_grant', status: 400 })
    expect(error.description).toMatch(/refresh token \[redacted\] was revoked/)
    expectNoSecrets(error, [REFRESH])
  })

  it.each([
    ['503', json(503, { error: 'temporarily_unavailable' }, { 'retry-after': '5' }), ErrorCode.OAuth],
    ['502 HTML', new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }), ErrorCode.ServerError],
    ['200 HTML', new Response('<html>sign in</html>', { status: 200, headers: { 'content-type': 'text/html' } }), ErrorCode.InvalidResponse],
    ['a refused connection', 'network' as const, ErrorCode.Network],
    ['no answer within 30 s', 'hang' as const, ErrorCode.Timeout],
  ])('%s: a typed error', async (_name, answer, code) => {
    const { dialect, clock } = refreshWith(answer)
    const error = await failure(clock, dialect.refresh!(REFRESH))
    expect(error.code).toBe(code)
    expectNoSecrets(error, [REFRESH])
  })

  it('the refresh answer\'s ID token is validated too', async () => {
    const clock = new FakeClock()
    const { dialect } = oauth2({ [ENDPOINTS.token]: [tokenAnswer({ id_token: rs256(claimsAt(clock.now(), { aud: 'other' })) })], [ENDPOINTS.jwks]: [json(200, JWKS)] }, ENDPOINTS, clock)
    expect(await failure(clock, dialect.refresh!(REFRESH))).toMatchObject({ code: ErrorCode.InvalidIdToken })
  })
})

describe('revoke (RFC 7009)', () => {
  const TOKENS: TokenSet = { access_token: ACCESS, token_type: 'bearer', refresh_token: REFRESH, extra: {} }

  it('revokes the refresh token, then the access token, each with its token_type_hint', async () => {
    const { dialect, routes, clock } = oauth2({ [ENDPOINTS.revocation]: [new Response(null, { status: 200 })] })
    await clock.run(dialect.revoke!(TOKENS))
    expect(routes.bodies(ENDPOINTS.revocation).map((b) => [b.get('token'), b.get('token_type_hint'), b.get('client_id')])).toEqual([
      [REFRESH, 'refresh_token', CLIENT_ID],
      [ACCESS, 'access_token', CLIENT_ID],
    ])
  })

  it('after the refresh token, an OAuth error for the access token is not a failure; without a refresh token it is', async () => {
    const refused = () => json(400, { error: 'invalid_request', error_description: 'Invalid access token' })
    const both = oauth2({ [ENDPOINTS.revocation]: [new Response(null, { status: 200 }), refused] })
    await both.clock.run(both.dialect.revoke!(TOKENS))
    const accessOnly = oauth2({ [ENDPOINTS.revocation]: [refused] })
    const { refresh_token: _none, ...onlyAccess } = TOKENS
    expect(await failure(accessOnly.clock, accessOnly.dialect.revoke!(onlyAccess))).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_request' })
  })

  it('a failure to revoke the refresh token is thrown, and the access token is not attempted', async () => {
    const { dialect, routes, clock } = oauth2({ [ENDPOINTS.revocation]: [json(503, { error: 'temporarily_unavailable', error_description: `cannot revoke ${REFRESH}` })] })
    const error = await failure(clock, dialect.revoke!(TOKENS))
    expect(error.status).toBe(503)
    expectNoSecrets(error, [REFRESH, ACCESS])
    expect(routes.count(ENDPOINTS.revocation)).toBe(1)
    const network = oauth2({ [ENDPOINTS.revocation]: ['network'] })
    expect(await failure(network.clock, network.dialect.revoke!(TOKENS))).toMatchObject({ code: ErrorCode.Network })
    const hanging = oauth2({ [ENDPOINTS.revocation]: ['hang'] })
    expect(await failure(hanging.clock, hanging.dialect.revoke!(TOKENS))).toMatchObject({ code: ErrorCode.Timeout })
  })

  it('oauth2 without a revocation endpoint has no revoke', () => {
    const { revocation: _none, ...withoutRevocation } = ENDPOINTS
    expect(oauth2({}, withoutRevocation).dialect.revoke).toBeUndefined()
  })
})

describe('profiles that are HTML, huge or lack "sub": no account is invented', () => {
  const HUGE = () => new Response(JSON.stringify({ sub: 'user-42', name: 'x'.repeat(2 * 1024 * 1024) }), { status: 200, headers: { 'content-type': 'application/json' } })
  const HTML = () => new Response('<html><body>Please sign in</body></html>', { status: 200, headers: { 'content-type': 'text/html' } })

  it.each([
    ['HTML', HTML],
    ['huge (2 MiB)', HUGE],
    ['without "sub"', () => json(200, { name: 'Mallory', email: 'mallory@example.com' })],
    ['with another "sub" than the ID token', () => json(200, { sub: 'someone-else', name: 'Mallory' })],
  ])('standard dialect, userinfo %s: the account is the ID token\'s alone', async (_name, userinfo) => {
    const clock = new FakeClock()
    const { dialect } = oauth2(signInAnswers([tokenAnswer({ id_token: rs256(claimsAt(clock.now())) })], { [ENDPOINTS.jwks]: [json(200, JWKS)], [ENDPOINTS.userinfo]: [userinfo] }), ENDPOINTS, clock)
    const result = await flow(dialect, clock)
    expect(result).toMatchObject({ status: 'authorized' })
    if (result.status === 'authorized') expect(result.account).toEqual({ sub: 'user-42', name: 'Ada Lovelace', email: 'ada@example.com' })
  })

  it('standard dialect without an ID token, userinfo without "sub": no account at all', async () => {
    const { dialect, clock } = oauth2(signInAnswers([tokenAnswer()], { [ENDPOINTS.userinfo]: [json(200, { name: 'Mallory', email: 'm@example.com' })] }))
    const result = await flow(dialect, clock)
    expect(result.status).toBe('authorized')
    expect(result).not.toHaveProperty('account')
  })

  const GOOGLE = 'https://google.example'
  const googleWith = (userinfo: Answer) => {
    const clock = new FakeClock()
    const routes = new Routes({
      [`${GOOGLE}/device/code`]: [json(200, { ...deviceResponse(), verification_url: 'https://google.example/device', verification_uri: undefined })],
      [`${GOOGLE}/token`]: [tokenAnswer()],
      [`${GOOGLE}/userinfo`]: [userinfo],
    })
    const dialect = createGoogleDialect({ id: 'g', clientId: CLIENT_ID, clientSecret: 'google-client-secret', baseUrl: GOOGLE, userinfoUrl: `${GOOGLE}/userinfo` }, { http: createHttp({ fetch: routes.fetch, clock }), clock })
    return { dialect, clock, routes }
  }

  it.each([
    ['HTML', HTML, undefined],
    ['huge (2 MiB)', HUGE, undefined],
    ['without "sub"', () => json(200, { name: 'Mallory', email: 'm@example.com' }), { name: 'Mallory', email: 'm@example.com' }],
  ])('google, userinfo %s: signed in, with no invented fields', async (_name, userinfo, expected) => {
    const { dialect, clock } = googleWith(userinfo)
    const result = await flow(dialect, clock)
    expect(result.status).toBe('authorized')
    if (result.status !== 'authorized') return
    if (expected === undefined) expect(result).not.toHaveProperty('account')
    else expect(result.account).toEqual(expected)
  })

  it('better-auth, a session user without "id": an account without sub', async () => {
    const clock = new FakeClock()
    const BASE = 'https://auth.example/api/auth'
    const routes = new Routes({
      [`${BASE}/device/code`]: [json(200, deviceResponse())],
      [`${BASE}/device/token`]: [json(200, { access_token: ACCESS, token_type: 'Bearer', expires_in: 3600, scope: '' })],
      [`${BASE}/get-session`]: [json(200, { session: {}, user: { name: 'No Id', email: 'noid@example.com' } })],
    })
    const dialect = createBetterAuthDialect({ id: 'ba', baseUrl: BASE, clientId: CLIENT_ID }, { http: createHttp({ fetch: routes.fetch, clock }), clock })
    const result = await flow(dialect, clock)
    expect(result).toMatchObject({ status: 'authorized', account: { name: 'No Id', email: 'noid@example.com' } })
    if (result.status === 'authorized') expect(result.account).not.toHaveProperty('sub')
  })
})

describe('presets and better-auth: refresh and revoke', () => {
  it('google: refresh with the client secret keeps the reusable refresh token; revoke posts the refresh token to /revoke', async () => {
    const clock = new FakeClock()
    const BASE = 'https://google.example'
    const routes = new Routes({
      [`${BASE}/token`]: [json(200, { access_token: 'ya29.new', expires_in: 3599, scope: 'openid', token_type: 'Bearer' })],
      [`${BASE}/revoke`]: [new Response(null, { status: 200 }), json(400, { error: 'invalid_token', error_description: 'Token expired or revoked' })],
    })
    const dialect = createGoogleDialect({ id: 'g', clientId: CLIENT_ID, clientSecret: 'google-client-secret', baseUrl: BASE }, { http: createHttp({ fetch: routes.fetch, clock }), clock })
    expect(await clock.run(dialect.refresh!(REFRESH))).toMatchObject({ access_token: 'ya29.new', refresh_token: REFRESH })
    expect(Object.fromEntries(routes.bodies(`${BASE}/token`)[0]!)).toEqual({ client_id: CLIENT_ID, client_secret: 'google-client-secret', grant_type: 'refresh_token', refresh_token: REFRESH })
    await clock.run(dialect.revoke!({ access_token: ACCESS, token_type: 'Bearer', refresh_token: REFRESH, extra: {} }))
    expect(routes.bodies(`${BASE}/revoke`)[0]!.get('token')).toBe(REFRESH)
    const error = await failure(clock, dialect.revoke!({ access_token: ACCESS, token_type: 'Bearer', extra: {} }))
    expect(error).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_token' })
    expectNoSecrets(error, [ACCESS, 'google-client-secret'])
  })

  it('microsoft: refresh asks for the same scope with offline_access; invalid_grant (AADSTS) is distinguishable; no revoke', async () => {
    const clock = new FakeClock()
    const BASE = 'https://login.example'
    const TOKEN = `${BASE}/common/oauth2/v2.0/token`
    const routes = new Routes({
      [TOKEN]: [
        json(200, { token_type: 'Bearer', scope: 'openid profile', expires_in: 3599, access_token: 'eyJ0.new', refresh_token: '0.A-rotated' }),
        json(400, { error: 'invalid_grant', error_description: 'AADSTS70008: The provided authorization code or refresh token has expired.\r\nTrace ID: 1' }),
      ],
    })
    const dialect = createMicrosoftDialect({ id: 'ms', clientId: CLIENT_ID, scope: 'openid profile', baseUrl: BASE }, { http: createHttp({ fetch: routes.fetch, clock }), clock })
    expect(dialect.revoke).toBeUndefined()
    expect(await clock.run(dialect.refresh!(REFRESH))).toMatchObject({ access_token: 'eyJ0.new', refresh_token: '0.A-rotated' })
    expect(routes.bodies(TOKEN)[0]!.get('scope')).toBe('openid profile offline_access')
    expect(await failure(clock, dialect.refresh!('0.A-rotated'))).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_grant' })
  })

  it('github: a refresh error arrives with HTTP 200; bad_refresh_token is reported as invalid_grant; success keeps working', async () => {
    const clock = new FakeClock()
    const BASE = 'https://github.example'
    const routes = new Routes({
      [`${BASE}/login/oauth/access_token`]: [
        json(200, { error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' }),
        json(200, { access_token: 'ghu_new', expires_in: 28800, refresh_token: 'ghr_new', refresh_token_expires_in: 15897600, token_type: 'bearer', scope: '' }),
      ],
    })
    const dialect = createGitHubDialect({ id: 'gh', clientId: CLIENT_ID, baseUrl: BASE }, { http: createHttp({ fetch: routes.fetch, clock }), clock })
    expect(dialect.revoke).toBeUndefined()
    const error = await failure(clock, dialect.refresh!(REFRESH))
    expect(error).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_grant' })
    expect(error.message).toMatch(/bad_refresh_token/)
    expect(await clock.run(dialect.refresh!(REFRESH))).toMatchObject({ access_token: 'ghu_new', refresh_token: 'ghr_new' })
    expect(routes.bodies(`${BASE}/login/oauth/access_token`)[0]!.get('grant_type')).toBe('refresh_token')
  })

  it('better-auth: no refresh; revoke is POST /sign-out with the session token as a Bearer, a refusal is typed', async () => {
    const clock = new FakeClock()
    const BASE = 'https://auth.example/api/auth'
    const routes = new Routes({ [`${BASE}/sign-out`]: [json(200, { success: true }), json(403, { message: 'Forbidden', code: 'FORBIDDEN' })] })
    const dialect = createBetterAuthDialect({ id: 'ba', baseUrl: BASE, clientId: CLIENT_ID }, { http: createHttp({ fetch: routes.fetch, clock }), clock })
    expect(dialect.refresh).toBeUndefined()
    await clock.run(dialect.revoke!({ access_token: ACCESS, token_type: 'Bearer', extra: {} }))
    expect(routes.requests[0]).toMatchObject({ method: 'POST', headers: { authorization: `Bearer ${ACCESS}` } })
    const error = await failure(clock, dialect.revoke!({ access_token: ACCESS, token_type: 'Bearer', extra: {} }))
    expect(error).toMatchObject({ code: ErrorCode.InvalidResponse, status: 403 })
    expectNoSecrets(error, [ACCESS])
  })
})
