/**
 * Every dialect without an installable server, end to end through `linkscreen login` against
 * its simulator: approve, deny, expire, slow down, network faults; and each provider's own
 * documented answers (Trakt 404/409, GitHub's 200 errors, Microsoft's message, api-v1's body
 * encodings, Google's scope list).
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../../electron/cli/main'
import { captureIo, type CapturedIo } from '../helpers/cli-io'
import { startApiV1Simulator, type ApiV1SimulatorOptions } from '../simulators/api-v1'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type Simulator, type SimulatorOptions } from '../simulators/device-flow'
import { startGitHubSimulator } from '../simulators/github'
import { startGoogleSimulator } from '../simulators/google'
import { startMicrosoftSimulator } from '../simulators/microsoft'
import { startTraktSimulator } from '../simulators/trakt'

interface Case {
  readonly dialect: string
  readonly start: (options: SimulatorOptions) => Promise<Simulator>
  readonly provider: (sim: Simulator) => Record<string, unknown>
}

const CASES: readonly Case[] = [
  {
    dialect: 'trakt',
    start: startTraktSimulator,
    provider: (sim) => ({ dialect: 'trakt', clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, baseUrl: sim.origin }),
  },
  { dialect: 'api-v1', start: startApiV1Simulator, provider: (sim) => ({ dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: sim.origin }) },
  {
    dialect: 'github',
    start: startGitHubSimulator,
    provider: (sim) => ({ dialect: 'github', clientId: DEFAULT_CLIENT_ID, scope: 'read:user', baseUrl: sim.origin, apiBaseUrl: `${sim.origin}/api` }),
  },
  {
    dialect: 'google',
    start: startGoogleSimulator,
    provider: (sim) => ({ dialect: 'google', clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, baseUrl: sim.origin, userinfoUrl: `${sim.origin}/v1/userinfo` }),
  },
  {
    dialect: 'microsoft',
    start: startMicrosoftSimulator,
    provider: (sim) => ({ dialect: 'microsoft', clientId: DEFAULT_CLIENT_ID, baseUrl: sim.origin, userinfoUrl: `${sim.origin}/oidc/userinfo` }),
  },
]

async function configWith(provider: Record<string, unknown>): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'linkscreen-sim-')), 'providers.json')
  await writeFile(file, JSON.stringify({ providers: [{ id: 'p', ...provider }] }))
  return file
}

/** Starts `linkscreen login --json` on `config`; resolves with the exit status. */
function login(config: string, extra: string[] = []): { cap: CapturedIo; exit: Promise<number> } {
  const cap = captureIo()
  return { cap, exit: main(['login', '--provider', 'p', '--config', config, '--json', '--timeout', '60', ...extra], { io: cap.io }) }
}

const events = (cap: CapturedIo, type: string) => cap.events().filter((e) => e['event'] === type)

describe.concurrent.each(CASES)('$dialect through the CLI, against its simulator', ({ start, provider }) => {
  it('approve → authorized with the account; deny → denied; a short lifetime → expired', async () => {
    const sim = await start({ interval: 1 })
    try {
      const config = await configWith(provider(sim))
      const approved = login(config)
      const code = await approved.cap.waitForEvent('code')
      await approved.cap.waitForEvent('poll')
      sim.approve(String(code['user_code']), { id: '4242', login: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' })
      expect(await approved.exit).toBe(0)
      const authorized = approved.cap.events().at(-1)
      expect(authorized).toMatchObject({ event: 'authorized', provider: 'p' })
      if (provider(sim)['dialect'] !== 'api-v1') expect(authorized?.['account']).toMatchObject({ name: 'Ada Lovelace' })
      expect(String(code['verification_uri'])).toContain(sim.origin)

      const denied = login(config)
      sim.deny(String((await denied.cap.waitForEvent('code'))['user_code']))
      expect(await denied.exit).toBe(2)
      expect(denied.cap.events().at(-1)).toMatchObject({ event: 'denied' })
    } finally {
      await sim.close()
    }
    const short = await start({ interval: 1, expiresIn: 2 })
    try {
      const expired = login(await configWith(provider(short)))
      expect(await expired.exit).toBe(3)
      expect(expired.cap.events().at(-1)).toMatchObject({ event: 'expired' })
    } finally {
      await short.close()
    }
  })

  it("slows down on the provider's own slow-down answer", async () => {
    const sim = await start({ interval: 1 })
    try {
      const run = login(await configWith(provider(sim)))
      const code = await run.cap.waitForEvent('code')
      sim.faults.queue('slow_down')
      const slowed = await run.cap.waitForEvent('poll')
      expect(slowed['result']).toBe('slow_down')
      // RFC 8628: +5 s for good; Trakt's 429 carries Retry-After instead.
      expect(slowed['interval']).toBe(provider(sim)['dialect'] === 'trakt' ? 1 : 6)
      sim.approve(String(code['user_code']))
      expect(await run.exit).toBe(0)
    } finally {
      await sim.close()
    }
  }, 30_000)

  it('rides out a 503 and a connection reset with exponential back-off', async () => {
    const sim = await start({ interval: 1 })
    try {
      const run = login(await configWith(provider(sim)))
      const code = await run.cap.waitForEvent('code')
      sim.faults.queue('http503')
      sim.faults.queue('reset')
      await run.cap.waitForEvent('poll')
      for (let i = 0; i < 100 && events(run.cap, 'poll').length < 2; i++) await new Promise((r) => setTimeout(r, 100))
      sim.approve(String(code['user_code']))
      expect(await run.exit).toBe(0)
      // Exponential back-off from a 1 s interval: 2 s, then 4 s (plus up to 10 % jitter and the margin).
      expect(events(run.cap, 'poll').slice(0, 2).map((p) => [p['result'], p['next_poll_in_ms']])).toEqual([
        ['network_error', expect.toSatisfy((ms: number) => ms > 1500 && ms <= 2230)],
        ['network_error', expect.toSatisfy((ms: number) => ms > 3500 && ms <= 4430)],
      ])
    } finally {
      await sim.close()
    }
  }, 30_000)
})

describe('provider specifics', () => {
  it('Trakt: the QR target is /activate/<code>; 409 already used and 404 invalid code are errors', async () => {
    const sim = await startTraktSimulator({ interval: 1 })
    try {
      const config = await configWith(CASES[0]!.provider(sim))
      const used = login(config)
      const code = await used.cap.waitForEvent('code')
      expect(code['verification_uri_complete']).toBe(`${sim.origin}/activate/${String(code['user_code'])}`)
      // Another device redeems the code first: the next poll gets 409.
      sim.redeemElsewhere(String(code['user_code']))
      expect(await used.exit).toBe(1)
      expect(used.cap.events().at(-1)).toMatchObject({ event: 'error', code: 'oauth_error', message: 'p: token endpoint answered code_already_used (this code was already used)' })

      const lost = login(config)
      const lostCode = await lost.cap.waitForEvent('code')
      sim.forget(String(lostCode['user_code']))
      expect(await lost.exit).toBe(1)
      expect(lost.cap.events().at(-1)).toMatchObject({ event: 'error', message: 'p: token endpoint answered invalid_code (Trakt does not know this device code)' })
      expect(sim.requests.filter((r) => r.path.startsWith('/oauth/')).every((r) => r.headers['trakt-api-key'] === DEFAULT_CLIENT_ID && r.headers['trakt-api-version'] === '2')).toBe(true)
    } finally {
      await sim.close()
    }
  }, 60_000)

  it('GitHub: device flow disabled is a clear error; Accept: application/json is sent', async () => {
    const sim = await startGitHubSimulator({ interval: 1, deviceFlowDisabled: true })
    try {
      const run = login(await configWith(CASES[2]!.provider(sim)))
      expect(await run.exit).toBe(1)
      expect(run.cap.events().at(-1)).toMatchObject({ event: 'error', code: 'oauth_error', message: expect.stringContaining('p: device code: device_flow_disabled') })
      expect(sim.requests[0]?.headers['accept']).toBe('application/json')
    } finally {
      await sim.close()
    }
  })

  it("Microsoft: shows the server's message, and asks for offline_access", async () => {
    const sim = await startMicrosoftSimulator({ interval: 1 })
    try {
      const run = login(await configWith({ ...CASES[4]!.provider(sim), tenant: 'contoso.onmicrosoft.com', scope: 'openid profile' }))
      const code = await run.cap.waitForEvent('code')
      expect(String(code['message'])).toContain(String(code['user_code']))
      expect(sim.requests[0]?.path).toBe('/contoso.onmicrosoft.com/oauth2/v2.0/devicecode')
      expect(sim.requests[0]?.body?.['scope']).toBe('openid profile offline_access')
      sim.approve(String(code['user_code']))
      expect(await run.exit).toBe(0)
    } finally {
      await sim.close()
    }
  })

  it('api-v1: multipart bodies with device metadata; a 415 names the bodyEncoding setting', async () => {
    const options: ApiV1SimulatorOptions = { interval: 1, acceptedEncodings: ['multipart'] }
    const sim = await startApiV1Simulator(options)
    try {
      const json = login(await configWith(CASES[1]!.provider(sim)))
      expect(await json.exit).toBe(1)
      expect(json.cap.events().at(-1)).toMatchObject({ event: 'error', code: 'config_error' })
      expect(String(json.cap.events().at(-1)?.['message'])).toContain('refused a json body (HTTP 415); set "bodyEncoding"')

      const multipart = login(await configWith({ ...CASES[1]!.provider(sim), bodyEncoding: 'multipart', device: { name: 'Living room TV', appVersion: '9.9.9' } }))
      const code = await multipart.cap.waitForEvent('code')
      sim.approve(String(code['user_code']))
      expect(await multipart.exit).toBe(0)
      const sim1 = sim as unknown as { devices: Record<string, string>[] }
      expect(sim1.devices[0]).toMatchObject({ device_name: 'Living room TV', app_version: '9.9.9', device_os: expect.any(String), device_model: expect.any(String) })
    } finally {
      await sim.close()
    }
  })

  it('Google: a scope outside the device-flow list is warned about, then refused by the server', async () => {
    const sim = await startGoogleSimulator({ interval: 1 })
    try {
      const run = login(await configWith({ ...CASES[3]!.provider(sim), scope: 'openid https://www.googleapis.com/auth/gmail.readonly' }))
      expect(await run.exit).toBe(1)
      expect(run.cap.events()[0]).toMatchObject({ event: 'warning', message: expect.stringContaining('Google does not allow "https://www.googleapis.com/auth/gmail.readonly"') })
      expect(run.cap.events().at(-1)).toMatchObject({ event: 'error', code: 'oauth_error', message: expect.stringContaining('invalid_scope') })
    } finally {
      await sim.close()
    }
  })
})

describe('Trakt token life cycle against the simulator', () => {
  it('refreshes with a single-use refresh token, then revokes', async () => {
    const sim = await startTraktSimulator({ interval: 1 })
    try {
      const config = await configWith(CASES[0]!.provider(sim))
      const run = login(config, ['--show-token'])
      sim.approve(String((await run.cap.waitForEvent('code'))['user_code']), { login: 'ada', name: 'Ada' })
      expect(await run.exit).toBe(0)
      const tokens = run.cap.events().at(-1)?.['tokens'] as { access_token: string; refresh_token: string }

      const { createTraktDialect } = await import('../../electron/core/dialects/trakt')
      const { createHttp } = await import('../../electron/core/http')
      const { systemClock } = await import('../../electron/adapters/system-clock')
      const trakt = createTraktDialect({ id: 'p', clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, baseUrl: sim.origin }, { http: createHttp({ fetch, clock: systemClock }), clock: systemClock })
      const fresh = await trakt.refresh!(tokens.refresh_token)
      expect(fresh.access_token).not.toBe(tokens.access_token)
      expect(fresh.refresh_token).toEqual(expect.any(String))
      await expect(trakt.refresh!(tokens.refresh_token)).rejects.toMatchObject({ code: 'oauth_error', oauthError: 'invalid_grant' })
      expect(await trakt.fetchAccount!(fresh)).toMatchObject({ sub: 'ada', name: 'Ada' })
      await trakt.revoke!(fresh)
      expect(await trakt.fetchAccount!(fresh)).toBeUndefined()
    } finally {
      await sim.close()
    }
  })
})
