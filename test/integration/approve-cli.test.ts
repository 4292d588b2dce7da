/**
 * `linkscreen approve` (in process) against a REAL better-auth server, with a `linkscreen
 * login` running as the device: approve → the login ends authorized as the approver, deny →
 * denied; wrong, expired and used codes; a missing, refused or flag-passed session token.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../electron/cli/main'
import { captureIo } from '../helpers/cli-io'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'

async function configFor(server: BetterAuthServer, extra: Record<string, unknown>[] = []): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'linkscreen-approve-')), 'providers.json')
  await writeFile(
    file,
    JSON.stringify({
      providers: [{ id: 'ba', name: 'Better Auth test', dialect: 'better-auth', baseUrl: server.baseUrl, clientId: server.clientId, scope: 'openid profile' }, ...extra],
    }),
  )
  return file
}

async function approveCli(args: string[], token: string | undefined) {
  const cap = captureIo()
  const env: NodeJS.ProcessEnv = { HOME: tmpdir(), ...(token === undefined ? {} : { LINKSCREEN_APPROVER_TOKEN: token }) }
  const status = await main(['approve', ...args], { io: cap.io, env })
  return { status, out: cap.out(), err: cap.err(), events: cap.events() }
}

/** A device waiting for approval: `linkscreen login --json` in process. */
async function startDevice(config: string) {
  const cap = captureIo()
  const exit = main(['login', '--provider', 'ba', '--config', config, '--json', '--timeout', '60'], { io: cap.io })
  const code = await cap.waitForEvent('code')
  return { cap, exit, userCode: String(code['user_code']) }
}

describe('linkscreen approve against a real better-auth server', () => {
  let server: BetterAuthServer
  let config: string
  beforeAll(async () => {
    server = await startBetterAuthServer({ interval: 1 })
    config = await configFor(server, [{ id: 'oidc', dialect: 'oidc', issuer: 'https://login.example.com', clientId: 'tv' }])
  })
  afterAll(() => server.close())

  it('--json: prints what is asking, approves; the device signs in as the approver', async () => {
    const device = await startDevice(config)
    const user = await server.signUp('Ada Lovelace')
    const typed = `${device.userCode.slice(0, 4)}-${device.userCode.slice(4)}`.toLowerCase()
    const run = await approveCli(['--provider', 'ba', '--config', config, '--code', typed, '--json'], user.token)
    expect(run.status).toBe(0)
    expect(run.events).toEqual([
      {
        event: 'request',
        provider: 'ba',
        user_code: device.userCode,
        client_id: server.clientId,
        scopes: ['openid', 'profile'],
        approver: { sub: user.userId, name: 'Ada Lovelace', email: user.email },
      },
      { event: 'approved', provider: 'ba', user_code: device.userCode },
    ])
    expect(run.err).toBe('')
    expect(await device.exit).toBe(0)
    expect(device.cap.events().at(-1)).toMatchObject({ event: 'authorized', account: { sub: user.userId, email: user.email } })
    expect(run.out + run.err).not.toContain(user.token)
  })

  it('human output, --deny: the device is denied', async () => {
    const device = await startDevice(config)
    const user = await server.signUp('Grace Hopper')
    const run = await approveCli(['--provider', 'ba', '--config', config, '--code', device.userCode, '--deny'], user.token)
    expect(run.status).toBe(0)
    expect(run.out).toContain(`Code ${device.userCode.slice(0, 4)}-${device.userCode.slice(4)} for Better Auth test`)
    expect(run.out).toContain(`Asking: ${server.clientId}`)
    expect(run.out).toContain('Scopes: openid profile')
    expect(run.out).toContain(`Signed in as Grace Hopper <${user.email}>`)
    expect(run.out).toContain('✔ Denied.')
    expect(await device.exit).toBe(2)
    expect(device.cap.events().at(-1)).toMatchObject({ event: 'denied' })
  })

  it('a used code: the second approve fails with already_processed (exit 1)', async () => {
    const device = await startDevice(config)
    const user = await server.signUp()
    expect((await approveCli(['--provider', 'ba', '--config', config, '--code', device.userCode, '--json'], user.token)).status).toBe(0)
    const again = await approveCli(['--provider', 'ba', '--config', config, '--code', device.userCode, '--json'], user.token)
    expect(again.status).toBe(1)
    expect(again.events).toEqual([{ event: 'error', code: 'already_processed', message: expect.stringContaining('already approved') }])
    expect(again.err).toContain('already approved')
    expect(await device.exit).toBe(0)
  })

  it('a wrong code: invalid_code (exit 1), naming the code', async () => {
    const user = await server.signUp()
    const run = await approveCli(['--provider', 'ba', '--config', config, '--code', 'ZZZZ-ZZZZ', '--json'], user.token)
    expect(run.status).toBe(1)
    expect(run.events).toEqual([{ event: 'error', code: 'invalid_code', message: expect.stringContaining('ZZZZZZZZ') }])
    expect(run.out + run.err).not.toContain(user.token)
  })

  it('an expired code: expired_code, exit 3 (as login reports an expired code)', async () => {
    const short = await startBetterAuthServer({ interval: 1, expiresIn: 1 })
    try {
      const shortConfig = await configFor(short)
      const code = (await (
        await fetch(`${short.baseUrl}/device/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: short.clientId }) })
      ).json()) as { user_code: string }
      const user = await short.signUp()
      await new Promise((resolve) => setTimeout(resolve, 1300))
      const run = await approveCli(['--provider', 'ba', '--config', shortConfig, '--code', code.user_code, '--json'], user.token)
      expect(run.status).toBe(3)
      expect(run.events).toEqual([{ event: 'error', code: 'expired_code', message: expect.stringContaining('has expired') }])
    } finally {
      await short.close()
    }
  })

  it('a refused session token: not_signed_in (exit 1), the token never printed', async () => {
    const device = await startDevice(config)
    const bogus = 'bogus-session-token-5f2a9c8e7d6b'
    const run = await approveCli(['--provider', 'ba', '--config', config, '--code', device.userCode, '--json'], bogus)
    expect(run.status).toBe(1)
    expect(run.events).toEqual([{ event: 'error', code: 'not_signed_in', message: expect.stringContaining('not signed in') }])
    expect(run.out + run.err).not.toContain(bogus)
    // The device is still waiting: approve it properly so that it ends.
    const user = await server.signUp()
    expect((await approveCli(['--provider', 'ba', '--config', config, '--code', device.userCode], user.token)).status).toBe(0)
    expect(await device.exit).toBe(0)
  })

  it('no LINKSCREEN_APPROVER_TOKEN, or a token given as a flag: usage error (exit 4), nothing sent, the value never echoed', async () => {
    const missing = await approveCli(['--provider', 'ba', '--config', config, '--code', 'ABCDEFGH', '--json'], undefined)
    expect(missing.status).toBe(4)
    expect(missing.events).toEqual([{ event: 'error', code: 'usage', message: expect.stringContaining('LINKSCREEN_APPROVER_TOKEN is not set') }])
    expect((await approveCli(['--provider', 'ba', '--config', config, '--code', 'ABCDEFGH'], '   ')).status).toBe(4)
    const secret = 'secret-typed-on-the-command-line'
    for (const args of [
      ['--token', secret],
      [`--token=${secret}`],
      ['--approver-token', secret],
      ['--session-token', secret],
    ]) {
      const run = await approveCli(['--provider', 'ba', '--config', config, '--code', 'ABCDEFGH', ...args], 'whatever-token')
      expect(run.status).toBe(4)
      expect(run.err).toContain('is not an option')
      expect(run.err).toContain('LINKSCREEN_APPROVER_TOKEN')
      expect(run.out + run.err).not.toContain(secret)
    }
  })

  it('cancelled (Ctrl-C) before an answer: exit 130, a "cancelled" event, nothing decided', async () => {
    const device = await startDevice(config)
    const user = await server.signUp()
    const controller = new AbortController()
    controller.abort()
    const cap = captureIo()
    const status = await main(['approve', '--provider', 'ba', '--config', config, '--code', device.userCode, '--json'], {
      io: cap.io,
      env: { HOME: tmpdir(), LINKSCREEN_APPROVER_TOKEN: user.token },
      signal: controller.signal,
    })
    expect(status).toBe(130)
    expect(cap.events()).toEqual([{ event: 'cancelled' }])
    // Still pending: a real approval ends it.
    expect((await approveCli(['--provider', 'ba', '--config', config, '--code', device.userCode], user.token)).status).toBe(0)
    expect(await device.exit).toBe(0)
  })

  it('usage and configuration: no --code, the demo provider, a provider of another dialect (exit 4)', async () => {
    const user = await server.signUp()
    const noCode = await approveCli(['--provider', 'ba', '--config', config], user.token)
    expect(noCode.status).toBe(4)
    expect(noCode.err).toContain('--code is required')
    const demo = await approveCli(['--provider', 'demo', '--code', 'ABCDEFGH', '--json'], user.token)
    expect(demo.status).toBe(4)
    expect(demo.events[0]).toMatchObject({ code: 'config_error' })
    const oidc = await approveCli(['--provider', 'oidc', '--config', config, '--code', 'ABCDEFGH', '--json'], user.token)
    expect(oidc.status).toBe(4)
    expect(oidc.events[0]).toMatchObject({ code: 'config_error', message: expect.stringContaining('uses the oidc dialect') })
  })
})
