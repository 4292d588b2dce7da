/**
 * `linkscreen check` against the deliberately broken simulator (test/simulators/broken.ts): in
 * its three modes every probe fails at least once (the two whose worst verdict is a warning,
 * confusable characters and the checker being rate-limited, warn), and the reports stay safe:
 * the server's markup is escaped in the HTML report, which holds no script.
 */
import { describe, expect, it } from 'vitest'
import { startControl } from '../helpers/check-control'
import { startBrokenSimulator, HOSTILE, type BrokenMode } from '../simulators/broken'
import { DEFAULT_CLIENT_ID } from '../simulators/device-flow'
import { expectVerdicts, runCheckCli, type CheckRun } from './check-support'

const runs = new Map<BrokenMode, CheckRun>()

async function checkBroken(mode: BrokenMode, onTestFinished: (fn: () => Promise<void>) => void): Promise<CheckRun> {
  const sim = await startBrokenSimulator({ mode, rateLimitCodes: mode === 'metadata' ? 1 : 0 })
  const control = await startControl((r) => (r.decision === 'deny' ? sim.deny(r.userCode) : sim.approve(r.userCode)))
  onTestFinished(async () => {
    await Promise.all([control.close(), sim.close()])
  })
  const provider =
    mode === 'metadata'
      ? { dialect: 'oidc', issuer: sim.origin, clientId: DEFAULT_CLIENT_ID, name: '<script>alert("name")</script> Broken & Co' }
      : { dialect: 'api-v1', clientId: DEFAULT_CLIENT_ID, baseUrl: sim.origin }
  const run = await runCheckCli(provider, ['--approve-with', control.command, '--max-wait', '15'])
  runs.set(mode, run)
  return run
}

describe.concurrent('linkscreen check against the broken simulator', () => {
  it('answers: wrong types, no interval, no Cache-Control, the device code in the QR link, bad user codes, wrong poll answers, an ID token for someone else', { timeout: 90_000 }, async ({ onTestFinished }) => {
    const run = await checkBroken('answers', onTestFinished)
    expectVerdicts(run, {
      'code.members': 'fail',
      'code.verification_uri': 'pass',
      'code.verification_uri_complete': 'fail',
      'code.interval': 'warn',
      'code.expires_in': 'fail',
      'user_code.alphabet': 'fail',
      'user_code.length': 'fail',
      'user_code.entropy': 'fail',
      'user_code.confusables': 'warn',
      'code.cache_control': 'fail',
      'poll.pending': 'fail',
      'poll.early': 'fail',
      'poll.slow_down': 'skip',
      'poll.authorized': 'pass',
      'poll.after_success': 'fail',
      'poll.denied': 'fail',
      'poll.after_denial': 'fail',
      'poll.expired': 'fail',
      'errors.unknown_client': 'fail',
      'errors.wrong_grant_type': 'fail',
      'errors.malformed_body': 'fail',
      'tokens.discovery': 'skip',
      'tokens.id_token': 'fail',
      'tokens.refresh': 'skip',
      'tokens.revocation': 'skip',
    })
    expect(run.status).toBe(1)
    expect(run.detail('code.members')).toBe('"expires_in" is a string, not a number')
    expect(run.detail('code.verification_uri_complete')).toBe('it carries the device code: whoever sees the QR code can take the tokens')
    expect(run.detail('code.interval')).toBe('absent: clients fall back to 5 s between polls')
    expect(run.detail('user_code.length')).toBe('3 significant characters: short codes are easy to guess')
    expect(run.detail('poll.after_success')).toBe('a second set of tokens was issued for a code already redeemed')
    expect(run.detail('poll.after_denial')).toBe('tokens were issued for a denied code')
    expect(run.detail('poll.expired')).toBe('an expired code is answered pending')
    expect(run.detail('errors.unknown_client')).toBe(`a device code was issued to the unknown client "linkscreen-check-unknown-client"`)
    expect(run.detail('tokens.id_token')).toContain('"aud" does not name this client')
    expect(run.detail('tokens.id_token')).toContain('it has expired')
  })

  it('metadata: discovery without the device grant, a 429 the checker backs off from, slow_down then a 500, refresh and revocation refused', { timeout: 90_000 }, async ({ onTestFinished }) => {
    const run = await checkBroken('metadata', onTestFinished)
    expect(run.verdicts['tokens.discovery']).toBe('fail')
    expect(run.detail('tokens.discovery')).toBe('"grant_types_supported" does not list urn:ietf:params:oauth:grant-type:device_code')
    expect(run.verdicts['poll.slow_down']).toBe('fail')
    expect(run.verdicts['tokens.refresh']).toBe('fail')
    expect(run.verdicts['tokens.revocation']).toBe('fail')
    expect(run.detail('tokens.revocation')).toContain('HTTP 503')
    expect(run.verdicts['run.rate_limited']).toBe('warn')
    expect(run.report.rateLimited.times).toBe(1)
    expect(run.report.rateLimited.waitedMs).toBeGreaterThan(0)
    expect(run.verdicts['code.members']).toBe('pass')
    expect(run.status).toBe(1)
    // The server's markup and the configured name are text in every rendering; the HTML runs nothing.
    expect(run.detail('tokens.refresh')).toContain('<script>alert("x")</script>')
    expect(run.html).not.toMatch(/<script/i)
    expect(run.html).not.toMatch(/<img/i)
    // No tag carries an event handler (the server's "onerror=" is escaped text, outside any tag).
    expect(run.html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i)
    expect(run.html).toContain('&#60;img src=x onerror=alert(1)&#62;')
    expect(run.html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;')
    expect(run.html).toContain('&#60;script&#62;alert(&#34;name&#34;)&#60;/script&#62; Broken &#38; Co')
    expect(run.html).toContain(`Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"`)
    expect(run.html).not.toMatch(/(src|href)="(?!https:\/\/)/)
    expect(HOSTILE).toContain('<script>')
  })

  it('refused: an insecure verification_uri and interval "soon" (the core refuses the answer), approved codes that stay pending', { timeout: 90_000 }, async ({ onTestFinished }) => {
    const run = await checkBroken('refused', onTestFinished)
    expect(run.verdicts['code.response']).toBe('fail')
    expect(run.detail('code.response')).toContain('"verification_uri" must use https:')
    expect(run.verdicts['code.verification_uri']).toBe('fail')
    expect(run.detail('code.verification_uri')).toBe('http: on broken.example: a person would type the code into an unprotected page')
    expect(run.verdicts['code.interval']).toBe('fail')
    expect(run.verdicts['poll.authorized']).toBe('fail')
    expect(run.detail('poll.authorized')).toBe('no tokens after the approval: still pending after 8 polls')
    expect(run.verdicts['poll.pending']).toBe('skip')
    expect(run.status).toBe(1)
  })
})

describe('the three modes together', () => {
  it('fail every probe at least once (warn where a warning is the worst verdict)', () => {
    expect([...runs.keys()].sort()).toEqual(['answers', 'metadata', 'refused'])
    const worst = new Map<string, string>()
    const rank = { pass: 0, skip: 0, warn: 1, fail: 2 } as const
    for (const run of runs.values()) {
      for (const f of run.report.findings) if (rank[f.status] >= rank[(worst.get(f.id) ?? 'pass') as keyof typeof rank]) worst.set(f.id, f.status)
    }
    const warnOnly = new Set(['user_code.confusables', 'run.rate_limited'])
    for (const [id, status] of worst) expect([id, status]).toEqual([id, warnOnly.has(id) ? 'warn' : 'fail'])
    // Every probe a run can report appears (run.* only when they happen: hung, budget and time limit are tested elsewhere).
    expect([...worst.keys()].filter((id) => !id.startsWith('run.')).sort()).toEqual(
      [
        'code.response', 'code.members', 'code.verification_uri', 'code.verification_uri_complete', 'code.interval', 'code.expires_in',
        'user_code.alphabet', 'user_code.length', 'user_code.entropy', 'user_code.confusables', 'code.cache_control',
        'poll.pending', 'poll.early', 'poll.slow_down', 'poll.authorized', 'poll.after_success', 'poll.denied', 'poll.after_denial', 'poll.expired',
        'errors.unknown_client', 'errors.wrong_grant_type', 'errors.malformed_body',
        'tokens.discovery', 'tokens.id_token', 'tokens.refresh', 'tokens.revocation',
      ].sort(),
    )
  })
})
