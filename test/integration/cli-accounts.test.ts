/**
 * `linkscreen accounts` and `linkscreen logout` against a running serve (in process) that has
 * signed in on a real better-auth server; and the plain refusals without one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import { main } from '../../electron/cli/main'
import { startServe, type ServeHandle } from '../../electron/cli/serve'
import type { ProviderConfig } from '../../electron/core/config'
import { createHttp } from '../../electron/core/http'
import type { FlowSnapshot } from '../../electron/ipc/contract'
import { FlowService } from '../../electron/services/flow-service'
import { captureIo } from '../helpers/cli-io'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'

let server: BetterAuthServer
let service: FlowService
let serve: ServeHandle
let token: string

function until(status: FlowSnapshot['status']): Promise<FlowSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${status}`)), 15_000)
    const off = service.onSnapshot((s) => {
      if (s.status === status) {
        clearTimeout(timer)
        off()
        resolve(s)
      }
    })
  })
}

beforeAll(async () => {
  server = await startBetterAuthServer({ interval: 1 })
  const config: ProviderConfig = { id: 'ba', dialect: 'better-auth', baseUrl: server.baseUrl, clientId: server.clientId }
  service = new FlowService({
    providers: [{ view: { id: 'ba', name: 'Better Auth', dialect: 'better-auth', builtIn: false }, resolve: async () => config }],
    deps: { http: createHttp({ fetch, clock: systemClock }), clock: systemClock },
  })
  serve = await startServe({ service, info: { kiosk: false, fixedProvider: null, locale: 'en-US', host: 'serve', storage: 'memory', notices: [] } })
  const user = await server.signUp('Quinn QA')
  await service.start('ba')
  const waiting = await until('waiting')
  await server.approve(String(waiting.userCode), user.token)
  await until('authorized')
  token = String(service.accountManager.get(service.listAccounts()[0]?.id ?? '')?.tokens.access_token)
})

afterAll(async () => {
  await service.close()
  await serve.close()
  await server.close()
})

describe('accounts and logout through a running serve', () => {
  it('lists the accounts, never a token', async () => {
    const cap = captureIo()
    expect(await main(['accounts', '--url', serve.url, '--json'], { io: cap.io, env: {} })).toBe(0)
    const [event] = cap.events()
    expect(event).toMatchObject({ event: 'accounts', accounts: [{ providerId: 'ba', name: 'Quinn QA' }] })
    expect(cap.out()).not.toContain(token)
    const human = captureIo()
    expect(await main(['accounts'], { io: human.io, env: { LINKSCREEN_SERVE_URL: serve.url } })).toBe(0)
    expect(human.out()).toMatch(/^ba:\S+\tBetter Auth\tQuinn QA/)
  })

  it('refuses an unknown account with a usage error', async () => {
    const cap = captureIo()
    expect(await main(['logout', '--account', 'ba:nobody', '--url', serve.url], { io: cap.io, env: {} })).toBe(4)
    expect(cap.err()).toContain('no such account')
  })

  it('signs out: revoked at better-auth, gone from the list', async () => {
    const id = service.listAccounts()[0]?.id ?? ''
    const cap = captureIo()
    expect(await main(['logout', '--account', id, '--url', serve.url], { io: cap.io, env: {} })).toBe(0)
    expect(cap.out()).toContain(`signed out ${id}`)
    expect(service.listAccounts()).toEqual([])
    const session = await fetch(`${server.baseUrl}/get-session`, { headers: { authorization: `Bearer ${token}` } })
    expect(await session.json()).toBeNull()
  })

  it('says where accounts live when no serve is named', async () => {
    const cap = captureIo()
    expect(await main(['accounts'], { io: cap.io, env: {} })).toBe(4)
    expect(cap.err()).toContain('accounts live only in the process that signed in')
  })

  it('refuses a serve URL that is not loopback, a wrong secret, and a serve that is gone', async () => {
    const remote = captureIo()
    expect(await main(['accounts', '--url', 'http://example.com/secret/'], { io: remote.io, env: {} })).toBe(4)
    const wrong = captureIo()
    expect(await main(['accounts', '--url', new URL('/not-the-secret/', serve.url).href], { io: wrong.io, env: {} })).toBe(1)
    expect(wrong.err()).toContain('wrong or old secret')
    const gone = captureIo()
    expect(await main(['accounts', '--url', 'http://127.0.0.1:9/x/'], { io: gone.io, env: {} })).toBe(1)
    expect(gone.err()).toContain('no "linkscreen serve" answers')
  })
})
