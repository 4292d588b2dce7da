/**
 * Proves the better-auth OIDC harness works: drives the RFC 8628 device flow by
 * hand with fetch against a real in-process better-auth 1.7 OAuth provider
 * (`@better-auth/oauth-provider` + `oauthDeviceAuthorization()`).
 */
import { createPublicKey, verify } from 'node:crypto'
import type { JsonWebKey } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBetterAuthOidcServer } from '../servers/better-auth-oidc-server'
import type { BetterAuthOidcServer } from '../servers/better-auth-oidc-server'
import type { DeviceCodeResponse, Reply } from '../helpers/wire'
import { sleep } from '../helpers/wire'

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'
const MAX_POLLS = 20
const ALL_SCOPES = 'openid profile email offline_access'

async function reply(res: Response): Promise<Reply> {
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

function postForm(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  }).then(reply)
}

function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }).then(reply)
}

async function requestCode(srv: BetterAuthOidcServer, scope?: string, clientId = srv.clientId): Promise<DeviceCodeResponse> {
  const params: Record<string, string> = { client_id: clientId }
  if (scope !== undefined) params.scope = scope
  const { status, body } = await postForm(`${srv.baseUrl}/device/code`, params)
  expect(status).toBe(200)
  return body as unknown as DeviceCodeResponse
}

function poll(srv: BetterAuthOidcServer, deviceCode: string): Promise<Reply> {
  return postForm(`${srv.baseUrl}/oauth2/token`, { grant_type: GRANT_TYPE, device_code: deviceCode, client_id: srv.clientId })
}

/** Polls (waiting `interval` between polls, bounded) until the answer is no longer authorization_pending. */
async function pollUntilSettled(srv: BetterAuthOidcServer, code: DeviceCodeResponse): Promise<Reply> {
  for (let i = 0; i < MAX_POLLS; i++) {
    await sleep(code.interval * 1000 + 100)
    const answer = await poll(srv, code.device_code)
    if (answer.body.error !== 'authorization_pending') return answer
  }
  throw new Error(`still authorization_pending after ${MAX_POLLS} polls`)
}

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}

/** Verifies a compact JWS against the server's JWKS with node:crypto (Ed25519 / EdDSA); returns header + payload. */
async function verifyJwt(jwksUri: string, token: string): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  const [h, p, s] = token.split('.')
  const header = decodeSegment(h)
  const jwks = (await (await fetch(jwksUri)).json()) as { keys: Array<JsonWebKey & { kid?: string; alg?: string }> }
  const jwk = jwks.keys.find((k) => k.kid === header.kid)
  if (!jwk) throw new Error(`no JWK with kid ${String(header.kid)}`)
  const ok = verify(null, Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s ?? '', 'base64url'))
  if (!ok) throw new Error('bad ID token signature')
  return { header, payload: decodeSegment(p) }
}

describe('better-auth OIDC test server (oauth-provider + device authorization)', () => {
  let srv: BetterAuthOidcServer
  let origin: string

  beforeAll(async () => {
    srv = await startBetterAuthOidcServer({ expiresIn: 300, interval: 1 })
    origin = new URL(srv.baseUrl).origin
  })
  afterAll(async () => {
    await srv.close()
  })

  it('advertises the device authorization endpoint in OIDC discovery at the issuer', async () => {
    expect(srv.issuer).toBe(srv.baseUrl)
    const res = await fetch(`${srv.issuer}/.well-known/openid-configuration`)
    expect(res.status).toBe(200)
    const meta = (await res.json()) as Record<string, unknown>
    expect(meta).toMatchObject({
      issuer: srv.issuer,
      device_authorization_endpoint: `${srv.baseUrl}/device/code`,
      token_endpoint: `${srv.baseUrl}/oauth2/token`,
      userinfo_endpoint: `${srv.baseUrl}/oauth2/userinfo`,
      jwks_uri: `${srv.baseUrl}/jwks`,
      registration_endpoint: `${srv.baseUrl}/oauth2/register`,
      id_token_signing_alg_values_supported: ['EdDSA'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    })
    expect(meta.grant_types_supported).toContain(GRANT_TYPE)
    expect(meta.token_endpoint_auth_methods_supported).toContain('none')

    // RFC 8414 path-insertion form also works; the origin root does not.
    const as = await fetch(`${origin}/.well-known/oauth-authorization-server/api/auth`)
    expect(as.status).toBe(200)
    expect(((await as.json()) as Record<string, unknown>).device_authorization_endpoint).toBe(`${srv.baseUrl}/device/code`)
    expect((await fetch(`${origin}/.well-known/openid-configuration`)).status).toBe(404)
  })

  it('issues access, refresh and signed ID tokens after approval; userinfo returns the email', async () => {
    const code = await requestCode(srv, ALL_SCOPES)
    expect(code).toMatchObject({
      expires_in: 300,
      interval: 1,
      verification_uri: `${origin}/device`,
      verification_uri_complete: `${origin}/device?user_code=${code.user_code}`,
    })
    expect(code.user_code).toMatch(/^[A-Z0-9]{8}$/)
    expect(typeof code.device_code).toBe('string')

    // The token endpoint is form-only.
    const asJson = await postJson(`${srv.baseUrl}/oauth2/token`, {
      grant_type: GRANT_TYPE,
      device_code: code.device_code,
      client_id: srv.clientId,
    })
    expect(asJson.status).toBe(415)
    expect(asJson.body.code).toBe('UNSUPPORTED_MEDIA_TYPE')

    expect(await poll(srv, code.device_code)).toEqual({
      status: 400,
      body: { error: 'authorization_pending', error_description: 'Authorization pending' },
    })
    expect(await poll(srv, code.device_code)).toEqual({
      status: 400,
      body: { error: 'slow_down', error_description: 'Polling too frequently' },
    })
    // The first-party /device/token endpoint refuses OAuth-client codes.
    const firstParty = await postJson(`${srv.baseUrl}/device/token`, {
      grant_type: GRANT_TYPE,
      device_code: code.device_code,
      client_id: srv.clientId,
    })
    expect(firstParty.status).toBe(400)
    expect(firstParty.body.error).toBe('invalid_grant')

    const user = await srv.signUp('Ada')
    await srv.approve(code.user_code, user.token)

    const granted = await pollUntilSettled(srv, code)
    expect(granted.status).toBe(200)
    expect(granted.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: ALL_SCOPES })
    expect(typeof granted.body.access_token).toBe('string')
    expect(typeof granted.body.refresh_token).toBe('string')
    expect(typeof granted.body.id_token).toBe('string')

    const { header, payload } = await verifyJwt(`${srv.baseUrl}/jwks`, String(granted.body.id_token))
    expect(header.alg).toBe('EdDSA')
    expect(payload).toMatchObject({ iss: srv.issuer, aud: srv.clientId, sub: user.userId })

    const info = await fetch(`${srv.baseUrl}/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${String(granted.body.access_token)}` },
    }).then(reply)
    expect(info).toEqual({
      status: 200,
      body: { sub: user.userId, name: 'Ada', email: user.email, email_verified: false },
    })

    const refreshed = await postForm(`${srv.baseUrl}/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(granted.body.refresh_token),
      client_id: srv.clientId,
    })
    expect(refreshed.status).toBe(200)
    expect(refreshed.body).toMatchObject({ token_type: 'Bearer', scope: ALL_SCOPES })
    expect(refreshed.body.refresh_token).not.toBe(granted.body.refresh_token)

    // The device code is single-use.
    await sleep(code.interval * 1000 + 100)
    expect(await poll(srv, code.device_code)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid device code' },
    })
  })

  it('omits the refresh token without offline_access and the ID token without openid', async () => {
    const user = await srv.signUp()
    const openid = await requestCode(srv, 'openid')
    await srv.approve(openid.user_code, user.token)
    const a = await pollUntilSettled(srv, openid)
    expect(a.status).toBe(200)
    expect(a.body.scope).toBe('openid')
    expect(typeof a.body.id_token).toBe('string')
    expect(a.body.refresh_token).toBeUndefined()

    const none = await requestCode(srv)
    await srv.approve(none.user_code, user.token)
    const b = await pollUntilSettled(srv, none)
    expect(b.status).toBe(200)
    expect(b.body.scope).toBe('')
    expect(b.body.id_token).toBeUndefined()
    expect(b.body.refresh_token).toBeUndefined()
  })

  it('answers access_denied after the user denies, then invalid_grant', async () => {
    const code = await requestCode(srv, 'openid')
    const user = await srv.signUp()
    await srv.deny(code.user_code, user.token)
    expect(await pollUntilSettled(srv, code)).toEqual({
      status: 400,
      body: { error: 'access_denied', error_description: 'Access denied' },
    })
    await sleep(code.interval * 1000 + 100)
    expect((await poll(srv, code.device_code)).body.error).toBe('invalid_grant')
  })

  it('rejects unknown clients and scopes at the device authorization endpoint', async () => {
    expect(await postForm(`${srv.baseUrl}/device/code`, { client_id: 'nope', scope: 'openid' })).toEqual({
      status: 400,
      body: { error: 'invalid_client', error_description: 'Invalid client ID' },
    })
    expect(await postForm(`${srv.baseUrl}/device/code`, { client_id: srv.clientId, scope: 'openid admin' })).toEqual({
      status: 400,
      body: { error: 'invalid_scope', error_description: 'client does not allow scope admin' },
    })
  })

  it('serves the client name and logo at /oauth2/public-client to signed-in users only', async () => {
    // The old oidcProvider route does not exist in oauth-provider.
    expect((await fetch(`${srv.baseUrl}/oauth2/client/${srv.clientId}`)).status).toBe(404)

    const url = `${srv.baseUrl}/oauth2/public-client?client_id=${encodeURIComponent(srv.clientId)}`
    expect(await fetch(url).then(reply)).toEqual({ status: 401, body: { message: 'Unauthorized', code: 'UNAUTHORIZED' } })

    const user = await srv.signUp()
    expect(await fetch(url, { headers: { authorization: `Bearer ${user.token}` } }).then(reply)).toEqual({
      status: 200,
      body: { client_id: srv.clientId, client_name: srv.clientName, logo_uri: srv.clientLogoUri, redirect_uris: [] },
    })
  })

  it('registers a device client dynamically (open registration) that can then start the flow', async () => {
    const metadata = {
      client_name: 'DCR TV',
      token_endpoint_auth_method: 'none',
      grant_types: [GRANT_TYPE, 'refresh_token'],
      application_type: 'native',
    }
    const registered = await postJson(`${srv.baseUrl}/oauth2/register`, metadata)
    expect(registered.status).toBe(201)
    expect(registered.body).toMatchObject({ ...metadata, scope: ALL_SCOPES, redirect_uris: [] })
    expect(registered.body.client_secret).toBeUndefined()
    const clientId = String(registered.body.client_id)
    await requestCode(srv, 'openid', clientId)

    // Without grant_types the default is authorization_code, which needs redirect_uris.
    expect(await postJson(`${srv.baseUrl}/oauth2/register`, { client_name: 'x', token_endpoint_auth_method: 'none' })).toEqual({
      status: 400,
      body: {
        error: 'invalid_redirect_uri',
        error_description: 'Redirect URIs are required for authorization_code and implicit grant types',
      },
    })
    // JSON only.
    const form = await postForm(`${srv.baseUrl}/oauth2/register`, { client_name: 'x' })
    expect(form.status).toBe(415)
  })

  it('requires a session for registration when unauthenticated registration is off, and 403s when disabled', async () => {
    const metadata = { client_name: 'DCR TV', token_endpoint_auth_method: 'none', grant_types: [GRANT_TYPE] }
    const authed = await startBetterAuthOidcServer({ registration: 'authenticated' })
    try {
      const anon = await fetch(`${authed.baseUrl}/oauth2/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(metadata),
      })
      expect(anon.status).toBe(401)
      expect(anon.headers.get('www-authenticate')).toBe('Bearer')
      expect(await anon.json()).toEqual({ error_description: 'Authentication required for client registration' })

      const user = await authed.signUp()
      const ok = await postJson(`${authed.baseUrl}/oauth2/register`, metadata, { authorization: `Bearer ${user.token}` })
      expect(ok.status).toBe(201)
      expect(ok.body.user_id).toBe(user.userId)
    } finally {
      await authed.close()
    }

    const disabled = await startBetterAuthOidcServer({ registration: 'disabled' })
    try {
      expect(await postJson(`${disabled.baseUrl}/oauth2/register`, metadata)).toEqual({
        status: 403,
        body: { error: 'access_denied', error_description: 'Client registration is disabled' },
      })
    } finally {
      await disabled.close()
    }
  })

  it('answers expired_token once the device code has expired, then invalid_grant', async () => {
    const short = await startBetterAuthOidcServer({ expiresIn: 1, interval: 1 })
    try {
      const code = await requestCode(short, 'openid')
      expect(code).toMatchObject({ expires_in: 1, interval: 1 })
      expect(await pollUntilSettled(short, code)).toEqual({
        status: 400,
        body: { error: 'expired_token', error_description: 'Device code has expired' },
      })
      expect((await poll(short, code.device_code)).body.error).toBe('invalid_grant')
    } finally {
      await short.close()
    }
  })
})
