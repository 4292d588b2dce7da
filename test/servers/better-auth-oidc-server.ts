/**
 * Test harness: a REAL better-auth 1.7 OAuth 2.1 / OpenID Connect provider
 * (`@better-auth/oauth-provider`'s `oauthProvider()` + `oauthDeviceAuthorization()`,
 * with the jwt and bearer plugins, in-memory database) served in-process on
 * 127.0.0.1 with node:http.
 *
 * Unlike the first-party device plugin (see better-auth-server.ts), codes issued
 * here belong to a registered OAuth client and are redeemed at the standard
 * token endpoint for a real OAuth token set:
 *   GET  {issuer}/.well-known/openid-configuration   (issuer === baseUrl)
 *   POST {baseUrl}/device/code    form or JSON {client_id, scope}  -> device_code, user_code, ...
 *   POST {baseUrl}/oauth2/token   form only (JSON -> 415) {grant_type, device_code, client_id}
 *   GET  {baseUrl}/oauth2/userinfo   Authorization: Bearer <access_token>
 *   GET  {baseUrl}/jwks           ID token verification keys (EdDSA by default)
 * The user side goes through the device plugin's own HTTP API, as its
 * verification page would:
 *   GET  {baseUrl}/device?user_code=...  (Bearer session) claims the code for the user
 *   POST {baseUrl}/device/approve | /device/deny  (Bearer session, JSON {userCode})
 * Clients:
 *   GET  {baseUrl}/oauth2/public-client?client_id=...  (Bearer session; 401 without) -> {client_id, client_name, logo_uri, ...}
 *   POST {baseUrl}/oauth2/register  JSON RFC 7591 metadata -> 201 (see `registration`)
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { betterAuth } from 'better-auth'
import type { BetterAuthPlugin } from 'better-auth'
import { memoryAdapter } from 'better-auth/adapters/memory'
import { toNodeHandler } from 'better-auth/node'
import { bearer } from 'better-auth/plugins/bearer'
import { jwt } from 'better-auth/plugins/jwt'
import { DEVICE_CODE_GRANT_TYPE, oauthDeviceAuthorization, oauthProvider } from '@better-auth/oauth-provider'
import { betterAuthApi } from './better-auth-api'

export interface BetterAuthOidcServer {
  /** better-auth basePath URL, e.g. http://127.0.0.1:PORT/api/auth */
  baseUrl: string
  /** OIDC issuer; `${issuer}/.well-known/openid-configuration` is the discovery document. Equals baseUrl. */
  issuer: string
  /** A registered public client (token_endpoint_auth_method "none") allowed the device_code and refresh_token grants. */
  clientId: string
  /** The registered client's `client_name`. */
  clientName: string
  /** The registered client's `logo_uri`. */
  clientLogoUri: string
  /** Sign up (email+password) a fresh user and return its session token usable as `Authorization: Bearer <token>` */
  signUp(name?: string): Promise<{ token: string; userId: string; email: string; name: string }>
  /** Claim (GET /device?user_code=) then approve the user code as the given user; throws on any non-2xx. */
  approve(userCode: string, sessionToken: string): Promise<void>
  /** Claim (GET /device?user_code=) then deny the user code as the given user; throws on any non-2xx. */
  deny(userCode: string, sessionToken: string): Promise<void>
  close(): Promise<void>
}

export interface BetterAuthOidcServerOptions {
  /** Device code lifetime in seconds. Default 300. */
  expiresIn?: number
  /** Minimum polling interval in seconds (polling faster answers `slow_down`). Default 1. */
  interval?: number
  /**
   * Dynamic client registration (RFC 7591) at POST {baseUrl}/oauth2/register:
   * - "unauthenticated" (default): open registration (allowDynamicClientRegistration + allowUnauthenticatedClientRegistration)
   * - "authenticated": a signed-in user's session (Bearer) is required (allowDynamicClientRegistration only)
   * - "disabled": 403 access_denied
   */
  registration?: 'unauthenticated' | 'authenticated' | 'disabled'
}

type DeviceOptions = NonNullable<Parameters<typeof oauthDeviceAuthorization>[0]>
type TimeString = NonNullable<DeviceOptions['expiresIn']>

const CLIENT_NAME = 'Linkscreen Test TV'
/** Fixed, high-entropy test secret (never used outside tests). */
const SECRET = 'linkscreen-test-secret-0d4b8e2f6a1c3e5b7d9f1a3c5e7b9d2f'

function seconds(value: number): TimeString {
  return `${value}s` as TimeString
}

export async function startBetterAuthOidcServer(opts: BetterAuthOidcServerOptions = {}): Promise<BetterAuthOidcServer> {
  // Bind first so that baseURL can be the real bound URL; the handler is installed right after.
  let handle: ReturnType<typeof toNodeHandler> | undefined
  const server = createServer((req, res) => {
    if (handle) return void handle(req, res)
    res.writeHead(503).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const baseUrl = `${origin}/api/auth`
  const clientLogoUri = `${origin}/static/linkscreen-tv.png`
  const registration = opts.registration ?? 'unauthenticated'

  const auth = betterAuth({
    baseURL: origin,
    basePath: '/api/auth',
    secret: SECRET,
    // The memory adapter throws on lookups in missing tables, so pre-create every model
    // (core + jwt + oauth-provider + device-authorization schemas).
    database: memoryAdapter({
      user: [],
      session: [],
      account: [],
      verification: [],
      jwks: [],
      deviceCode: [],
      oauthClient: [],
      oauthResource: [],
      oauthClientResource: [],
      oauthRefreshToken: [],
      oauthAccessToken: [],
      oauthConsent: [],
      oauthClientAssertion: [],
    }),
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    logger: { level: 'error' },
    plugins: [
      bearer(),
      jwt(),
      // Cast: the plugin's declared OpenAPI metadata (`format?: undefined` ...) is not assignable to
      // BetterAuthPlugin under exactOptionalPropertyTypes; the runtime object is a plain plugin.
      oauthProvider({
        // Only used by the authorization-code flow's redirects (never exercised here).
        loginPage: `${origin}/login`,
        consentPage: `${origin}/consent`,
        allowDynamicClientRegistration: registration !== 'disabled',
        allowUnauthenticatedClientRegistration: registration === 'unauthenticated',
        rateLimit: { token: false, authorize: false, introspect: false, revoke: false, register: false, userinfo: false },
      }) as unknown as BetterAuthPlugin,
      oauthDeviceAuthorization({
        expiresIn: seconds(opts.expiresIn ?? 300),
        interval: seconds(opts.interval ?? 1),
        verificationUri: `${origin}/device`,
      }),
    ],
  })
  handle = toNodeHandler(auth)

  const { call, postJson, signUp, decide } = betterAuthApi(baseUrl, origin)

  try {
    // Register the test client through the server's own HTTP API (POST /oauth2/create-client),
    // owned by a dedicated user: client creation requires a session, even through the server-only
    // admin API (auth.api.adminCreateOAuthClient).
    const owner = await signUp('Client Owner')
    const client = (await call(
      'POST /oauth2/create-client',
      '/oauth2/create-client',
      postJson(
        {
          client_name: CLIENT_NAME,
          logo_uri: clientLogoUri,
          token_endpoint_auth_method: 'none',
          grant_types: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'],
          scope: 'openid profile email offline_access',
          application_type: 'native',
        },
        owner.token,
      ),
    )) as { client_id: string }

    return {
      baseUrl,
      issuer: baseUrl,
      clientId: client.client_id,
      clientName: CLIENT_NAME,
      clientLogoUri,
      signUp,
      approve: (userCode, sessionToken) => decide('approve', userCode, sessionToken),
      deny: (userCode, sessionToken) => decide('deny', userCode, sessionToken),
      close: () =>
        new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()))
          server.closeAllConnections()
        }),
    }
  } catch (err) {
    server.closeAllConnections()
    server.close()
    throw err
  }
}
