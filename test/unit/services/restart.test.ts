/**
 * Restart mid-flow: the app quits while a code is on screen and starts again. The same code is
 * shown while it is valid (and polling goes on, never early), a fresh one when it expired
 * meanwhile; accounts are neither lost nor duplicated by restarts.
 */
import { describe, expect, it } from 'vitest'
import type { ProviderConfig } from '../../../electron/core/config'
import { createHttp } from '../../../electron/core/http'
import type { FlowSnapshot } from '../../../electron/ipc/contract'
import { FlowService } from '../../../electron/services/flow-service'
import { memoryVault, type AccountVault } from '../../../electron/services/vault-types'
import { FakeClock } from '../../helpers/fake-clock'
import { DEVICE_ENDPOINT, ScriptedServer, TOKEN_ENDPOINT, deviceResponse, json, oauthError, tokenResponse, type Answer } from '../../helpers/scripted-server'

const PROVIDER: ProviderConfig = { id: 'as', name: 'Example', dialect: 'oauth2', clientId: 'c', endpoints: { deviceAuthorization: DEVICE_ENDPOINT, token: TOKEN_ENDPOINT } }

/** One run of the app: a service on `vault`, against `server`. */
function boot(clock: FakeClock, server: ScriptedServer, vault: AccountVault) {
  const service = new FlowService({
    providers: [{ view: { id: 'as', name: 'Example', dialect: 'oauth2', builtIn: false }, resolve: async () => PROVIDER }],
    vault,
    deps: { http: createHttp({ fetch: server.fetch, clock }), clock },
    renewals: 1,
  })
  const until = (status: FlowSnapshot['status']) =>
    clock.run(
      new Promise<FlowSnapshot>((resolve) => {
        if (service.state().status === status) return resolve(service.state())
        const off = service.onSnapshot((s) => {
          if (s.status === status) {
            off()
            resolve(s)
          }
        })
      }),
    )
  return { service, until }
}

/** An ID token for `sub` (the oauth2 dialect without a JWKS reads its claims; see flow-service.test.ts). */
function idToken(sub: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: 'https://as.example', aud: 'c', sub, iat: now, exp: now + 3600 })}.sig`
}

const pending = (n: number): Answer[] => Array.from({ length: n }, () => oauthError('authorization_pending'))

describe('restart mid-flow', () => {
  it('shows the same code after a restart and signs in with it', async () => {
    const clock = new FakeClock()
    const server = new ScriptedServer(clock, [...pending(2), json(200, tokenResponse({ id_token: undefined }))])
    const vault = memoryVault()
    const first = boot(clock, server, vault)
    await first.service.start('as')
    const shown = await first.until('waiting')
    await first.service.close()

    clock.jump(20_000) // the app was down for 20 s
    const second = boot(clock, server, vault)
    await second.service.restore()
    const again = await second.until('waiting')
    expect(again.userCode).toBe(shown.userCode)
    expect(server.codeRequests).toHaveLength(1)
    await second.until('authorized')
    // No two polls closer than the interval, across the restart too.
    const gaps = server.pollTimes.slice(1).map((t, i) => t - (server.pollTimes[i] ?? 0))
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(5000)
    expect(await vault.loadPending()).toBeUndefined()
  })

  it('asks for a fresh code when the kept one expired while the app was down', async () => {
    const clock = new FakeClock()
    const server = new ScriptedServer(clock, pending(50), [deviceResponse({ expires_in: 60 }), deviceResponse({ user_code: 'NEWC-ODE1', expires_in: 600 })])
    const vault = memoryVault()
    const first = boot(clock, server, vault)
    await first.service.start('as')
    await first.until('waiting')
    await first.service.close()

    clock.jump(3_600_000)
    const second = boot(clock, server, vault)
    await second.service.restore()
    const again = await second.until('waiting')
    expect(again.userCode).toBe('NEWC-ODE1')
    expect(server.codeRequests).toHaveLength(2)
    await second.service.cancel()
    expect(await vault.loadPending()).toBeUndefined()
  })

  it('forgets the code when the user cancels, so a restart shows the picker', async () => {
    const clock = new FakeClock()
    const server = new ScriptedServer(clock, pending(5))
    const vault = memoryVault()
    const first = boot(clock, server, vault)
    await first.service.start('as')
    await first.until('waiting')
    await first.service.cancel()
    await first.service.close()
    const second = boot(clock, server, vault)
    await second.service.restore()
    expect(second.service.state().status).toBe('idle')
  })

  it('neither loses nor duplicates an account over restarts and a second sign-in', async () => {
    const clock = new FakeClock()
    const server = new ScriptedServer(clock, [json(200, tokenResponse({ id_token: idToken('ada') })), json(200, tokenResponse({ id_token: idToken('ada'), access_token: 'at-second-0000000' }))])
    const vault = memoryVault()
    const first = boot(clock, server, vault)
    await first.service.start('as')
    await first.until('authorized')
    await first.service.close()
    const second = boot(clock, server, vault)
    await second.service.restore()
    expect(second.service.listAccounts()).toHaveLength(1)
    await second.service.start('as')
    await second.until('authorized')
    await second.service.close()
    const third = boot(clock, server, vault)
    await third.service.restore()
    expect(third.service.listAccounts()).toHaveLength(1)
    expect((await vault.load())[0]?.tokens.access_token).toBe('at-second-0000000')
  })
})
