import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../../electron/cli/main'
import { humanReporter } from '../../../electron/cli/output'
import { captureIo } from '../../helpers/cli-io'

let dir: string
const okConfig = { providers: [{ id: 'corp', name: 'Corp SSO', dialect: 'oidc', issuer: 'https://login.example.com', clientId: 'tv' }] }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-cli-'))
  await writeFile(join(dir, 'ok.json'), JSON.stringify(okConfig))
  await writeFile(join(dir, 'broken.json'), '{"providers": [')
  await writeFile(join(dir, 'schema.json'), JSON.stringify({ providers: [{ id: 'x', dialect: 'oidc', clientId: 'y' }] }))
  await mkdir(join(dir, 'a-directory.json'))
})

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cap = captureIo()
  const status = await main(args, { io: cap.io, env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg'), ...env } })
  return { status, out: cap.out(), err: cap.err(), events: cap.events() }
}

describe('linkscreen providers', () => {
  it('lists the built-in demo provider with nothing configured', async () => {
    const { status, out } = await cli(['providers'])
    expect(status).toBe(0)
    expect(out).toContain('No configuration file; built-in providers only.')
    expect(out).toMatch(/demo\s+oidc\s+Linkscreen demo \(built in\)/)
    expect(out).toMatch(/google\s+google\s+Google: needs clientId and clientSecret/)
    expect(out).toMatch(/github\s+github\s+GitHub: needs clientId/)
  })

  it('lists and validates a configuration file given with --config', async () => {
    const { status, out } = await cli(['providers', '--config', join(dir, 'ok.json'), '--json'])
    expect(status).toBe(0)
    expect(JSON.parse(out)).toEqual({
      config: join(dir, 'ok.json'),
      providers: [
        { id: 'demo', name: 'Linkscreen demo', dialect: 'oidc', builtIn: true },
        { id: 'corp', name: 'Corp SSO', dialect: 'oidc', builtIn: false },
      ],
      presets: [
        { id: 'github', name: 'GitHub', dialect: 'github', needs: ['clientId'] },
        { id: 'google', name: 'Google', dialect: 'google', needs: ['clientId', 'clientSecret'] },
        { id: 'microsoft', name: 'Microsoft', dialect: 'microsoft', needs: ['clientId'] },
        { id: 'trakt', name: 'Trakt', dialect: 'trakt', needs: ['clientId'] },
      ],
    })
  })

  it('reads LINKSCREEN_CONFIG, then the user config folder', async () => {
    expect((await cli(['providers'], { LINKSCREEN_CONFIG: join(dir, 'ok.json') })).out).toContain('corp')
    await mkdir(join(dir, 'xdg', 'linkscreen'), { recursive: true })
    await writeFile(join(dir, 'xdg', 'linkscreen', 'providers.json'), JSON.stringify(okConfig))
    const fromFolder = await cli(['providers'])
    expect(fromFolder.out).toContain(`Configuration: ${join(dir, 'xdg', 'linkscreen', 'providers.json')} (valid)`)
  })
})

describe('usage and configuration errors exit with status 4 and a specific message', () => {
  const CASES: [string, string[], string][] = [
    ['no command', [], 'linkscreen: no command given'],
    ['an unknown command', ['fly'], 'linkscreen: unknown command "fly"'],
    ['an unknown flag', ['login', '--provder', 'demo'], "Unknown option '--provder'"],
    ['login without --provider', ['login'], '--provider is required'],
    ['a bad --renew', ['login', '--provider', 'demo', '--renew', 'many'], '--renew must be a number'],
    ['a fractional --renew', ['login', '--provider', 'demo', '--renew', '1.5'], '--renew must be a whole number'],
    ['a zero --timeout', ['login', '--provider', 'demo', '--timeout', '0'], '--timeout must be between 1 and 86400'],
    ['an unknown provider', ['login', '--provider', 'nope', '--config', 'CONFIG_OK'], 'unknown provider "nope"; known providers: corp'],
    [
      'a preset that is not configured',
      ['login', '--provider', 'google', '--config', 'CONFIG_OK'],
      '"google" is a preset that needs clientId and clientSecret: add {"id":"google","dialect":"google","clientId":"…","clientSecret":"…"} to the providers of',
    ],
    ['a missing config file', ['login', '--provider', 'corp', '--config', 'MISSING'], 'missing.json: file not found'],
    ['a config path that is a directory', ['providers', '--config', 'DIR'], 'a-directory.json: not a regular file'],
    ['a config file that is not JSON', ['providers', '--config', 'BROKEN'], 'broken.json: not valid JSON'],
    ['a config file that fails the schema', ['providers', '--config', 'SCHEMA'], 'schema.json: providers[0].issuer: Invalid input: expected string, received undefined'],
  ]
  for (const [name, args, message] of CASES) {
    it(name, async () => {
      const files: Record<string, string> = {
        CONFIG_OK: join(dir, 'ok.json'),
        MISSING: join(dir, 'missing.json'),
        DIR: join(dir, 'a-directory.json'),
        BROKEN: join(dir, 'broken.json'),
        SCHEMA: join(dir, 'schema.json'),
      }
      const { status, err } = await cli(args.map((a) => files[a] ?? a))
      expect(status).toBe(4)
      expect(err).toContain(message)
    })
  }

  it('with --json, the error is also a JSON event on stdout', async () => {
    const { status, events } = await cli(['login', '--provider', 'nope', '--json'], { XDG_CONFIG_HOME: join(dir, 'empty') })
    expect(status).toBe(4)
    expect(events).toEqual([{ event: 'error', code: 'unknown_provider', message: 'unknown provider "nope"; known providers: none' }])
  })

  it('a provider that cannot be reached exits 1 with a network error', async () => {
    const port = await closedPort()
    await writeFile(join(dir, 'down.json'), JSON.stringify({ providers: [{ id: 'down', dialect: 'oidc', issuer: `http://127.0.0.1:${port}`, clientId: 'x' }] }))
    const { status, events } = await cli(['login', '--provider', 'down', '--config', join(dir, 'down.json'), '--json'])
    expect(status).toBe(1)
    expect(events.at(-1)).toMatchObject({ event: 'error', code: 'network_error', message: expect.stringContaining('ECONNREFUSED') })
  })
})

describe('robustness of the command itself', () => {
  it('a Ctrl-C that arrives during start-up is honoured: no code is shown, exit 130', async () => {
    const controller = new AbortController()
    controller.abort()
    const cap = captureIo()
    const status = await main(['login', '--provider', 'demo', '--json'], { io: cap.io, env: { XDG_CONFIG_HOME: join(dir, 'empty') }, signal: controller.signal })
    expect(status).toBe(130)
    expect(cap.events()).toEqual([{ event: 'cancelled' }])
  })

  it('the human screen survives a URL too long for a QR code, and cleans what the provider says', async () => {
    const cap = captureIo()
    const reporter = humanReporter(cap.io, { provider: { id: 'p', name: 'Evil\u001b[2J Corp' }, showToken: false, now: () => 0 })
    const authorization = {
      device_code: 'dc',
      user_code: 'ABCD-EFGH',
      verification_uri: 'https://as.example/device',
      verification_uri_complete: `https://as.example/device?x=${'a'.repeat(4000)}`,
      expires_in: 600,
      interval: 5,
      expires_at: 600_000,
    }
    await reporter.event({ type: 'code', authorization, expiresInMs: 600_000 })
    await reporter.event({ type: 'authorized', tokens: { access_token: 'AT-SECRET', token_type: 'bearer', scope: 'a\u009b2J b', extra: {} }, account: { name: 'Ada\u001b]0;x\u0007', email: 'ada@example.com' } })
    reporter.close()
    const out = cap.out()
    expect(out).toContain('ABCD-EFGH')
    expect(out).toContain('https://as.example/device')
    expect(out).not.toContain('Or scan this QR code')
    expect(out).toContain('Sign in to Evil [2J Corp')
    expect(out).toContain('Signed in as Ada ]0;x <ada@example.com>')
    expect(out).toContain('Scopes: a 2J b')
    expect(out).not.toContain('AT-SECRET')
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
  })
})
