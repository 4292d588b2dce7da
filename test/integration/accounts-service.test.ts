/**
 * Accounts through the flow service (what the app and `linkscreen serve` run) against REAL
 * servers: oidc-provider (the demo server) for refresh before expiry with 4 s access tokens,
 * rotation, `invalid_grant`, sign-out confirmed by the server, duplicate sign-ins merged and the
 * flow log scanned for every secret; better-auth for approving and denying another screen's
 * code from a signed-in desktop account, with wrong, expired and used codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import type { ProviderConfig } from '../../electron/core/config'
import { createBetterAuthDialect } from '../../electron/core/dialects/better-auth'
import { createHttp } from '../../electron/core/http'
import type { DeviceAuthorization, FetchLike, PollOutcome } from '../../electron/core/types'
import { startDemoServer, type DemoServer } from '../../electron/demo/demo-server'
import type { AccountView, FlowSnapshot } from '../../electron/ipc/contract'
import { FlowService, type ProviderEntry } from '../../electron/services/flow-service'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'
import { actOnDemoCode } from '../servers/demo-approve'

/** A fetch that keeps every token and device code the servers hand out, to scan for later. */
function secretCollector() {
  const secrets = new Set<string>()
  const fetchLike: FetchLike = async (url, init) => {
    const response = await fetch(url, init)
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      const body = (await response.clone().json().catch(() => null)) as Record<string, unknown> | null
      for (const key of ['access_token', 'refresh_token', 'id_token', 'device_code']) if (typeof body?.[key] === 'string') secrets.add(body[key] as string)
    }
    return response
  }
  return { secrets, fetch: fetchLike }
}

function service(entries: ProviderEntry[], fetchLike: FetchLike, refreshLead?: (ms: number) => number) {
  return new FlowService({
    providers: entries,
    deps: { http: createHttp({ fetch: fetchLike, clock: systemClock }), clock: systemClock },
    renewals: 0,
    ...(refreshLead === undefined ? {} : { refreshLead }),
  })
}

const entry = (config: ProviderConfig, name: string): ProviderEntry => ({ view: { id: config.id, name, dialect: config.dialect, builtIn: false }, resolve: async () => config })

/** Waits (bounded) for a snapshot with `status`. */
function until(s: FlowService, status: FlowSnapshot['status'], ms = 20_000): Promise<FlowSnapshot> {
  return new Promise((resolve, reject) => {
    if (s.state().status === status) return resolve(s.state())
    const timer = setTimeout(() => (off(), reject(new Error(`no ${status} snapshot within ${ms} ms (last: ${s.state().status})`))), ms)
    const off = s.onSnapshot((snap) => {
      if (snap.status === status) {
        clearTimeout(timer)
        off()
        resolve(snap)
      }
    })
  })
}

async function pollUntil<T>(what: string, probe: () => T | undefined | false, ms = 20_000): Promise<T> {
  for (const start = Date.now(); Date.now() - start < ms; await new Promise((r) => setTimeout(r, 100))) {
    const value = probe()
    if (value !== undefined && value !== false) return value
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Signs in on the demo provider as `name` through the server's own pages (after a first poll, with `afterPoll`). */
async function demoSignIn(s: FlowService, name: string, afterPoll = false): Promise<AccountView> {
  await s.start('demo')
  const waiting = await until(s, 'waiting')
  if (afterPoll) await pollUntil('a pending poll', () => s.state().poll === 'pending')
  await actOnDemoCode({ verificationUri: String(waiting.verificationUri), userCode: String(waiting.userCode), name, decision: 'approve' })
  const done = await until(s, 'authorized')
  if (!done.account) throw new Error('no account')
  return done.account
}

const userinfo = async (server: DemoServer, token: string) => {
  const response = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })
  await response.body?.cancel()
  return response.status
}

describe('accounts against oidc-provider, through the flow service', () => {
  let server: DemoServer
  let collector: ReturnType<typeof secretCollector>
  let s: FlowService
  beforeAll(async () => {
    server = await startDemoServer({ intervalSeconds: 1, quiet: true, accessTokenTtlSeconds: 4, rotateRefreshTokens: true, clockToleranceSeconds: 0 })
    collector = secretCollector()
    const config: ProviderConfig = { id: 'demo', dialect: 'oidc', issuer: server.issuer, clientId: server.clientId, scope: 'openid profile email offline_access' }
    // Refresh 2 s before the 4 s tokens expire.
    s = service([entry(config, 'Demo')], collector.fetch, () => 2000)
  })
  afterAll(async () => {
    await s.close()
    await server.close()
  })

  it('merges a second sign-in of the same person into one account', async () => {
    const first = await demoSignIn(s, 'Grace Hopper')
    const second = await demoSignIn(s, 'Grace Hopper')
    expect(second.id).toBe(first.id)
    expect(s.listAccounts().filter((a) => a.id === first.id)).toHaveLength(1)
    await demoSignIn(s, 'Alan Turing')
    expect(s.listAccounts()).toHaveLength(2)
  })

  it('refreshes before expiry, rotating the refresh token, and the new access token works', async () => {
    const id = s.listAccounts()[0]?.id ?? ''
    const before = s.accountManager.get(id)?.tokens
    const after = await pollUntil('a refresh', () => {
      const now = s.accountManager.get(id)?.tokens
      return now && now.access_token !== before?.access_token ? now : undefined
    }, 10_000)
    expect(after.refresh_token).not.toBe(before?.refresh_token)
    expect(await userinfo(server, after.access_token)).toBe(200)
    // Before the old access token expired (4 s), it was replaced: refreshed ahead of time.
    expect((after.expires_at ?? 0) - (before?.expires_at ?? 0)).toBeGreaterThan(0)
    expect(s.listAccounts().find((a) => a.id === id)?.status).toBe('active')
  })

  it('marks an account whose refresh token the server no longer accepts, and keeps it', async () => {
    const id = s.listAccounts()[1]?.id ?? ''
    const tokens = s.accountManager.get(id)?.tokens
    // Revoke the refresh token behind the app's back (as a password change at the provider would).
    const revoked = await fetch(`${server.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: String(tokens?.refresh_token), client_id: server.clientId }),
    })
    expect(revoked.status).toBe(200)
    const result = await s.refreshAccount(id)
    expect(result).toMatchObject({ ok: false, code: 'needs_sign_in' })
    expect(s.listAccounts().find((a) => a.id === id)).toMatchObject({ status: 'needs_sign_in' })
  })

  it('signs out: the server no longer accepts the tokens, and the account is gone', async () => {
    const id = s.listAccounts()[0]?.id ?? ''
    const tokens = s.accountManager.get(id)?.tokens
    expect(await userinfo(server, String(tokens?.access_token))).toBe(200)
    expect(await s.signOut(id)).toMatchObject({ ok: true })
    expect(await userinfo(server, String(tokens?.access_token))).toBe(401)
    const refresh = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(tokens?.refresh_token), client_id: server.clientId }),
    })
    expect(refresh.status).toBe(400)
    expect(s.listAccounts().some((a) => a.id === id)).toBe(false)
  })

  it('keeps a flow log with no token, device code or secret in it', async () => {
    await demoSignIn(s, 'Log Reader', true)
    const log = s.flowLog()
    expect(log?.outcome).toBe('authorized')
    expect(log?.entries.some((e) => e.oauthError === 'authorization_pending')).toBe(true)
    const text = JSON.stringify(log)
    expect(collector.secrets.size).toBeGreaterThan(5)
    for (const secret of collector.secrets) expect(text).not.toContain(secret)
  })
})

describe('a refused access token (401) at oidc-provider', () => {
  let server: DemoServer
  let s: FlowService
  beforeAll(async () => {
    // 3 s access tokens, no grace after expiry, and no refresh ahead of time (lead of -10 min).
    server = await startDemoServer({ intervalSeconds: 1, quiet: true, accessTokenTtlSeconds: 3, clockToleranceSeconds: 0 })
    const config: ProviderConfig = { id: 'demo', dialect: 'oidc', issuer: server.issuer, clientId: server.clientId, scope: 'openid profile email offline_access' }
    s = service([entry(config, 'Demo')], fetch, () => -600_000)
  })
  afterAll(async () => {
    await s.close()
    await server.close()
  })

  it('is refreshed once, and the profile read again with the new token', async () => {
    const account = await demoSignIn(s, 'Ada Lovelace')
    const before = s.accountManager.get(account.id)?.tokens
    await new Promise((r) => setTimeout(r, 3500))
    expect(await userinfo(server, String(before?.access_token))).toBe(401)
    const updated = await s.accountManager.updateProfile(account.id)
    expect(updated).toMatchObject({ ok: true, value: { name: 'Ada Lovelace' } })
    const after = s.accountManager.get(account.id)?.tokens
    expect(after?.access_token).not.toBe(before?.access_token)
    expect(await userinfo(server, String(after?.access_token))).toBe(200)
  })
})

describe('approving another screen’s code from the desktop (better-auth)', () => {
  let server: BetterAuthServer
  let s: FlowService
  let accountId: string
  let tv: ReturnType<typeof createBetterAuthDialect>
  let shortTv: BetterAuthServer
  beforeAll(async () => {
    server = await startBetterAuthServer({ interval: 1 })
    shortTv = await startBetterAuthServer({ interval: 1, expiresIn: 2 })
    const config: ProviderConfig = { id: 'ba', dialect: 'better-auth', baseUrl: server.baseUrl, clientId: server.clientId }
    const shortConfig: ProviderConfig = { id: 'short', dialect: 'better-auth', baseUrl: shortTv.baseUrl, clientId: shortTv.clientId }
    s = service([entry(config, 'Better Auth'), entry(shortConfig, 'Short')], fetch)
    // The desktop signs in with the device flow; its approval uses a web session, as a phone would.
    const desk = await server.signUp('Desk User')
    await s.start('ba')
    const waiting = await until(s, 'waiting')
    await server.approve(String(waiting.userCode), desk.token)
    const done = await until(s, 'authorized')
    accountId = String(done.account?.id)
    expect(done.account?.canApprove).toBe(true)
    tv = createBetterAuthDialect({ id: 'ba', baseUrl: server.baseUrl, clientId: server.clientId, scope: 'openid profile' }, { http: createHttp({ fetch, clock: systemClock }), clock: systemClock })
  })
  afterAll(async () => {
    await s.close()
    await server.close()
    await shortTv.close()
  })

  async function tvPoll(code: DeviceAuthorization): Promise<PollOutcome> {
    for (let i = 0; i < 10; i++) {
      const outcome = await tv.poll(code)
      if (outcome.kind !== 'pending' && outcome.kind !== 'slow_down') return outcome
      await new Promise((r) => setTimeout(r, 1100))
    }
    throw new Error('the TV never got an answer')
  }

  it('shows what is asking, approves, and the TV signs in', async () => {
    const code = await tv.requestCode()
    const claimed = await s.claimCode(accountId, code.user_code.toLowerCase())
    expect(claimed).toMatchObject({ ok: true, value: { clientId: server.clientId, scopes: ['openid', 'profile'], approver: 'Desk User', providerName: 'Better Auth' } })
    expect(await s.decideCode(accountId, claimed.ok ? claimed.value.userCode : '', 'approve')).toEqual({ ok: true, value: null })
    expect((await tvPoll(code)).kind).toBe('authorized')
  })

  it('denies, and the TV is refused', async () => {
    const code = await tv.requestCode()
    expect(await s.decideCode(accountId, code.user_code, 'deny')).toEqual({ ok: true, value: null })
    expect((await tvPoll(code)).kind).toBe('denied')
  })

  it('says which code was wrong, used or expired', async () => {
    expect(await s.claimCode(accountId, 'ZZZZ-ZZZZ')).toMatchObject({ ok: false, code: 'invalid_code' })
    const code = await tv.requestCode()
    await s.decideCode(accountId, code.user_code, 'approve')
    const again = await s.claimCode(accountId, code.user_code)
    expect(again.ok).toBe(false)
    expect(['already_processed', 'invalid_code']).toContain(again.ok ? '' : again.code)
  })

  it('says when the code expired before the decision', async () => {
    // A desktop account at a server whose codes live 2 s.
    const desk = await shortTv.signUp('Short Desk')
    await s.start('short')
    const waiting = await until(s, 'waiting')
    await shortTv.approve(String(waiting.userCode), desk.token)
    const shortAccount = String((await until(s, 'authorized')).account?.id)
    const shortDialect = createBetterAuthDialect({ id: 'short', baseUrl: shortTv.baseUrl, clientId: shortTv.clientId }, { http: createHttp({ fetch, clock: systemClock }), clock: systemClock })
    const expiring = await shortDialect.requestCode()
    await new Promise((r) => setTimeout(r, 2500))
    expect(await s.claimCode(shortAccount, expiring.user_code)).toMatchObject({ ok: false, code: 'expired_code' })
  })

  it('refuses accounts that cannot approve, and unknown accounts', async () => {
    expect(await s.claimCode('ba:nobody', 'ABCD-EFGH')).toMatchObject({ ok: false, code: 'unknown_account' })
  })

  it('signs out at better-auth: the session ends', async () => {
    const token = String(s.accountManager.get(accountId)?.tokens.access_token)
    expect(await s.signOut(accountId)).toMatchObject({ ok: true })
    const session = await fetch(`${server.baseUrl}/get-session`, { headers: { authorization: `Bearer ${token}` } })
    expect(await session.json()).toBeNull()
  })
})
