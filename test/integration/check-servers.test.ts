/**
 * `linkscreen check` against the real servers, started in process: better-auth's device
 * plugin, better-auth's OAuth provider with device authorization, and oidc-provider (the demo
 * server). Each is approved and denied through `--approve-with` as a person would (better-auth's
 * HTTP API with a signed-in user; the demo's own pages), and the findings each really has are
 * asserted, with no secret in any report.
 */
import { describe, expect, it } from 'vitest'
import { startDemoServer } from '../../electron/demo/demo-server'
import { startControl } from '../helpers/check-control'
import { startRecordingProxy } from '../helpers/recording-proxy'
import { startBetterAuthOidcServer } from '../servers/better-auth-oidc-server'
import { startBetterAuthServer } from '../servers/better-auth-server'
import { actOnDemoCode } from '../servers/demo-approve'
import { expectNoSecrets, expectVerdicts, runCheckCli } from './check-support'

/** Codes live 12 s at every server: the expiry probe waits for one (--max-wait 30 by default). */
const EXPIRES_IN = 12

describe.concurrent('linkscreen check against the real servers', () => {
  it('better-auth device plugin: schema errors instead of RFC 6749 errors for a wrong grant_type or a malformed body', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const server = await startBetterAuthServer({ interval: 1, expiresIn: EXPIRES_IN })
    const proxy = await startRecordingProxy(new URL(server.baseUrl).origin)
    const person = await server.signUp('Check Person')
    const control = await startControl((r) => (r.decision === 'deny' ? server.deny(r.userCode, person.token) : server.approve(r.userCode, person.token)))
    onTestFinished(async () => {
      await Promise.all([control.close(), proxy.close(), server.close()])
    })
    const run = await runCheckCli(
      { dialect: 'better-auth', baseUrl: `${proxy.origin}/api/auth`, clientId: server.clientId },
      ['--approve-with', control.command],
      { LINKSCREEN_APPROVER_TOKEN: person.token },
    )
    expectVerdicts(run, {
      'code.members': 'pass',
      'code.verification_uri': 'pass',
      'code.verification_uri_complete': 'pass',
      'code.interval': 'pass',
      'code.expires_in': 'warn',
      'user_code.alphabet': 'pass',
      'user_code.length': 'pass',
      'user_code.entropy': 'pass',
      'user_code.confusables': 'pass',
      'code.cache_control': 'pass',
      'poll.pending': 'pass',
      'poll.early': 'pass',
      'poll.slow_down': 'warn',
      'poll.authorized': 'pass',
      'poll.after_success': 'pass',
      'poll.denied': 'pass',
      'poll.after_denial': 'pass',
      'poll.expired': 'pass',
      'errors.unknown_client': 'pass',
      'errors.wrong_grant_type': 'fail',
      'errors.malformed_body': 'fail',
      'tokens.discovery': 'skip',
      'tokens.id_token': 'skip',
      'tokens.refresh': 'skip',
      'tokens.revocation': 'pass',
    })
    expect(run.status).toBe(1)
    expect(run.detail('errors.wrong_grant_type')).toBe('HTTP 400 (application/json) without an "error" member (members: message, code) (RFC 6749 §5.2)')
    expect(run.detail('errors.malformed_body')).toContain('without an "error" member')
    expect(run.detail('poll.slow_down')).toMatch(/^not raised/)
    expect(run.detail('tokens.revocation')).toBe('accepted; the access token no longer works')
    expect(run.detail('tokens.refresh')).toBe('the better-auth dialect has no refresh')
    expectNoSecrets(run, [...proxy.secrets(), person.token])
  })

  it('better-auth OAuth provider: conformant throughout, discovery included; slow_down does not raise the interval', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const server = await startBetterAuthOidcServer({ interval: 1, expiresIn: EXPIRES_IN })
    const person = await server.signUp('Check Person')
    const control = await startControl((r) => (r.decision === 'deny' ? server.deny(r.userCode, person.token) : server.approve(r.userCode, person.token)))
    onTestFinished(async () => {
      await Promise.all([control.close(), server.close()])
    })
    const run = await runCheckCli(
      { dialect: 'oidc', issuer: server.issuer, clientId: server.clientId, scope: 'openid profile email offline_access' },
      ['--approve-with', control.command],
    )
    expectVerdicts(run, {
      'code.members': 'pass',
      'code.verification_uri': 'pass',
      'code.verification_uri_complete': 'pass',
      'code.interval': 'pass',
      'code.expires_in': 'warn',
      'user_code.alphabet': 'pass',
      'user_code.length': 'pass',
      'user_code.entropy': 'pass',
      'user_code.confusables': 'pass',
      'code.cache_control': 'pass',
      'poll.pending': 'pass',
      'poll.early': 'pass',
      'poll.slow_down': 'warn',
      'poll.authorized': 'pass',
      'poll.after_success': 'pass',
      'poll.denied': 'pass',
      'poll.after_denial': 'pass',
      'poll.expired': 'pass',
      'errors.unknown_client': 'pass',
      'errors.wrong_grant_type': 'pass',
      'errors.malformed_body': 'pass',
      'tokens.discovery': 'pass',
      'tokens.id_token': 'pass',
      'tokens.refresh': 'pass',
      'tokens.revocation': 'pass',
    })
    expect(run.status).toBe(0)
    expect(run.detail('tokens.id_token')).toContain('signature checked')
    expect(run.detail('tokens.revocation')).toContain('the revoked refresh token is refused with invalid_grant')
    expect(run.report.findings.find((f) => f.id === 'tokens.discovery')?.evidence[0]?.url).toBe(`${server.issuer}/.well-known/openid-configuration`)
  })

  it('oidc-provider (the demo server): conformant; its slow_down keeps the advertised interval', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const demo = await startDemoServer({ intervalSeconds: 1, deviceCodeTtlSeconds: EXPIRES_IN, quiet: true })
    const control = await startControl((r) => actOnDemoCode({ verificationUri: r.verificationUri ?? '', userCode: r.userCode, name: 'Check Person', decision: r.decision }))
    onTestFinished(async () => {
      await Promise.all([control.close(), demo.close()])
    })
    const run = await runCheckCli({ dialect: 'oidc', issuer: demo.issuer, clientId: demo.clientId, scope: 'openid profile email offline_access' }, ['--approve-with', control.command])
    expectVerdicts(run, {
      'code.members': 'pass',
      'code.verification_uri': 'pass',
      'code.verification_uri_complete': 'pass',
      'code.interval': 'pass',
      'code.expires_in': 'warn',
      'user_code.alphabet': 'pass',
      'user_code.length': 'pass',
      'user_code.entropy': 'pass',
      'user_code.confusables': 'pass',
      'code.cache_control': 'pass',
      'poll.pending': 'pass',
      'poll.early': 'pass',
      'poll.slow_down': 'warn',
      'poll.authorized': 'pass',
      'poll.after_success': 'pass',
      'poll.denied': 'pass',
      'poll.after_denial': 'pass',
      'poll.expired': 'pass',
      'errors.unknown_client': 'pass',
      'errors.wrong_grant_type': 'pass',
      'errors.malformed_body': 'pass',
      'tokens.discovery': 'pass',
      'tokens.id_token': 'pass',
      'tokens.refresh': 'pass',
      'tokens.revocation': 'pass',
    })
    expect(run.status).toBe(0)
    expect(run.detail('user_code.alphabet')).toContain('base-20 consonants')
    expect(run.detail('user_code.alphabet')).toContain('shaped XXXX-XXXX')
    expect(control.seen.map((s) => s.verificationUri)).toEqual([`${demo.issuer}/device`, `${demo.issuer}/device`])
  })
})
