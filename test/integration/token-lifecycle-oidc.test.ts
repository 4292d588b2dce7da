/**
 * The token life cycle of the `oidc` dialect against a real oidc-provider 9 server (the demo
 * server): ID tokens checked against the server's JWKS before anything in them is used
 * (tampered signature, wrong audience, expiry on the injected clock, key rotation, unreachable
 * keys), refresh with short-lived access tokens, refresh token rotation and reuse, a server
 * that does not rotate, and RFC 7009 revocation confirmed at userinfo and the token endpoint.
 * Sign-ins run through `runDeviceFlow`, approved through the demo server's own pages.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { JWK, Middleware } from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import { createOidcDialect } from '../../electron/core/dialects/oidc'
import { ErrorCode, LinkscreenError } from '../../electron/core/errors'
import { runDeviceFlow, type FlowEvent, type FlowResult } from '../../electron/core/flow'
import { createHttp } from '../../electron/core/http'
import type { Clock, Dialect, FetchLike, TokenSet } from '../../electron/core/types'
import { startDemoServer, type DemoServer, type DemoServerOptions } from '../../electron/demo/demo-server'
import { actOnDemoCode } from '../servers/demo-approve'

const SCOPE = 'openid profile email offline_access'

/** An RSA signing key as the demo server takes it (private JWK), and as a test signs with it. */
function rsaKey(kid: string): { jwk: JWK; privateKey: KeyObject; publicJwk: JWK } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } as JWK
  const publicJwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } as JWK
  return { jwk, privateKey: createPrivateKey({ key: jwk as never, format: 'jwk' }), publicJwk }
}

const b64u = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}

/** An RS256 JWT over `claims`, signed with `key`. */
function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const input = `${b64u({ alg: 'RS256', typ: 'JWT', kid })}.${b64u(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
}

/** The same token with its signature replaced by another one of the same length. */
function tamperSignature(jwt: string): string {
  const [header, payload, signature = ''] = jwt.split('.')
  const bytes = Buffer.from(signature, 'base64url')
  bytes[0] = (bytes[0] ?? 0) ^ 0xff
  return `${header}.${payload}.${bytes.toString('base64url')}`
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * What a test may change in the server's answers, through the demo server's `middleware`
 * option (a Koa middleware run before oidc-provider's own): the ID token of a token answer,
 * a refresh answer's refresh token, the JWKS, the discovery document's `jwks_uri`.
 */
interface Rewrites {
  idToken?: (idToken: string) => string
  dropRefreshTokenOnRefresh?: boolean
  jwks?: () => { keys: JWK[] }
  jwksStatus?: number
  jwksUri?: string
}

function rewriting(rewrites: Rewrites): Middleware {
  return async (ctx, next) => {
    // A Koa context: the demo server's type declarations name only what the demo itself uses.
    const path = (ctx as unknown as { path: string }).path
    if (path === '/jwks' && rewrites.jwksStatus !== undefined) {
      ctx.status = rewrites.jwksStatus
      ctx.body = 'unavailable'
      return
    }
    await next()
    const body = ctx.body as Record<string, unknown> | undefined
    if (path === '/token' && ctx.status === 200 && body && typeof body === 'object') {
      const changed = { ...body }
      if (rewrites.idToken && typeof body['id_token'] === 'string') changed['id_token'] = rewrites.idToken(body['id_token'])
      if (rewrites.dropRefreshTokenOnRefresh && ctx.oidc?.params?.['grant_type'] === 'refresh_token') delete changed['refresh_token']
      ctx.body = changed
    }
    if (path === '/jwks' && rewrites.jwks) ctx.body = rewrites.jwks()
    if (path === '/.well-known/openid-configuration' && rewrites.jwksUri && body && typeof body === 'object') ctx.body = { ...body, jwks_uri: rewrites.jwksUri }
  }
}

/** A fetch that records every request's method, path and status, and each token answer's body. */
function recordingFetch() {
  const requests: { method: string; path: string; status?: number }[] = []
  const tokenAnswers: Record<string, unknown>[] = []
  const fetchLike: FetchLike = async (url, init) => {
    const entry: { method: string; path: string; status?: number } = { method: (init.method ?? 'GET').toUpperCase(), path: new URL(url).pathname }
    requests.push(entry)
    const response = await fetch(url, init)
    entry.status = response.status
    if (entry.path === '/token' && response.status === 200) tokenAnswers.push((await response.clone().json()) as Record<string, unknown>)
    return response
  }
  return { requests, tokenAnswers, fetch: fetchLike, count: (path: string) => requests.filter((r) => r.path === path).length }
}

interface Harness {
  server: DemoServer
  rewrites: Rewrites
  record: ReturnType<typeof recordingFetch>
  dialect: Dialect
}

async function harness(options: DemoServerOptions = {}, clock: Clock = systemClock): Promise<Harness> {
  const rewrites: Rewrites = {}
  const server = await startDemoServer({ intervalSeconds: 1, quiet: true, middleware: rewriting(rewrites), ...options })
  const record = recordingFetch()
  const dialect = createOidcDialect({ id: 'op', issuer: server.issuer, clientId: server.clientId, scope: SCOPE }, { http: createHttp({ fetch: record.fetch, clock }), clock })
  return { server, rewrites, record, dialect }
}

/** One device sign-in, approved as `name` through the demo server's pages. */
async function signIn(h: Harness, name: string, clock: Clock = systemClock): Promise<{ result: FlowResult; events: FlowEvent[] }> {
  const events: FlowEvent[] = []
  let acting: Promise<void> = Promise.resolve()
  const result = await runDeviceFlow({
    dialect: h.dialect,
    clock,
    onEvent: (event) => {
      events.push(event)
      if (event.type === 'code') {
        acting = actOnDemoCode({ verificationUri: event.authorization.verification_uri, userCode: event.authorization.user_code, name, decision: 'approve' })
      }
    },
  })
  await acting
  return { result, events }
}

async function authorized(h: Harness, name: string): Promise<Extract<FlowResult, { status: 'authorized' }>> {
  const { result } = await signIn(h, name)
  if (result.status !== 'authorized') throw new Error(`sign-in ended ${result.status}${result.status === 'error' ? `: ${result.error.message}` : ''}`)
  return result
}

/** The userinfo endpoint's status for `accessToken`, asked directly (not through the dialect). */
async function userinfoStatus(server: DemoServer, accessToken: string): Promise<number> {
  const response = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })
  await response.body?.cancel()
  return response.status
}

async function failure(promise: Promise<unknown>): Promise<LinkscreenError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(LinkscreenError)
  return outcome as LinkscreenError
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('oidc dialect against oidc-provider: ID tokens are checked before they are used', () => {
  const keyA = rsaKey('key-a')
  let h: Harness
  beforeAll(async () => {
    h = await harness({ jwks: { keys: [keyA.jwk] } })
  })
  afterAll(() => h.server.close())

  it('a genuine ID token: verified against the server JWKS, the account from its claims', async () => {
    const jwksBefore = h.record.count('/jwks')
    const result = await authorized(h, 'Ada Lovelace')
    expect(h.record.count('/jwks')).toBe(jwksBefore + 1)
    const claims = payloadOf(String(result.tokens.id_token))
    expect(result.account).toMatchObject({ sub: claims['sub'], name: 'Ada Lovelace' })
    expect(typeof claims['sub']).toBe('string')
  })

  it('a tampered signature: the flow ends in invalid_id_token, with no account and no tokens', async () => {
    h.rewrites.idToken = tamperSignature
    try {
      const { result, events } = await signIn(h, 'Mallory')
      expect(result.status).toBe('error')
      if (result.status !== 'error') return
      expect(result.error.code).toBe(ErrorCode.InvalidIdToken)
      expect(result.error.message).toMatch(/signature/i)
      expect(events.some((e) => e.type === 'authorized')).toBe(false)
      const answered = h.record.tokenAnswers.at(-1)
      expect(JSON.stringify(result.error)).not.toContain(String(answered?.['access_token']))
      expect(result.error.message).not.toContain(String(answered?.['id_token']).split('.')[2])
    } finally {
      delete h.rewrites.idToken
    }
  })

  it('a validly signed ID token for another audience is refused', async () => {
    h.rewrites.idToken = (token) => signJwt({ ...payloadOf(token), aud: 'someone-else' }, keyA.privateKey, 'key-a')
    try {
      const { result } = await signIn(h, 'Eve')
      expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
      if (result.status === 'error') expect(result.error.message).toMatch(/"aud"/)
    } finally {
      delete h.rewrites.idToken
    }
  })

  it('a validly signed ID token from another issuer is refused', async () => {
    h.rewrites.idToken = (token) => signJwt({ ...payloadOf(token), iss: 'https://impostor.example' }, keyA.privateKey, 'key-a')
    try {
      const { result } = await signIn(h, 'Eve')
      expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
      if (result.status === 'error') expect(result.error.message).toMatch(/"iss"/)
    } finally {
      delete h.rewrites.idToken
    }
  })

  it('expiry is judged on the injected clock: a clock two hours ahead refuses a fresh one-hour token', async () => {
    const ahead: Clock = { ...systemClock, now: () => Date.now() + 2 * 3600_000 }
    const skewed: Harness = { ...h, dialect: createOidcDialect({ id: 'op', issuer: h.server.issuer, clientId: h.server.clientId, scope: SCOPE }, { http: createHttp({ fetch: h.record.fetch, clock: ahead }), clock: ahead }) }
    const { result } = await signIn(skewed, 'Late Larry', ahead)
    expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
    if (result.status === 'error') expect(result.error.message).toMatch(/expired/)
    // The same server, the same kind of token, on the right clock: accepted.
    expect((await signIn(h, 'On-time Olga')).result.status).toBe('authorized')
  })
})

describe('oidc dialect against oidc-provider: key rotation and unreachable keys', () => {
  it('a token signed with a key the cached JWKS lacks: the JWKS is fetched once more, then accepted', async () => {
    const keyA = rsaKey('key-a')
    const keyB = rsaKey('key-b')
    const h = await harness({ jwks: { keys: [keyA.jwk] } })
    try {
      await authorized(h, 'Before Rotation')
      expect(h.record.count('/jwks')).toBe(1)
      // The provider rotates: it publishes key-b and signs with it.
      h.rewrites.jwks = () => ({ keys: [keyA.publicJwk, keyB.publicJwk] })
      h.rewrites.idToken = (token) => signJwt(payloadOf(token), keyB.privateKey, 'key-b')
      const after = await authorized(h, 'After Rotation')
      expect(after.account?.name).toBe('After Rotation')
      expect(h.record.count('/jwks')).toBe(2)
      // The refetched key set serves the next check without another download.
      await authorized(h, 'Again')
      expect(h.record.count('/jwks')).toBe(2)
    } finally {
      await h.server.close()
    }
  })

  it('a key that is in no key set, even after refetching once: refused, with exactly one more JWKS request', async () => {
    const keyA = rsaKey('key-a')
    const rogue = rsaKey('key-rogue')
    const h = await harness({ jwks: { keys: [keyA.jwk] } })
    try {
      await authorized(h, 'First')
      const before = h.record.count('/jwks')
      h.rewrites.idToken = (token) => signJwt(payloadOf(token), rogue.privateKey, 'key-rogue')
      const { result } = await signIn(h, 'Rogue')
      expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
      expect(h.record.count('/jwks')).toBe(before + 1)
    } finally {
      await h.server.close()
    }
  })

  it('jwks_uri unreachable (connection refused): jwks_unavailable, the flow ends at once without polling again', async () => {
    const h = await harness()
    try {
      h.rewrites.jwksUri = `http://127.0.0.1:${await closedPort()}/jwks`
      const { result } = await signIn(h, 'Nobody')
      expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.JwksUnavailable } })
      if (result.status === 'error') expect(result.error.message).toMatch(/signing keys could not be fetched.*ECONNREFUSED/)
      // The approved answer was the last token request: a spent device code is not polled again.
      expect(h.record.requests.at(-2)).toMatchObject({ path: '/token', status: 200 })
      expect(h.record.requests.filter((r) => r.path === '/token').at(-1)?.status).toBe(200)
    } finally {
      await h.server.close()
    }
  })

  it('jwks_uri answering 503: jwks_unavailable', async () => {
    const h = await harness()
    try {
      h.rewrites.jwksStatus = 503
      const { result } = await signIn(h, 'Nobody')
      expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.JwksUnavailable } })
      if (result.status === 'error') expect(result.error.message).toMatch(/HTTP 503/)
    } finally {
      await h.server.close()
    }
  })
})

describe('oidc dialect against oidc-provider: refresh', () => {
  it('refresh before expiry of a 3 s access token; the old one expires at the server, the refreshed one works', async () => {
    const h = await harness({ accessTokenTtlSeconds: 3, clockToleranceSeconds: 0 })
    try {
      const { tokens } = await authorized(h, 'Short Lived')
      expect(tokens.expires_in).toBe(3)
      expect(await userinfoStatus(h.server, tokens.access_token)).toBe(200)
      const refreshed = await h.dialect.refresh!(tokens.refresh_token!)
      expect(refreshed.access_token).not.toBe(tokens.access_token)
      expect(refreshed.expires_in).toBe(3)
      expect(refreshed.expires_at).toBeGreaterThan(tokens.expires_at!)
      // The refresh answer's ID token was checked too (same subject).
      expect(payloadOf(String(refreshed.id_token))['sub']).toBe(payloadOf(String(tokens.id_token))['sub'])
      expect(await userinfoStatus(h.server, refreshed.access_token)).toBe(200)
      await sleep(3500)
      expect(await userinfoStatus(h.server, tokens.access_token)).toBe(401)
      expect(await userinfoStatus(h.server, refreshed.access_token)).toBe(401)
      const again = await h.dialect.refresh!(refreshed.refresh_token!)
      expect(await userinfoStatus(h.server, again.access_token)).toBe(200)
      const account = await h.dialect.fetchAccount!(again)
      expect(account?.name).toBe('Short Lived')
    } finally {
      await h.server.close()
    }
  })

  it('rotation: each refresh hands out a new refresh token; the used one gets invalid_grant, and its reuse ends the grant', async () => {
    const h = await harness()
    try {
      const { tokens } = await authorized(h, 'Rotating Rita')
      const first = await h.dialect.refresh!(tokens.refresh_token!)
      expect(first.refresh_token).toBeTruthy()
      expect(first.refresh_token).not.toBe(tokens.refresh_token)
      const reused = await failure(h.dialect.refresh!(tokens.refresh_token!))
      expect(reused).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_grant', status: 400 })
      expect(reused.message).not.toContain(tokens.refresh_token!)
      // oidc-provider treats the reuse as theft and revokes the grant: the newest tokens die too.
      expect(await userinfoStatus(h.server, first.access_token)).toBe(401)
      expect(await failure(h.dialect.refresh!(first.refresh_token!))).toMatchObject({ oauthError: 'invalid_grant' })
    } finally {
      await h.server.close()
    }
  })

  it('a server that does not rotate and leaves refresh_token out of its answer: the returned set carries the old one, which keeps working', async () => {
    const h = await harness({ rotateRefreshTokens: false })
    h.rewrites.dropRefreshTokenOnRefresh = true
    try {
      const { tokens } = await authorized(h, 'Steady Steve')
      const refreshed = await h.dialect.refresh!(tokens.refresh_token!)
      expect(h.record.tokenAnswers.at(-1)).not.toHaveProperty('refresh_token')
      expect(refreshed.refresh_token).toBe(tokens.refresh_token)
      const again = await h.dialect.refresh!(refreshed.refresh_token!)
      expect(again.refresh_token).toBe(tokens.refresh_token)
      expect(await userinfoStatus(h.server, again.access_token)).toBe(200)
    } finally {
      await h.server.close()
    }
  })

  it('a refresh answer with a tampered ID token is refused with invalid_id_token', async () => {
    const h = await harness()
    try {
      const { tokens } = await authorized(h, 'Tampered Tom')
      h.rewrites.idToken = tamperSignature
      expect(await failure(h.dialect.refresh!(tokens.refresh_token!))).toMatchObject({ code: ErrorCode.InvalidIdToken })
    } finally {
      await h.server.close()
    }
  })

  it('an unknown refresh token: oauth_error invalid_grant', async () => {
    const h = await harness()
    try {
      await h.dialect.requestCode() // discovery
      const error = await failure(h.dialect.refresh!('not-a-refresh-token-at-all'))
      expect(error).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_grant' })
    } finally {
      await h.server.close()
    }
  })
})

describe('oidc dialect against oidc-provider: revocation (RFC 7009)', () => {
  it('revoke: the refresh token, then the access token, both refused by the server afterwards', async () => {
    const h = await harness()
    try {
      const { tokens } = await authorized(h, 'Leaving Lena')
      expect(await userinfoStatus(h.server, tokens.access_token)).toBe(200)
      const before = h.record.count('/token/revocation')
      await h.dialect.revoke!(tokens)
      expect(h.record.requests.filter((r) => r.path === '/token/revocation').slice(before).map((r) => r.status)).toEqual([200, 200])
      expect(await userinfoStatus(h.server, tokens.access_token)).toBe(401)
      expect(await failure(h.dialect.refresh!(tokens.refresh_token!))).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_grant' })
      // Revoking again is not an error (RFC 7009 §2.2: 200 for a token that is no longer valid).
      await h.dialect.revoke!(tokens)
    } finally {
      await h.server.close()
    }
  })

  it('revoke with only an access token: one revocation request, and the token is refused afterwards', async () => {
    const h = await harness()
    try {
      const { tokens } = await authorized(h, 'Access Only')
      const { refresh_token: _kept, ...accessOnly } = tokens
      const before = h.record.count('/token/revocation')
      await h.dialect.revoke!(accessOnly as TokenSet)
      expect(h.record.count('/token/revocation')).toBe(before + 1)
      expect(await userinfoStatus(h.server, tokens.access_token)).toBe(401)
      // oidc-provider ends the whole grant with it (RFC 7009 §2.1 allows that): the refresh token is gone too.
      expect(await failure(h.dialect.refresh!(tokens.refresh_token!))).toMatchObject({ oauthError: 'invalid_grant' })
    } finally {
      await h.server.close()
    }
  })

  it('a server that is gone: network_error for revoke and refresh', async () => {
    const h = await harness()
    const { tokens } = await authorized(h, 'Gone Gus')
    await h.server.close()
    expect(await failure(h.dialect.revoke!(tokens))).toMatchObject({ code: ErrorCode.Network })
    expect(await failure(h.dialect.refresh!(tokens.refresh_token!))).toMatchObject({ code: ErrorCode.Network })
  })
})
