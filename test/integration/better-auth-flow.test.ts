/**
 * Full device flows through `linkscreen login` against a real better-auth server (device
 * authorization plugin + bearer, in-memory database), approved and denied through its API.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../electron/cli/main'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'
import { captureIo } from '../helpers/cli-io'

async function configFor(server: BetterAuthServer, id = 'ba'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkscreen-ba-'))
  const file = join(dir, 'providers.json')
  await writeFile(file, JSON.stringify({ providers: [{ id, name: 'Better Auth test', dialect: 'better-auth', baseUrl: server.baseUrl, clientId: server.clientId, scope: 'openid profile' }] }))
  return file
}

describe('better-auth device plugin, end to end through the CLI', () => {
  let server: BetterAuthServer
  let config: string

  beforeAll(async () => {
    server = await startBetterAuthServer({ interval: 1 })
    config = await configFor(server)
  })
  afterAll(() => server.close())

  it('approve → authorized, with the account from /get-session', async () => {
    const cap = captureIo()
    const exit = main(['login', '--provider', 'ba', '--config', config, '--json', '--timeout', '60'], { io: cap.io })
    const code = await cap.waitForEvent('code')
    expect(code).toMatchObject({ provider: 'ba', interval: 1 })
    expect(String(code['verification_uri'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/device$/)
    expect(Date.parse(String(code['expires_at']))).toBeGreaterThan(Date.now())
    await cap.waitForEvent('poll')
    const user = await server.signUp('Ada Lovelace')
    await server.approve(String(code['user_code']), user.token)
    expect(await exit).toBe(0)
    const authorized = cap.events().at(-1)
    expect(authorized).toMatchObject({ event: 'authorized', provider: 'ba', scope: 'openid profile', account: { sub: user.userId, name: 'Ada Lovelace', email: user.email } })
    expect(authorized).not.toHaveProperty('tokens')
    const polls = cap.events().filter((e) => e['event'] === 'poll')
    expect(polls.every((p) => p['result'] === 'pending')).toBe(true)
  })

  it('--show-token prints a session token that the server accepts; --verbose logs HTTP without secrets', async () => {
    const cap = captureIo()
    const exit = main(['login', '--provider', 'ba', '--config', config, '--json', '--show-token', '--verbose', '--timeout', '60'], { io: cap.io })
    const code = await cap.waitForEvent('code')
    const user = await server.signUp('Grace Hopper')
    await server.approve(String(code['user_code']), user.token)
    expect(await exit).toBe(0)
    const tokens = cap.events().at(-1)?.['tokens'] as { access_token: string }
    const session = await fetch(`${server.baseUrl}/get-session`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(((await session.json()) as { user: { email: string } }).user.email).toBe(user.email)
    expect(cap.out()).not.toContain(String(code['device_code'] ?? 'no-device-code-printed'))
    expect(code).not.toHaveProperty('device_code')
    expect(cap.err()).toMatch(/\[http\] POST http:\/\/127\.0\.0\.1:\d+\/api\/auth\/device\/code → 200/)
    expect(cap.err()).toMatch(/\[http\] POST http:\/\/127\.0\.0\.1:\d+\/api\/auth\/device\/token → 200/)
    expect(cap.err()).not.toContain(tokens.access_token)
  })

  it('deny → denied, exit status 2', async () => {
    const cap = captureIo()
    const exit = main(['login', '--provider', 'ba', '--config', config, '--json', '--timeout', '60'], { io: cap.io })
    const code = await cap.waitForEvent('code')
    const user = await server.signUp('Mallory')
    await server.deny(String(code['user_code']), user.token)
    expect(await exit).toBe(2)
    expect(cap.events().at(-1)).toMatchObject({ event: 'denied', provider: 'ba' })
  })

  it('a short expires_in → expired, exit status 3', async () => {
    const short = await startBetterAuthServer({ interval: 1, expiresIn: 2 })
    try {
      const cap = captureIo()
      const exit = await main(['login', '--provider', 'ba', '--config', await configFor(short), '--json', '--timeout', '60'], { io: cap.io })
      expect(exit).toBe(3)
      expect(cap.events().map((e) => e['event'])).toEqual(expect.arrayContaining(['code', 'expired']))
      expect(cap.events().at(-1)).toMatchObject({ event: 'expired' })
    } finally {
      await short.close()
    }
  })

  it('--renew 1 → renewed with a new code, then authorized', async () => {
    const short = await startBetterAuthServer({ interval: 1, expiresIn: 3 })
    try {
      const cap = captureIo()
      const exit = main(['login', '--provider', 'ba', '--config', await configFor(short), '--json', '--renew', '1', '--timeout', '60'], { io: cap.io })
      const first = await cap.waitForEvent('code')
      const renewed = await cap.waitForEvent('renewed')
      expect(renewed['user_code']).not.toBe(first['user_code'])
      const user = await short.signUp('Renewed User')
      await short.approve(String(renewed['user_code']), user.token)
      expect(await exit).toBe(0)
      expect(cap.events().at(-1)).toMatchObject({ event: 'authorized', account: { email: user.email } })
    } finally {
      await short.close()
    }
  })
})
