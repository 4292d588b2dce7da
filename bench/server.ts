/**
 * Bench server: a minimal equivalent of `electron/demo/demo-server.ts` for `bench/engine.ts`.
 *
 * Why not `startDemoServer` itself: it does not expose its `Provider`, and the bench needs the
 * provider in-process (to approve codes through the model API and to add a logging middleware
 * in front of everything). So this file builds the same oidc-provider 9 setup — same client,
 * scopes, claims, TTLs, device-flow charset/mask, refresh-token policy, and the demo's own
 * `pollingMiddleware` (interval advertised AND enforced with `slow_down`, 250 ms tolerance)
 * and `MemoryStore` adapter — minus the browser pages, which the bench never uses.
 *
 * Additions:
 *  - a Koa middleware registered FIRST (outermost, before the demo's polling middleware) that
 *    logs, per device code, when it was issued and the arrival time and answer of every token
 *    request (`BenchServer.codes`);
 *  - `approve(userCode, name)`: what oidc-provider's own device flow does when a person submits
 *    the user code (`code_verification` POST: `inFlight = true`) and then finishes the
 *    interaction (`device_resume` → `deviceUserFlowResponse` in
 *    node_modules/oidc-provider/lib/actions/authorization/device.js), done directly on the
 *    `DeviceCode` and `Grant` models.
 *
 * Loopback only; everything lives in memory.
 */
import { generateKeyPair, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import Provider from 'oidc-provider'
import type { Configuration, JWK, Middleware } from 'oidc-provider'
import { DEVICE_CODE_GRANT, pollingMiddleware } from '../electron/demo/polling'
import { AccountBook, MemoryStore } from '../electron/demo/store'

export const BENCH_CLIENT_ID = 'linkscreen-bench'
const SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const

/** One token request as the server saw it. */
export interface TokenRequestLog {
  /** Arrival, `Date.now()` (comparable with the client process's `Date.now()`). */
  readonly at: number
  /** Arrival, `performance.now()` of this process (for gaps). */
  readonly mono: number
  /** 'authorization_pending' | 'slow_down' | 'token' | any other OAuth error code | 'http_<status>'. */
  readonly outcome: string
}

/** Everything the server knows about one device code. */
export interface CodeLog {
  readonly deviceCode: string
  /** As sent to the client (masked, e.g. `BCDF-GHJK`). */
  readonly userCode: string
  /** `Date.now()` when the device authorization response was produced. */
  readonly issuedAt: number
  readonly tokenRequests: TokenRequestLog[]
}

export interface BenchServer {
  readonly issuer: string
  readonly clientId: string
  /** Per device code, in issue order. */
  readonly codes: Map<string, CodeLog>
  /** Device code for a user code as sent (masked). */
  readonly deviceCodeByUserCode: Map<string, string>
  /** Called synchronously when a device authorization response is produced. */
  onIssued?: (log: CodeLog) => void
  /** Errors oidc-provider reported as `server_error` (should stay 0). */
  readonly serverErrors: () => number
  /**
   * Approves the code as a person named `name` would through the verification page, granting
   * the requested scopes. Resolves with the account id (`sub`) once the code is saved.
   */
  approve(userCode: string, name: string): Promise<string>
  close(): Promise<void>
}

export interface BenchServerOptions {
  intervalSeconds: number
  deviceCodeTtlSeconds: number
}

/** oidc-provider's own user-code normalization (lib/helpers/user_codes.js). */
function normalizeUserCode(input: string): string {
  return input.replace(/[a-z]/g, (c) => c.toUpperCase()).replace(/\W/g, '')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The parts of oidc-provider's DeviceCode / Grant models `approve` uses (the local .d.ts is minimal). */
interface DeviceCodeModel {
  clientId: string
  params?: { scope?: unknown }
  isExpired: boolean
  error?: string
  accountId?: string
  inFlight?: boolean
  authTime?: number
  grantId?: string
  scope?: string
  save(): Promise<string>
}
interface GrantModel {
  addOIDCScope(scope: string): void
  getOIDCScopeFiltered(filter: Set<string>): string
  save(): Promise<string>
}
interface ProviderModels {
  DeviceCode: { findByUserCode(userCode: string, options: { ignoreExpiration: boolean }): Promise<DeviceCodeModel | undefined> }
  Grant: new (init: { accountId: string; clientId: string }) => GrantModel
}

async function generateJwks(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 })
  const jwk = privateKey.export({ format: 'jwk' })
  return { keys: [{ ...jwk, kty: 'RSA', kid: `bench-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' }] }
}

export async function startBenchServer(opts: BenchServerOptions): Promise<BenchServer> {
  const { intervalSeconds, deviceCodeTtlSeconds } = opts
  const accounts = new AccountBook()
  const store = new MemoryStore()
  const jwks = await generateJwks()
  const codes = new Map<string, CodeLog>()
  const deviceCodeByUserCode = new Map<string, string>()
  let serverErrors = 0

  let dispatch: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server: Server = createServer((req, res) => {
    if (dispatch) dispatch(req, res)
    else res.writeHead(503, { 'retry-after': '1' }).end()
  })
  // A large accept backlog (the kernel caps it at net.core.somaxconn): N=1000 clients open
  // their connections at once, and a dropped SYN costs a 1 s retransmit, which is not what
  // the bench measures.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', 4096, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const configuration: Configuration = {
    adapter: (model) => store.adapterFor(model),
    clients: [
      {
        client_id: BENCH_CLIENT_ID,
        client_name: 'Linkscreen (bench)',
        application_type: 'native',
        grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'none',
      },
    ],
    scopes: [...SCOPES],
    responseTypes: ['code'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx, sub) => accounts.find(sub),
    expiresWithSession: () => false,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks,
    ttl: {
      AccessToken: 60 * 60,
      IdToken: 60 * 60,
      RefreshToken: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
      DeviceCode: deviceCodeTtlSeconds,
      Interaction: Math.max(deviceCodeTtlSeconds, 10 * 60),
      Session: 60 * 60,
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      deviceFlow: { enabled: true, charset: 'base-20', mask: '****-****' },
    },
  }

  const provider = new Provider(issuer, configuration)
  provider.proxy = false
  provider.on('server_error', () => {
    serverErrors += 1
  })

  // Outermost: sees the arrival before anything else runs, and the final answer after the
  // demo's polling middleware has (possibly) turned `authorization_pending` into `slow_down`.
  const logMiddleware: Middleware = async (ctx, next) => {
    const at = Date.now()
    const mono = performance.now()
    await next()
    const oidc = ctx.oidc
    if (!oidc) return
    if (oidc.route === 'device_authorization') {
      const body = ctx.body
      if (ctx.status === 200 && isRecord(body) && typeof body.device_code === 'string' && typeof body.user_code === 'string') {
        const log: CodeLog = { deviceCode: body.device_code, userCode: body.user_code, issuedAt: Date.now(), tokenRequests: [] }
        codes.set(log.deviceCode, log)
        deviceCodeByUserCode.set(log.userCode, log.deviceCode)
        bench.onIssued?.(log)
      }
      return
    }
    if (oidc.route !== 'token' || oidc.params?.grant_type !== DEVICE_CODE_GRANT) return
    const deviceCode = oidc.params.device_code
    if (typeof deviceCode !== 'string') return
    const body = ctx.body
    const outcome =
      ctx.status === 200 ? 'token' : isRecord(body) && typeof body.error === 'string' ? body.error : `http_${ctx.status}`
    const log = codes.get(deviceCode)
    if (log) log.tokenRequests.push({ at, mono, outcome })
    else codes.set(deviceCode, { deviceCode, userCode: '?', issuedAt: Number.NaN, tokenRequests: [{ at, mono, outcome }] })
  }
  provider.use(logMiddleware)
  provider.use(pollingMiddleware(intervalSeconds, deviceCodeTtlSeconds))
  const callback = provider.callback()
  dispatch = (req, res) => callback(req, res)

  const models = provider as unknown as ProviderModels

  let closing: Promise<void> | undefined
  const bench: BenchServer = {
    issuer,
    clientId: BENCH_CLIENT_ID,
    codes,
    deviceCodeByUserCode,
    serverErrors: () => serverErrors,
    async approve(userCode, name) {
      const account = accounts.signIn(name)
      // code_verification POST (lib/actions/code_verification.js): find, check, mark in flight.
      const code = await models.DeviceCode.findByUserCode(normalizeUserCode(userCode), { ignoreExpiration: true })
      if (!code) throw new Error(`approve ${userCode}: no such code`)
      if (code.isExpired) throw new Error(`approve ${userCode}: expired`)
      if (code.error || code.accountId || code.inFlight) throw new Error(`approve ${userCode}: already used`)
      code.inFlight = true
      await code.save()
      // The interaction's login + consent: a Grant with the requested (already filtered) scopes.
      const requested = new Set(typeof code.params?.scope === 'string' ? code.params.scope.split(' ').filter(Boolean) : [])
      const grant = new models.Grant({ accountId: account.sub, clientId: code.clientId })
      grant.addOIDCScope([...requested].filter((s) => (SCOPES as readonly string[]).includes(s)).join(' '))
      const grantId = await grant.save()
      // device_resume → deviceUserFlowResponse (lib/actions/authorization/device.js). No
      // browser session here, so no sessionUid/sid/acr/amr; claims and resource are left out
      // exactly as that code deletes them when empty; expiresWithSession is false.
      Object.assign(code, {
        accountId: account.sub,
        authTime: Math.floor(Date.now() / 1000),
        grantId,
        scope: grant.getOIDCScopeFiltered(requested),
      })
      await code.save()
      return account.sub
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
      return closing
    },
  }
  return bench
}
