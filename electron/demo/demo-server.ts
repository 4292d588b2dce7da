/**
 * Linkscreen's built-in demo provider: an embedded, real OpenID Connect
 * authorization server (oidc-provider 9) with the RFC 8628 device flow, for
 * people who have nothing configured yet.
 *
 * A person opens the verification page (usually by scanning a QR code with a
 * phone), enters or confirms the user code, types ANY name (there is no
 * password) and approves or denies. Everything lives in memory and is gone
 * when the server closes.
 *
 * Things oidc-provider 9 does not do on its own, and what the demo adds
 * (see `pollingMiddleware` in ./polling.ts):
 *  - The device authorization response has NO `interval` member (so RFC 8628
 *    clients fall back to 5 s) and there is no option for it. We add
 *    `interval` with a Koa middleware registered through `provider.use`.
 *  - `slow_down` is defined in oidc-provider's error list but never raised.
 *    The same middleware turns an `authorization_pending` answer into
 *    `slow_down` when the same device_code was polled less than `interval`
 *    seconds ago, so enforcement matches what is advertised.
 *
 * Routing: one node:http server; `/interaction/<uid>` is served by
 * ./interaction.ts (name + Approve/Deny page), everything else by
 * `provider.callback()`.
 *
 * This file composes the server; HTML lives in ./pages.ts, in-memory state in
 * ./store.ts and HTTP helpers in ./http-util.ts.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider, { interactionPolicy } from 'oidc-provider'
import type { Client, Configuration, JWK, Middleware } from 'oidc-provider'
import { isRecord, outerMiddleware, requestRefusal, sendForbidden, sendHtml } from './http-util'
import { createInteractionHandler, describeFailure } from './interaction'
import { codeInputMessage, codeInputPage, confirmPage, deniedPage, errorPage, formValue, page, renderInto, successPage } from './pages'
import { generateDemoJwks } from './keys'
import { DEVICE_CODE_GRANT, pollingMiddleware } from './polling'
import { AccountBook, MemoryStore } from './store'

export { DEMO_EMAIL_DOMAIN, slugForName } from './store'

/** A running demo provider. */
export interface DemoServer {
  /** Issuer identifier, e.g. `http://127.0.0.1:PORT`; discovery lives at `issuer + '/.well-known/openid-configuration'`. */
  issuer: string
  /** The one registered client: `'linkscreen-demo'`, public (no secret), device_code + refresh_token grants. */
  clientId: string
  /** The oidc-provider instance and the account book, for in-process tooling (the benchmark); never exposed over HTTP. */
  readonly internals: { readonly provider: Provider; readonly accounts: AccountBook }
  /** Stops listening and closes every open socket so the process can exit. */
  close(): Promise<void>
}

/** Options for {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Interface to bind. Default `'127.0.0.1'`. */
  host?: string
  /** Port to bind. Default `0` (a free port). */
  port?: number
  /** Device code / user code lifetime in whole seconds (`ttl.DeviceCode`). Default 600. */
  deviceCodeTtlSeconds?: number
  /** Polling interval in whole seconds, advertised as `interval` AND enforced with `slow_down`. Default 5. */
  intervalSeconds?: number
  /** When true, write nothing to the console. */
  quiet?: boolean
  /** A Koa middleware run before all others (the benchmark logs token requests with it). */
  middleware?: Middleware
  /** The listen backlog: a benchmark opens a thousand connections at once. */
  backlog?: number
  /** Access token lifetime in whole seconds (`ttl.AccessToken`). Default 3600 (tests of refresh make it short). */
  accessTokenTtlSeconds?: number
  /** How long past its expiry the server still accepts a token, in seconds (oidc-provider's `clockTolerance`). Default 15. */
  clockToleranceSeconds?: number
  /**
   * Whether a refresh hands out a new refresh token and retires the old one. Default: oidc-provider's
   * own rule (always for a public client such as the demo client).
   */
  rotateRefreshTokens?: boolean
  /**
   * The signing keys (private JWKs). Default: a fresh RSA key (`generateDemoJwks` in ./keys.ts).
   * Tests that forge tokens bring their own; `lazyDemo` brings one it started generating first.
   */
  jwks?: { keys: JWK[] }
}

/** The demo client's id. */
export const DEMO_CLIENT_ID = 'linkscreen-demo'
const DEMO_CLIENT_NAME = 'Linkscreen (demo)'

const SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const
const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})$/

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive whole number, got ${value}`)
  return value
}

function issuerFor(host: string, port: number): string {
  // A wildcard bind address is not something a browser can open.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`
}

// ---------------------------------------------------------------------------

/**
 * Starts the demo provider and resolves once it is listening.
 *
 * Endpoints (oidc-provider defaults): discovery `/.well-known/openid-configuration`,
 * device authorization `/device/auth`, verification page `/device`, token
 * `/token`, userinfo `/me`, JWKS `/jwks`, revocation `/token/revocation`.
 */
export async function startDemoServer(opts: DemoServerOptions = {}): Promise<DemoServer> {
  const host = opts.host ?? '127.0.0.1'
  const port = opts.port ?? 0
  const deviceCodeTtlSeconds = positiveInteger(opts.deviceCodeTtlSeconds ?? 600, 'deviceCodeTtlSeconds')
  const intervalSeconds = positiveInteger(opts.intervalSeconds ?? 5, 'intervalSeconds')
  const quiet = opts.quiet ?? false

  const accounts = new AccountBook()
  const store = new MemoryStore()
  const accessTokenTtlSeconds = positiveInteger(opts.accessTokenTtlSeconds ?? 60 * 60, 'accessTokenTtlSeconds')
  const jwks = opts.jwks ?? (await generateDemoJwks())

  // Bind first: the issuer must contain the real port. Requests that arrive
  // before the provider exists get a 503.
  let dispatch: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server: Server = createServer((req, res) => {
    if (dispatch) dispatch(req, res)
    else res.writeHead(503, { 'retry-after': '1' }).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, opts.backlog ?? 511, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const issuer = issuerFor(host, address.port)
  const issuerOrigin = new URL(issuer).origin

  // Only one client is registered, so its name is the right fallback where
  // oidc-provider has not loaded the client (e.g. the denied page).
  const clientNameOf = (client: Client | undefined): string => client?.clientName ?? client?.clientId ?? DEMO_CLIENT_NAME

  // Every device sign-in asks for a name and a decision, even if this browser
  // already has an OP session from an earlier sign-in.
  const policy = interactionPolicy.base()
  policy.get('login')?.checks.add(
    new interactionPolicy.Check(
      'demo_always_ask',
      'the demo provider asks for a name and a decision on every sign-in',
      (ctx) => (ctx.oidc?.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT),
    ),
  )

  const configuration: Configuration = {
    adapter: (model) => store.adapterFor(model),
    clients: [
      {
        client_id: DEMO_CLIENT_ID,
        client_name: DEMO_CLIENT_NAME,
        application_type: 'native',
        grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'none',
      },
    ],
    scopes: [...SCOPES],
    // Only the code flow remains on /auth (unused by the demo client); this
    // keeps 'implicit' out of grant_types_supported.
    responseTypes: ['code'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx, sub) => accounts.find(sub),
    // The TV's tokens must not die with the phone browser's session.
    expiresWithSession: () => false,
    // Always for clients allowed the refresh_token grant (the demo client is):
    // a TV should stay signed in whether or not it asked for offline_access.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ...(opts.rotateRefreshTokens === undefined ? {} : { rotateRefreshToken: opts.rotateRefreshTokens }),
    ...(opts.clockToleranceSeconds === undefined ? {} : { clockTolerance: opts.clockToleranceSeconds }),
    // Browser-based callers (e.g. a dev renderer) may only come from loopback origins.
    clientBasedCORS: (_ctx, origin) => /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin),
    cookies: {
      keys: [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')],
      // Plain http on loopback: no `secure` flag (oidc-provider's defaults set none).
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    jwks,
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      IdToken: 60 * 60,
      RefreshToken: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
      DeviceCode: deviceCodeTtlSeconds,
      Interaction: Math.max(deviceCodeTtlSeconds, 10 * 60),
      Session: 60 * 60,
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    renderError: async (ctx, out) => {
      renderInto(ctx, errorPage('The request could not be completed.', [out.error, out.error_description].filter(Boolean).join(': ')))
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        // A public client may revoke its own tokens only.
        allowedPolicy: (ctx, client, token) => token.clientId === client.clientId,
      },
      // Kept on (with our own pages): oidc-provider uses end_session to switch
      // accounts when a browser that is still signed in as A approves as B.
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          renderInto(ctx, page('logout', 'Sign out', `<h1>Sign out of the demo provider?</h1>
${form}
<button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign out</button>
<button class="plain" type="submit" form="op.logoutForm">No, stay signed in</button>`))
        },
        postLogoutSuccessSource: async (ctx) => {
          renderInto(ctx, page('logged-out', 'Signed out', `<h1>You're signed out</h1><p class="muted">You can close this page.</p>`))
        },
      },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        userCodeInputSource: async (ctx, form, out, err) => {
          const action = formValue(form, /\baction="([^"]+)"/, 'the form action')
          const xsrf = formValue(form, /name="xsrf" value="([^"]*)"/, 'the xsrf field')
          if (err instanceof Error && err.name === 'AbortedError') {
            // Denied on our page, or "No, cancel" on the confirm page.
            renderInto(ctx, deniedPage(clientNameOf(ctx.oidc?.client)))
            return
          }
          const typed = isRecord(err) && typeof err.userCode === 'string' ? err.userCode : undefined
          renderInto(ctx, codeInputPage(action, xsrf, codeInputMessage(err, out, ctx.oidc?.route), typed))
        },
        userCodeConfirmSource: async (ctx, form, client, _deviceInfo, userCode) => {
          const action = formValue(form, /\baction="([^"]+)"/, 'the form action')
          const xsrf = formValue(form, /name="xsrf" value="([^"]*)"/, 'the xsrf field')
          renderInto(ctx, confirmPage(action, xsrf, clientNameOf(client), userCode))
        },
        successSource: async (ctx) => {
          const accountId = ctx.oidc?.session?.accountId
          const name = accountId === undefined ? undefined : accounts.get(accountId)?.name
          renderInto(ctx, successPage(clientNameOf(ctx.oidc?.client), name))
        },
      },
    },
  }

  let provider: Provider
  try {
    provider = new Provider(issuer, configuration)
  } catch (error) {
    // A configuration error must not leave a listening socket behind.
    server.close()
    server.closeAllConnections()
    throw error
  }
  provider.proxy = false
  if (opts.middleware) provider.use(opts.middleware)
  provider.use(outerMiddleware(quiet))
  provider.use(pollingMiddleware(intervalSeconds, deviceCodeTtlSeconds))
  if (!quiet) {
    provider.on('server_error', (_ctx, error) => {
      console.error('[demo provider] server error:', error)
    })
  }

  const handleInteraction = createInteractionHandler({
    provider,
    accounts,
    issuerOrigin,
    clientNameOf,
    defaultClientId: DEMO_CLIENT_ID,
    supportedScopes: SCOPES,
  })

  const oidcCallback = provider.callback()
  const boundHost = new URL(issuer).hostname.replace(/^\[|\]$/g, '')
  dispatch = (req, res) => {
    // DNS rebinding and cross-site form posts are refused before oidc-provider sees them.
    const refusal = requestRefusal(req, boundHost, address.port)
    if (refusal !== undefined) {
      sendForbidden(res, refusal)
      return
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const match = INTERACTION_PATH.exec(path)
    if (!match?.[1]) {
      oidcCallback(req, res)
      return
    }
    handleInteraction(req, res, match[1]).catch((error: unknown) => {
      const failure = describeFailure(error)
      if (failure.status >= 500 && !quiet) console.error('[demo provider] interaction error:', error)
      if (res.headersSent) {
        res.destroy()
        return
      }
      sendHtml(res, failure.status, errorPage(failure.message, failure.detail))
    })
  }

  if (!quiet) {
    console.log(`[demo provider] listening at ${issuer} (client_id ${DEMO_CLIENT_ID}; any name signs in; memory only)`)
  }

  let closing: Promise<void> | undefined
  return {
    issuer,
    clientId: DEMO_CLIENT_ID,
    internals: { provider, accounts },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
      return closing
    },
  }
}
