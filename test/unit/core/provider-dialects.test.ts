/** The bad answers issue #3 names, per provider dialect, each a specific error naming the provider and the field. */
import { describe, expect, it } from 'vitest'
import { createGitHubDialect } from '../../../electron/core/dialects/github'
import { createGoogleDialect } from '../../../electron/core/dialects/google'
import { createMicrosoftDialect } from '../../../electron/core/dialects/microsoft'
import { createTraktDialect } from '../../../electron/core/dialects/trakt'
import { LinkscreenError } from '../../../electron/core/errors'
import { createHttp } from '../../../electron/core/http'
import type { DeviceAuthorization, FetchLike } from '../../../electron/core/types'
import { FakeClock } from '../../helpers/fake-clock'
import { json } from '../../helpers/scripted-server'

const code: DeviceAuthorization = { device_code: 'dc', user_code: 'ABCD1234', verification_uri: 'https://p.example/activate', expires_in: 600, interval: 5, expires_at: 1e13 }

function deps(answer: (url: string, init: RequestInit) => Response) {
  const clock = new FakeClock()
  const fetch: FetchLike = async (url, init) => answer(url, init)
  return { clock, deps: { http: createHttp({ fetch, clock }), clock } }
}

async function rejection(promise: Promise<unknown>, clock: FakeClock): Promise<LinkscreenError> {
  const error = await clock.run(promise.then(() => undefined, (e: unknown) => e))
  if (!(error instanceof LinkscreenError)) throw new Error(`expected a LinkscreenError, got ${String(error)}`)
  return error
}

describe('provider dialects refuse bad answers with specific errors', () => {
  it('Trakt: a 400 whose body is an HTML page is a proxy or portal, not "pending": try again later', async () => {
    const { clock, deps: d } = deps(() => new Response('<html><h1>400 Bad Request</h1></html>', { status: 400, headers: { 'content-type': 'text/html' } }))
    const outcome = await clock.run(createTraktDialect({ id: 'trakt', clientId: 'k' }, d).poll(code))
    expect(outcome).toEqual({ kind: 'transient', reason: 'captive_portal', network: 'captive_portal' })
  })

  it('Trakt: an empty 400 is pending, and 429 honours Retry-After', async () => {
    const pending = deps(() => new Response(null, { status: 400 }))
    expect(await pending.clock.run(createTraktDialect({ id: 'trakt', clientId: 'k' }, pending.deps).poll(code))).toEqual({ kind: 'pending' })
    const limited = deps(() => new Response('Rate Limit Exceeded', { status: 429, headers: { 'retry-after': '7' } }))
    expect(await limited.clock.run(createTraktDialect({ id: 'trakt', clientId: 'k' }, limited.deps).poll(code))).toEqual({ kind: 'rate_limited', retryAfterMs: 7000 })
  })

  it('GitHub: a 200 with an unknown error ends with that error, named', async () => {
    const { clock, deps: d } = deps(() => json(200, { error: 'quantum_flux', error_description: 'Something new' }))
    expect(await clock.run(createGitHubDialect({ id: 'gh', clientId: 'c' }, d).poll(code))).toEqual({ kind: 'error', error: 'quantum_flux', description: 'Something new' })
  })

  it('GitHub: slow_down adopts the interval in the body; a form-encoded answer is read too', async () => {
    const slow = deps(() => json(200, { error: 'slow_down', interval: 10 }))
    expect(await slow.clock.run(createGitHubDialect({ id: 'gh', clientId: 'c' }, slow.deps).poll(code))).toEqual({ kind: 'slow_down', interval: 10 })
    const form = deps(() => new Response('access_token=gho_x&token_type=bearer&scope=repo%2Cgist', { status: 200, headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
    expect(await form.clock.run(createGitHubDialect({ id: 'gh', clientId: 'c' }, form.deps).poll(code))).toMatchObject({ kind: 'authorized', tokens: { access_token: 'gho_x', scope: 'repo,gist' } })
  })

  it('Google: an answer lacking verification_url names that field', async () => {
    const { clock, deps: d } = deps(() => json(200, { device_code: 'd', user_code: 'ABC-DEF', expires_in: 1800, interval: 5 }))
    const error = await rejection(createGoogleDialect({ id: 'google', clientId: 'c', clientSecret: 's' }, d).requestCode(), clock)
    expect(error.message).toBe('google: device code response: "verification_url" (or "verification_uri") is missing')
  })

  it('Microsoft: authorization_declined is a denial, bad_verification_code a clear error', async () => {
    const declined = deps(() => json(400, { error: 'authorization_declined', error_description: 'AADSTS70000: The user declined.\r\nTrace ID: x' }))
    expect(await declined.clock.run(createMicrosoftDialect({ id: 'ms', clientId: 'c' }, declined.deps).poll(code))).toMatchObject({ kind: 'denied' })
    const bad = deps(() => json(400, { error: 'bad_verification_code', error_description: 'AADSTS70019' }))
    expect(await bad.clock.run(createMicrosoftDialect({ id: 'ms', clientId: 'c' }, bad.deps).poll(code))).toEqual({
      kind: 'error',
      error: 'bad_verification_code',
      description: 'Microsoft does not recognise this device code',
    })
  })
})
