/**
 * better-auth's OAuth provider (`@better-auth/oauth-provider` with `oauthDeviceAuthorization`)
 * through `linkscreen`, as an `oidc` provider: discovery, device codes redeemed at
 * /oauth2/token for access, refresh and ID tokens, the account from /oauth2/userinfo; and
 * `linkscreen register` for dynamic client registration.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../electron/cli/main'
import { captureIo } from '../helpers/cli-io'
import { startBetterAuthOidcServer, type BetterAuthOidcServer } from '../servers/better-auth-oidc-server'

async function configFor(server: BetterAuthOidcServer, clientId = server.clientId): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkscreen-baop-'))
  const file = join(dir, 'providers.json')
  await writeFile(file, JSON.stringify({ providers: [{ id: 'baop', name: 'better-auth OP', dialect: 'oidc', issuer: server.issuer, clientId, scope: 'openid profile email offline_access' }] }))
  return file
}

describe('better-auth OAuth provider, end to end through the CLI', () => {
  let server: BetterAuthOidcServer
  let config: string
  beforeAll(async () => {
    server = await startBetterAuthOidcServer({ interval: 1 })
    config = await configFor(server)
  })
  afterAll(() => server.close())

  it('approve → authorized with access, refresh and ID tokens, the account from userinfo', async () => {
    const cap = captureIo()
    const exit = main(['login', '--provider', 'baop', '--config', config, '--json', '--show-token', '--timeout', '60'], { io: cap.io })
    const code = await cap.waitForEvent('code')
    const user = await server.signUp('Ada Lovelace')
    await server.approve(String(code['user_code']), user.token)
    expect(await exit).toBe(0)
    const authorized = cap.events().at(-1) as Record<string, any>
    expect(authorized).toMatchObject({ event: 'authorized', provider: 'baop', account: { sub: user.userId, name: 'Ada Lovelace', email: user.email } })
    expect(authorized['tokens']['refresh_token']).toEqual(expect.any(String))
    expect(authorized['tokens']['id_token']).toMatch(/^ey/)
    expect(authorized['scope']).toContain('offline_access')
  })

  it('deny → denied (exit 2); a short lifetime → expired (exit 3)', async () => {
    const denied = captureIo()
    const exit = main(['login', '--provider', 'baop', '--config', config, '--json', '--timeout', '60'], { io: denied.io })
    const user = await server.signUp('Mallory')
    await server.deny(String((await denied.waitForEvent('code'))['user_code']), user.token)
    expect(await exit).toBe(2)

    const short = await startBetterAuthOidcServer({ interval: 1, expiresIn: 2 })
    try {
      const expired = captureIo()
      expect(await main(['login', '--provider', 'baop', '--config', await configFor(short), '--json', '--timeout', '60'], { io: expired.io })).toBe(3)
    } finally {
      await short.close()
    }
  })

  it('linkscreen register prints a new client id that can sign in', async () => {
    const cap = captureIo()
    expect(await main(['register', '--provider', 'baop', '--config', config, '--name', 'QA rack 7', '--json'], { io: cap.io })).toBe(0)
    const registered = cap.events()[0] as Record<string, unknown>
    expect(registered).toMatchObject({ event: 'registered', provider: 'baop', client_name: 'QA rack 7' })
    expect(registered['client_id']).not.toBe(server.clientId)

    const login = captureIo()
    const exit = main(['login', '--provider', 'baop', '--config', await configFor(server, String(registered['client_id'])), '--json', '--timeout', '60'], { io: login.io })
    const code = await login.waitForEvent('code')
    const user = await server.signUp('New Client User')
    await server.approve(String(code['user_code']), user.token)
    expect(await exit).toBe(0)
  })

  it('registration that needs a token says so', async () => {
    const closed = await startBetterAuthOidcServer({ registration: 'authenticated' })
    try {
      const cap = captureIo()
      expect(await main(['register', '--provider', 'baop', '--config', await configFor(closed), '--json'], { io: cap.io })).toBe(1)
      expect(cap.events()[0]).toMatchObject({ event: 'error', code: 'oauth_error' })
      expect(String(cap.events()[0]?.['message'])).toContain('registration refused with HTTP 401')
      expect(String(cap.events()[0]?.['message'])).toContain('LINKSCREEN_REGISTRATION_TOKEN')

      const user = await closed.signUp('Admin')
      const ok = captureIo()
      expect(await main(['register', '--provider', 'baop', '--config', await configFor(closed)], { io: ok.io, env: { LINKSCREEN_REGISTRATION_TOKEN: user.token } })).toBe(0)
      expect(ok.out()).toMatch(/^\S+\n$/)
    } finally {
      await closed.close()
    }
  })
})
