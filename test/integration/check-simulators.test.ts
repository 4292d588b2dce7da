/**
 * `linkscreen check` against every provider simulator (through a recording proxy, so that the
 * test knows every code and token handed out), each approving and denying through
 * `--approve-with`: the findings each simulator really has, and no secret in any report.
 * Then the bad providers of issue #17: codes that expire in 5 s, a provider that hangs, one
 * that answers HTML, a request budget too small.
 */
import { describe, expect, it, type TestContext } from 'vitest'
import { startControl, type Control } from '../helpers/check-control'
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy'
import { startApiV1Simulator } from '../simulators/api-v1'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type Simulator } from '../simulators/device-flow'
import { startGitHubSimulator } from '../simulators/github'
import { startGoogleSimulator } from '../simulators/google'
import { startMicrosoftSimulator } from '../simulators/microsoft'
import { startTraktSimulator } from '../simulators/trakt'
import { everything, expectNoSecrets, expectVerdicts, runCheckCli } from './check-support'

/** A simulator behind a recording proxy, with an approval command that acts on it. */
async function setUp<S extends Simulator>(onTestFinished: TestContext['onTestFinished'], start: Promise<S>): Promise<{ sim: S; proxy: RecordingProxy; control: Control }> {
  const sim = await start
  const proxy = await startRecordingProxy(sim.origin)
  const control = await startControl((r) => (r.decision === 'deny' ? sim.deny(r.userCode) : sim.approve(r.userCode)))
  // Per test: the tests of a file run concurrently.
  onTestFinished(async () => {
    await Promise.all([control.close(), proxy.close(), sim.close()])
  })
  return { sim, proxy, control }
}

/** What every simulator shares at interval 1 s and codes living 12 s. */
const COMMON = {
  'code.members': 'pass',
  'code.verification_uri': 'pass',
  'code.interval': 'pass',
  'code.expires_in': 'warn',
  'user_code.length': 'pass',
  'code.cache_control': 'pass',
  'poll.pending': 'pass',
  'poll.early': 'pass',
  'poll.authorized': 'pass',
  'poll.after_success': 'pass',
  'poll.denied': 'pass',
  'poll.after_denial': 'pass',
  'poll.expired': 'pass',
  'errors.unknown_client': 'pass',
  'tokens.discovery': 'skip',
} as const

/** The confusables verdict the user codes really issued call for. */
const confusablesIn = (proxy: RecordingProxy): 'warn' | 'pass' => (proxy.userCodes().some((c) => /[0O1Il]/.test(c)) ? 'warn' : 'pass')

describe.concurrent('linkscreen check against the simulators', () => {
  it('trakt: status codes as documented; slow_down (429) does not raise the interval; revocation ends the access token', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { proxy, control } = await setUp(onTestFinished, startTraktSimulator({ interval: 1, expiresIn: 12 }))
    const run = await runCheckCli({ dialect: 'trakt', clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, baseUrl: proxy.origin }, ['--approve-with', control.command])
    expectVerdicts(run, {
      ...COMMON,
      'code.verification_uri_complete': 'skip',
      'user_code.alphabet': 'pass',
      'user_code.entropy': 'pass',
      'user_code.confusables': confusablesIn(proxy),
      'poll.slow_down': 'warn',
      'errors.wrong_grant_type': 'skip',
      'errors.malformed_body': 'pass',
      'tokens.id_token': 'skip',
      'tokens.refresh': 'pass',
      'tokens.revocation': 'pass',
    })
    expect(run.status).toBe(0)
    expect(run.detail('code.members')).toContain('"verification_url" instead of "verification_uri", as its documentation says')
    expect(run.detail('user_code.alphabet')).toContain('hexadecimal (16 symbols)')
    expect(run.detail('poll.early')).toContain('HTTP 429')
    expect(run.detail('poll.after_success')).toBe('HTTP 409, as Trakt documents')
    expect(run.detail('poll.denied')).toBe('HTTP 418, as Trakt documents')
    expect(run.detail('poll.expired')).toBe('HTTP 410, as Trakt documents')
    expect(run.detail('errors.unknown_client')).toBe('HTTP 403, as Trakt documents')
    expect(run.detail('tokens.revocation')).toBe('accepted; the access token no longer works')
    expect(control.seen.map((s) => [s.decision, s.envDecision])).toEqual([['approve', 'approve'], ['deny', 'deny']])
    expectNoSecrets(run, [...proxy.secrets(), DEFAULT_CLIENT_SECRET])
  })

  it('github: errors in 200 bodies as documented; slow_down names a raised interval (+5 s); no refresh or revocation', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { proxy, control } = await setUp(onTestFinished, startGitHubSimulator({ interval: 1, expiresIn: 12 }))
    const run = await runCheckCli({ dialect: 'github', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin, apiBaseUrl: `${proxy.origin}/api` }, ['--approve-with', control.command])
    expectVerdicts(run, {
      ...COMMON,
      'code.verification_uri_complete': 'skip',
      'user_code.alphabet': 'pass',
      'user_code.entropy': 'pass',
      'user_code.confusables': confusablesIn(proxy),
      'poll.slow_down': 'pass',
      'errors.wrong_grant_type': 'pass',
      'errors.malformed_body': 'pass',
      'tokens.id_token': 'skip',
      'tokens.refresh': 'skip',
      'tokens.revocation': 'skip',
    })
    expect(run.status).toBe(0)
    expect(run.detail('poll.pending')).toBe('HTTP 200 (application/json) "authorization_pending"')
    expect(run.detail('poll.slow_down')).toBe('raised by 5 s (to 6 s, named in the answer); a poll after it is pending')
    expect(run.detail('poll.after_success')).toBe('"incorrect_device_code" with HTTP 200, as GitHub documents (errors in the body)')
    expect(run.detail('errors.unknown_client')).toContain('"incorrect_client_credentials" with HTTP 401')
    expect(run.detail('tokens.refresh')).toBe('no refresh token was issued')
    expectNoSecrets(run, proxy.secrets())
  })

  it('api-v1: RFC errors throughout, verification_uri_complete right; slow_down does not raise the interval', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { proxy, control } = await setUp(onTestFinished, startApiV1Simulator({ interval: 1, expiresIn: 12 }))
    const run = await runCheckCli({ dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin }, ['--approve-with', control.command])
    expectVerdicts(run, {
      ...COMMON,
      'code.verification_uri_complete': 'pass',
      'user_code.alphabet': 'pass',
      'user_code.entropy': 'pass',
      'user_code.confusables': 'pass',
      'poll.slow_down': 'warn',
      'errors.wrong_grant_type': 'pass',
      'errors.malformed_body': 'pass',
      'tokens.id_token': 'skip',
      'tokens.refresh': 'skip',
      'tokens.revocation': 'skip',
    })
    expect(run.status).toBe(0)
    expect(run.detail('user_code.alphabet')).toContain('base-20 consonants (RFC 8628 §6.1) (20 symbols)')
    expect(run.detail('user_code.entropy')).toContain('about 34.6 bits')
    expect(run.detail('poll.slow_down')).toMatch(/^not raised: a poll 1 s after slow_down is answered authorization_pending/)
    expect(run.detail('errors.malformed_body')).toBe('"invalid_request" with HTTP 400, JSON')
    expect(run.detail('poll.after_success')).toBe('"invalid_grant" with HTTP 400, JSON')
    expectNoSecrets(run, proxy.secrets())
  })

  it('google: 428 pending as documented; a malformed body earns invalid_client; no /revoke on the simulator', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { proxy, control } = await setUp(onTestFinished, startGoogleSimulator({ interval: 1, expiresIn: 12 }))
    const run = await runCheckCli(
      { dialect: 'google', clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, baseUrl: proxy.origin, userinfoUrl: `${proxy.origin}/v1/userinfo`, headers: { 'x-goog-test': 'configured-header-value-1234' } },
      ['--approve-with', control.command],
    )
    expectVerdicts(run, {
      ...COMMON,
      'code.verification_uri_complete': 'skip',
      'user_code.alphabet': 'pass',
      'user_code.entropy': 'pass',
      'user_code.confusables': 'pass',
      'poll.slow_down': 'warn',
      'errors.wrong_grant_type': 'pass',
      'errors.malformed_body': 'warn',
      'tokens.id_token': 'pass',
      'tokens.refresh': 'pass',
      'tokens.revocation': 'fail',
    })
    expect(run.status).toBe(1)
    expect(run.detail('poll.pending')).toBe('HTTP 428 (application/json) "authorization_pending"')
    expect(run.detail('errors.malformed_body')).toBe('"invalid_client" with HTTP 401 where "invalid_request" was expected')
    expect(run.detail('tokens.id_token')).toContain('signature not checked')
    expect(run.detail('tokens.revocation')).toContain('not_found')
    expectNoSecrets(run, [...proxy.secrets(), DEFAULT_CLIENT_SECRET, 'configured-header-value-1234'])
  })

  it('microsoft: an unknown app earns unauthorized_client; the simulator has no refresh grant', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { proxy, control } = await setUp(onTestFinished, startMicrosoftSimulator({ interval: 1, expiresIn: 12 }))
    const run = await runCheckCli({ dialect: 'microsoft', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin, userinfoUrl: `${proxy.origin}/oidc/userinfo` }, ['--approve-with', control.command])
    expectVerdicts(run, {
      ...COMMON,
      'errors.unknown_client': 'warn',
      'code.verification_uri_complete': 'skip',
      'user_code.alphabet': 'pass',
      'user_code.entropy': 'pass',
      'user_code.confusables': 'pass',
      'poll.slow_down': 'warn',
      'errors.wrong_grant_type': 'pass',
      'errors.malformed_body': 'pass',
      'tokens.id_token': 'pass',
      'tokens.refresh': 'fail',
      'tokens.revocation': 'skip',
    })
    expect(run.status).toBe(1)
    expect(run.detail('errors.unknown_client')).toBe('"unauthorized_client" with HTTP 400 where "invalid_client" was expected')
    expect(run.detail('poll.denied')).toContain('"authorization_declined"')
    expect(run.detail('user_code.length')).toBe('9 significant characters')
    expect(run.detail('tokens.refresh')).toContain('unsupported_grant_type')
    expectNoSecrets(run, proxy.secrets())
  })
})

describe.concurrent('linkscreen check against bad providers', () => {
  it('codes that expire in 5 s: expires_in warned, expired_token seen, the raised interval not measurable', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { proxy, control } = await setUp(onTestFinished, startApiV1Simulator({ interval: 1, expiresIn: 5 }))
    const run = await runCheckCli({ dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin }, ['--approve-with', control.command])
    expect(run.verdicts['code.expires_in']).toBe('warn')
    expect(run.detail('code.expires_in')).toBe('5 s: too short for a person to reach a browser and type the code')
    expect(run.verdicts['poll.expired']).toBe('pass')
    expect(run.verdicts['poll.slow_down']).toBe('skip')
    expect(run.detail('poll.slow_down')).toBe('the code expires before a raised interval could be measured')
    expect(run.verdicts['poll.authorized']).toBe('pass')
    expect(run.verdicts['poll.denied']).toBe('pass')
    expect(run.status).toBe(0)
  })

  it('a provider that hangs: two requests time out, the checker stops sending and says so', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { sim, proxy } = await setUp(onTestFinished, startApiV1Simulator({ interval: 1 }))
    sim.faults.delayMs = 30_000
    const run = await runCheckCli({ dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin }, ['--request-timeout', '1'])
    expect(run.status).toBe(1)
    expect(run.verdicts['code.response']).toBe('fail')
    expect(run.detail('code.response')).toContain('no complete answer within 1000 ms')
    expect(run.verdicts['run.hung']).toBe('fail')
    expect(run.verdicts['errors.unknown_client']).toBe('fail')
    expect(run.verdicts['errors.malformed_body']).toBe('skip')
    expect(run.detail('errors.malformed_body')).toBe('the provider stopped answering')
    expect(run.report.requests.used).toBe(2)
    expect(sim.requests).toHaveLength(2)
  })

  it('a provider that answers HTML: the code request and the error probes fail, nothing passes for it', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { sim, proxy } = await setUp(onTestFinished, startApiV1Simulator({ interval: 1 }))
    sim.faults.queue('html', 200)
    const run = await runCheckCli({ dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin })
    expect(run.status).toBe(1)
    expect(run.verdicts['code.response']).toBe('fail')
    expect(run.detail('code.response')).toContain('HTTP 200 (text/html)')
    for (const id of ['errors.unknown_client', 'errors.wrong_grant_type', 'errors.malformed_body']) {
      expect(run.verdicts[id]).toBe('fail')
      expect(run.detail(id)).toContain('text/html')
    }
    expect(run.verdicts['poll.pending']).toBe('skip')
    expect(Object.values(run.verdicts)).not.toContain('pass')
  })

  it('a budget too small: the checker stops at it, says so, and prints the count', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { sim, proxy, control } = await setUp(onTestFinished, startApiV1Simulator({ interval: 1, expiresIn: 12 }))
    const run = await runCheckCli({ dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin }, ['--approve-with', control.command, '--max-requests', '10'])
    expect(run.report.requests).toEqual({ used: 10, max: 10 })
    expect(sim.requests).toHaveLength(10)
    expect(run.verdicts['run.budget']).toBe('warn')
    expect(run.detail('poll.after_denial')).toBe('the request budget (10) was used up')
    expect(everything(run)).toContain('Requests: 10 of at most 10')
  })

  it('the human report: grouped, no colour off a TTY, the request count at the end', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { proxy } = await setUp(onTestFinished, startApiV1Simulator({ interval: 1, expiresIn: 12 }))
    const { mkdtemp, writeFile } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const { main } = await import('../../electron/cli/main')
    const { captureIo } = await import('../helpers/cli-io')
    const dir = await mkdtemp(join(tmpdir(), 'linkscreen-check-human-'))
    await writeFile(join(dir, 'p.json'), JSON.stringify({ providers: [{ id: 'p', dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin }] }))
    const cap = captureIo()
    const status = await main(['check', '--provider', 'p', '--config', join(dir, 'p.json'), '--max-wait', '0'], { io: cap.io, env: { HOME: dir } })
    const out = cap.out()
    expect(status).toBe(0)
    expect(out).not.toContain('\u001b[')
    const groups = ['Device authorization response', 'Polling', 'Error answers', 'Discovery and tokens'].map((g) => out.indexOf(`\n${g}\n`))
    expect(groups.every((at) => at > 0)).toBe(true)
    expect([...groups].sort((x, y) => x - y)).toEqual(groups)
    expect(out).toContain('– skip Tokens after approval: needs a person: pass --approve-with CMD, or run on a terminal to approve by hand')
    expect(out).toMatch(/\nRequests: \d+ of at most 60; [\d.]+ s\n/)
    expect(out).toContain('Approval and denial were skipped')
  })
})

describe.concurrent('linkscreen check with a bad --approve-with command', () => {
  it('one that fails and prints secrets: reported as a failure with its output scrubbed; the probes it serves are skipped, never passed', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { proxy } = await setUp(onTestFinished, startApiV1Simulator({ interval: 1 }))
    const leak = 'console.log(`code ${process.argv[1]} token ${process.env.LINKSCREEN_APPROVER_TOKEN}`); process.exit(3)'
    const run = await runCheckCli(
      { dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin },
      ['--approve-with', `"${process.execPath}" -e '${leak}'`, '--max-wait', '0'],
      { LINKSCREEN_APPROVER_TOKEN: 'approver-session-token-0123456789' },
    )
    expect(run.status).toBe(1)
    expect(run.verdicts['run.approve']).toBe('fail')
    expect(run.verdicts['run.deny']).toBe('fail')
    expect(run.detail('run.approve')).toBe('--approve-with (approve): exit status 3; it printed: code [redacted] token [redacted]')
    for (const id of ['poll.authorized', 'poll.after_success', 'poll.denied', 'poll.after_denial', 'tokens.id_token']) expect(run.verdicts[id]).toBe('skip')
    expect(run.detail('poll.authorized')).toBe('the approval did not happen: --approve-with (approve): exit status 3; it printed: code [redacted] token [redacted]')
    expectNoSecrets(run, ['approver-session-token-0123456789', ...proxy.secrets(), ...proxy.userCodes()])
  })

  it('one that hangs: killed at --approve-timeout and reported', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const { proxy } = await setUp(onTestFinished, startApiV1Simulator({ interval: 1 }))
    const run = await runCheckCli(
      { dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: proxy.origin },
      ['--approve-with', `"${process.execPath}" -e "setTimeout(() => {}, 120000)"`, '--approve-timeout', '1', '--max-wait', '0'],
    )
    expect(run.status).toBe(1)
    expect(run.detail('run.approve')).toBe('--approve-with (approve): no exit within 1 s: killed')
    expect(run.verdicts['poll.authorized']).toBe('skip')
  })
})
