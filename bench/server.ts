/**
 * Bench server: the demo provider (`electron/demo/demo-server.ts`: oidc-provider 9, interval
 * advertised AND enforced with `slow_down`) started in-process, with:
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
import type { Middleware } from 'oidc-provider'
import { DEVICE_CODE_GRANT } from '../electron/demo/polling'
import { startDemoServer } from '../electron/demo/demo-server'

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


export async function startBenchServer(opts: BenchServerOptions): Promise<BenchServer> {
  const { intervalSeconds, deviceCodeTtlSeconds } = opts
  const codes = new Map<string, CodeLog>()
  const deviceCodeByUserCode = new Map<string, string>()
  let serverErrors = 0

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

  // The demo provider itself, with a large accept backlog (the kernel caps it at
  // net.core.somaxconn): N=1000 clients connect at once, and a dropped SYN costs a 1 s
  // retransmit, which is not what the bench measures.
  const demo = await startDemoServer({ intervalSeconds, deviceCodeTtlSeconds, quiet: true, middleware: logMiddleware, backlog: 4096 })
  const { provider, accounts } = demo.internals
  provider.on('server_error', () => {
    serverErrors += 1
  })
  const models = provider as unknown as ProviderModels

  const bench: BenchServer = {
    issuer: demo.issuer,
    clientId: demo.clientId,
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
    close: () => demo.close(),
  }
  return bench
}
