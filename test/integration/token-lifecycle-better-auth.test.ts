/**
 * The token life cycle against real better-auth 1.7 servers:
 * - the device plugin (`better-auth` dialect): its access token is a session token; revoking
 *   is signing that session out, after which the server no longer knows it; there is no refresh;
 * - the OAuth 2.1 / OIDC provider (`oidc` dialect): EdDSA ID tokens checked against its JWKS,
 *   refresh with rotation, RFC 7009 revocation confirmed at userinfo and the token endpoint.
 * Answers are tampered with, where a test needs it, by a proxy in the fetch the dialect uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import { createBetterAuthDialect } from '../../electron/core/dialects/better-auth'
import { createOidcDialect } from '../../electron/core/dialects/oidc'
import { ErrorCode, LinkscreenError } from '../../electron/core/errors'
import { runDeviceFlow, type FlowResult } from '../../electron/core/flow'
import { createHttp } from '../../electron/core/http'
import type { Dialect, FetchLike } from '../../electron/core/types'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'
import { startBetterAuthOidcServer, type BetterAuthOidcServer } from '../servers/better-auth-oidc-server'

/**
 * A fetch that records each request's path and status, and lets a test rewrite the JSON body
 * of token answers on their way to the dialect.
 */
function proxyFetch() {
  const requests: { path: string; status?: number }[] = []
  const state: { rewriteToken?: (body: Record<string, unknown>) => Record<string, unknown> } = {}
  const fetchLike: FetchLike = async (url, init) => {
    const entry: { path: string; status?: number } = { path: new URL(url).pathname }
    requests.push(entry)
    const response = await fetch(url, init)
    entry.status = response.status
    if (entry.path.endsWith('/oauth2/token') && response.status === 200 && state.rewriteToken) {
      const body = state.rewriteToken((await response.json()) as Record<string, unknown>)
      return new Response(JSON.stringify(body), { status: 200, headers: response.headers })
    }
    return response
  }
  return { requests, state, fetch: fetchLike, count: (suffix: string) => requests.filter((r) => r.path.endsWith(suffix)).length }
}

/** Runs a sign-in through `runDeviceFlow`; `approve` acts on the user code once it is shown. */
async function signIn(dialect: Dialect, approve: (userCode: string) => Promise<void>): Promise<FlowResult> {
  let acting: Promise<void> = Promise.resolve()
  const result = await runDeviceFlow({
    dialect,
    clock: systemClock,
    onEvent: (event) => {
      if (event.type === 'code') acting = approve(event.authorization.user_code)
    },
  })
  await acting
  return result
}

function authorizedTokens(result: FlowResult) {
  if (result.status !== 'authorized') throw new Error(`sign-in ended ${result.status}${result.status === 'error' ? `: ${result.error.message}` : ''}`)
  return result
}

async function failure(promise: Promise<unknown>): Promise<LinkscreenError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(LinkscreenError)
  return outcome as LinkscreenError
}

const tamperSignature = (jwt: string): string => {
  const [header, payload, signature = ''] = jwt.split('.')
  const bytes = Buffer.from(signature, 'base64url')
  bytes[0] = (bytes[0] ?? 0) ^ 0xff
  return `${header}.${payload}.${bytes.toString('base64url')}`
}

describe('better-auth device plugin: revoke is sign-out; no refresh', () => {
  let server: BetterAuthServer
  let dialect: Dialect
  beforeAll(async () => {
    server = await startBetterAuthServer({ interval: 1 })
    dialect = createBetterAuthDialect({ id: 'ba', baseUrl: server.baseUrl, clientId: server.clientId }, { http: createHttp({ fetch, clock: systemClock }), clock: systemClock })
  })
  afterAll(() => server.close())

  const getSession = async (token: string): Promise<unknown> =>
    (await fetch(`${server.baseUrl}/get-session`, { headers: { authorization: `Bearer ${token}` } })).json()

  it('has no refresh: the plugin hands out a session token and no refresh token', async () => {
    expect(dialect.refresh).toBeUndefined()
    const user = await server.signUp('No Refresh')
    const { tokens } = authorizedTokens(await signIn(dialect, (code) => server.approve(code, user.token)))
    expect(tokens.refresh_token).toBeUndefined()
  })

  it('revoke signs the session out: the server no longer knows the token, and the account is gone', async () => {
    const user = await server.signUp('Signing Out')
    const { tokens, account } = authorizedTokens(await signIn(dialect, (code) => server.approve(code, user.token)))
    expect(account).toMatchObject({ sub: user.userId })
    expect(await getSession(tokens.access_token)).toMatchObject({ user: { id: user.userId } })
    await dialect.revoke!(tokens)
    expect(await getSession(tokens.access_token)).toBeNull()
    expect(await dialect.fetchAccount!(tokens)).toBeUndefined()
    // The person's own browser session is a different session and is untouched.
    expect(await getSession(user.token)).toMatchObject({ user: { id: user.userId } })
  })

  it('a server that is gone: network_error', async () => {
    const gone = await startBetterAuthServer({ interval: 1 })
    const goneDialect = createBetterAuthDialect({ id: 'ba', baseUrl: gone.baseUrl, clientId: gone.clientId }, { http: createHttp({ fetch, clock: systemClock }), clock: systemClock })
    await gone.close()
    expect(await failure(goneDialect.revoke!({ access_token: 'whatever-session', token_type: 'bearer', extra: {} }))).toMatchObject({ code: ErrorCode.Network })
  })
})

describe('better-auth OAuth provider (oidc dialect): EdDSA ID tokens, refresh, revocation', () => {
  let server: BetterAuthOidcServer
  let proxy: ReturnType<typeof proxyFetch>
  let dialect: Dialect
  beforeAll(async () => {
    server = await startBetterAuthOidcServer({ interval: 1 })
    proxy = proxyFetch()
    dialect = createOidcDialect(
      { id: 'ba-op', issuer: server.issuer, clientId: server.clientId, scope: 'openid profile email offline_access' },
      { http: createHttp({ fetch: proxy.fetch, clock: systemClock }), clock: systemClock },
    )
  })
  afterAll(() => server.close())

  const userinfoStatus = async (accessToken: string): Promise<number> => {
    const response = await fetch(`${server.baseUrl}/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })
    await response.body?.cancel()
    return response.status
  }

  async function signedIn(name: string) {
    const user = await server.signUp(name)
    return { user, ...authorizedTokens(await signIn(dialect, (code) => server.approve(code, user.token))) }
  }

  it('the ID token is checked against the server JWKS (EdDSA) and feeds the account', async () => {
    expect(proxy.count('/jwks')).toBe(0)
    const { user, tokens, account } = await signedIn('Edwina Dsa')
    expect(JSON.parse(Buffer.from(String(tokens.id_token).split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'EdDSA' })
    expect(proxy.count('/jwks')).toBe(1)
    expect(account).toMatchObject({ sub: user.userId, name: 'Edwina Dsa', email: user.email })
  })

  it('a tampered ID token signature: invalid_id_token, no account', async () => {
    proxy.state.rewriteToken = (body) => ({ ...body, id_token: tamperSignature(String(body['id_token'])) })
    try {
      const user = await server.signUp('Tampered')
      const result = await signIn(dialect, (code) => server.approve(code, user.token))
      expect(result).toMatchObject({ status: 'error', error: { code: ErrorCode.InvalidIdToken } })
      expect(result).not.toHaveProperty('account')
    } finally {
      delete proxy.state.rewriteToken
    }
  })

  it('refresh: a new access token that userinfo accepts; the refresh token rotates and the used one gets invalid_grant', async () => {
    const { tokens } = await signedIn('Refreshing Rosa')
    expect(tokens.refresh_token).toBeTruthy()
    const refreshed = await dialect.refresh!(tokens.refresh_token!)
    expect(refreshed.access_token).not.toBe(tokens.access_token)
    expect(await userinfoStatus(refreshed.access_token)).toBe(200)
    expect(refreshed.refresh_token).toBeTruthy()
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token)
    const reused = await failure(dialect.refresh!(tokens.refresh_token!))
    expect(reused).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_grant' })
    expect(reused.message).not.toContain(tokens.refresh_token!)
  })

  it('revoke: the refresh token and the access token are refused afterwards', async () => {
    const { tokens } = await signedIn('Revoking Rex')
    expect(await userinfoStatus(tokens.access_token)).toBe(200)
    const before = proxy.count('/oauth2/revoke')
    await dialect.revoke!(tokens)
    // better-auth drops the grant's access tokens with the refresh token, then answers 400 for the
    // access token (RFC 7009 §2.2 says 200): not an error once the refresh token is revoked.
    expect(proxy.requests.filter((r) => r.path.endsWith('/oauth2/revoke')).slice(before).map((r) => r.status)).toEqual([200, 400])
    expect(await userinfoStatus(tokens.access_token)).toBe(401)
    expect(await failure(dialect.refresh!(tokens.refresh_token!))).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_grant' })
  })
})
