/**
 * Full device flows through `linkscreen login` against a real oidc-provider server (the demo
 * server, started by the test), approved and denied through its own HTML pages over HTTP.
 * Also the newcomer's path: `--provider demo` with nothing configured.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../electron/cli/main'
import { startDemoServer, type DemoServer } from '../../electron/demo/demo-server'
import { captureIo } from '../helpers/cli-io'
import { actOnDemoCode } from '../servers/demo-approve'

async function configFor(server: DemoServer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkscreen-oidc-'))
  const file = join(dir, 'providers.json')
  const provider = { id: 'op', name: 'oidc-provider', dialect: 'oidc', issuer: server.issuer, clientId: server.clientId, scope: 'openid profile email offline_access' }
  await writeFile(file, JSON.stringify({ providers: [provider] }))
  return file
}

const act = (code: Record<string, unknown>, name: string, decision: 'approve' | 'deny') =>
  actOnDemoCode({ verificationUri: String(code['verification_uri']), userCode: String(code['user_code']), name, decision })

describe('oidc-provider (OIDC discovery dialect), end to end through the CLI', () => {
  let server: DemoServer
  let config: string
  beforeAll(async () => {
    server = await startDemoServer({ intervalSeconds: 1, quiet: true })
    config = await configFor(server)
  })
  afterAll(() => server.close())

  it('approve → authorized, with the account from the ID token and userinfo', async () => {
    const cap = captureIo()
    const exit = main(['login', '--provider', 'op', '--config', config, '--json', '--show-token', '--timeout', '60'], { io: cap.io })
    const code = await cap.waitForEvent('code')
    expect(code).toMatchObject({ provider: 'op', interval: 1 })
    expect(String(code['verification_uri_complete'])).toContain(server.issuer)
    await act(code, 'Ada Lovelace', 'approve')
    expect(await exit).toBe(0)
    const authorized = cap.events().at(-1) as Record<string, any>
    expect(authorized).toMatchObject({ event: 'authorized', provider: 'op', account: { name: 'Ada Lovelace' } })
    expect(authorized['account']['sub']).toBeTruthy()
    expect(authorized['tokens']).toMatchObject({ token_type: 'bearer' })
    expect(authorized['tokens']['refresh_token']).toBeTruthy()
    expect(authorized['tokens']['id_token']).toMatch(/^ey/)
    expect(cap.events().filter((e) => e['event'] === 'poll').every((p) => p['result'] === 'pending')).toBe(true)
  })

  it('deny → denied, exit status 2', async () => {
    const cap = captureIo()
    const exit = main(['login', '--provider', 'op', '--config', config, '--json', '--timeout', '60'], { io: cap.io })
    await act(await cap.waitForEvent('code'), 'Mallory', 'deny')
    expect(await exit).toBe(2)
    expect(cap.events().at(-1)).toMatchObject({ event: 'denied', provider: 'op' })
  })

  it('a short expires_in → expired (exit 3); --renew 1 → renewed, then authorized', async () => {
    const short = await startDemoServer({ intervalSeconds: 1, deviceCodeTtlSeconds: 3, quiet: true })
    try {
      const shortConfig = await configFor(short)
      const expired = captureIo()
      expect(await main(['login', '--provider', 'op', '--config', shortConfig, '--json', '--timeout', '60'], { io: expired.io })).toBe(3)
      expect(expired.events().at(-1)).toMatchObject({ event: 'expired' })

      const renewing = captureIo()
      const exit = main(['login', '--provider', 'op', '--config', shortConfig, '--json', '--renew', '1', '--timeout', '60'], { io: renewing.io })
      const first = await renewing.waitForEvent('code')
      const renewed = await renewing.waitForEvent('renewed')
      expect(renewed['user_code']).not.toBe(first['user_code'])
      await act(renewed, 'Renewed User', 'approve')
      expect(await exit).toBe(0)
      expect(renewing.events().at(-1)).toMatchObject({ event: 'authorized', account: { name: 'Renewed User' } })
    } finally {
      await short.close()
    }
  })
})

describe('the built-in demo provider, with nothing configured', () => {
  it('linkscreen login --provider demo --json prints a code at once and, once approved, authorized', async () => {
    const cap = captureIo()
    const started = Date.now()
    const exit = main(['login', '--provider', 'demo', '--json', '--timeout', '60'], { io: cap.io, env: { XDG_CONFIG_HOME: join(tmpdir(), 'linkscreen-none') } })
    const code = await cap.waitForEvent('code')
    expect(Date.now() - started).toBeLessThan(5000)
    expect(String(code['verification_uri'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
    expect(code['interval']).toBe(5)
    await act(code, 'Newcomer', 'approve')
    expect(await exit).toBe(0)
    expect(cap.events().at(-1)).toMatchObject({ event: 'authorized', provider: 'demo', account: { name: 'Newcomer' } })
  })
})
