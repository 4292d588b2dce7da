import { describe, expect, it } from 'vitest'
import { createBetterAuthDialect } from '../../../electron/core/dialects/better-auth'
import { createHttp } from '../../../electron/core/http'
import type { DeviceAuthorization, FetchLike } from '../../../electron/core/types'
import { FakeClock } from '../../helpers/fake-clock'
import { json } from '../../helpers/scripted-server'

const BASE = 'https://auth.example/api/auth'
const code: DeviceAuthorization = {
  device_code: 'dc-SECRET-0001',
  user_code: 'ABCDEFGH',
  verification_uri: 'https://auth.example/device',
  expires_in: 600,
  interval: 5,
  expires_at: Date.UTC(2026, 0, 1) + 600_000,
}

function dialect(answer: (url: string, init: RequestInit) => Response) {
  const clock = new FakeClock()
  const sent: { url: string; init: RequestInit }[] = []
  const fetch: FetchLike = async (url, init) => {
    sent.push({ url, init })
    return answer(url, init)
  }
  return { sent, clock, d: createBetterAuthDialect({ id: 'ba', clientId: 'tv', scope: 'openid', baseUrl: `${BASE}/` }, { http: createHttp({ fetch, clock }), clock }) }
}

describe('better-auth dialect', () => {
  it('requests a code and polls with JSON bodies (the token endpoint refuses forms)', async () => {
    const { d, sent, clock } = dialect((url) =>
      url.endsWith('/device/code')
        ? json(200, { device_code: 'dc', user_code: 'ABCDEFGH', verification_uri: 'https://auth.example/device', expires_in: 600, interval: 5 })
        : json(400, { error: 'authorization_pending', error_description: 'Authorization pending' }),
    )
    await clock.run(d.requestCode())
    expect(await clock.run(d.poll(code))).toEqual({ kind: 'pending' })
    expect(sent.map((s) => s.url)).toEqual([`${BASE}/device/code`, `${BASE}/device/token`])
    for (const s of sent) expect(new Headers(s.init.headers).get('content-type')).toBe('application/json')
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({ client_id: 'tv', scope: 'openid' })
    expect(JSON.parse(String(sent[1]?.init.body))).toEqual({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'dc-SECRET-0001', client_id: 'tv' })
  })

  it('accepts the 1.7 token shape {access_token, token_type, expires_in, scope}', async () => {
    const { d, clock } = dialect(() => json(200, { access_token: 'sess-SECRET', token_type: 'Bearer', expires_in: 604799, scope: 'openid profile' }))
    const outcome = await clock.run(d.poll(code))
    expect(outcome).toMatchObject({ kind: 'authorized', tokens: { access_token: 'sess-SECRET', token_type: 'Bearer', scope: 'openid profile', expires_in: 604799 } })
  })

  it('accepts the documented {session, user} shape, with the account from user', async () => {
    const expiresAt = new Date(Date.UTC(2026, 0, 8)).toISOString()
    const { d, clock } = dialect(() =>
      json(200, { session: { token: 'sess-SECRET', expiresAt, userId: 'u1' }, user: { id: 'u1', name: 'Ada', email: 'ada@example.com', image: 'https://img.example/a.png' } }),
    )
    const outcome = await clock.run(d.poll(code))
    expect(outcome).toMatchObject({
      kind: 'authorized',
      tokens: { access_token: 'sess-SECRET', token_type: 'bearer', expires_in: 7 * 86400 },
      account: { sub: 'u1', name: 'Ada', email: 'ada@example.com', picture: 'https://img.example/a.png' },
    })
  })

  it('maps a schema error {message, code} onto an error outcome', async () => {
    const { d, clock } = dialect(() => json(400, { message: '[body.client_id] Invalid input', code: 'VALIDATION_ERROR' }))
    expect(await clock.run(d.poll(code))).toEqual({ kind: 'error', error: 'validation_error', description: '[body.client_id] Invalid input' })
  })

  it.each([
    ['slow_down', { kind: 'slow_down' }],
    ['access_denied', { kind: 'denied', description: 'Access denied' }],
    ['expired_token', { kind: 'expired' }],
    ['invalid_grant', { kind: 'error', error: 'invalid_grant', description: 'Invalid device code' }],
  ])('maps %s', async (error, expected) => {
    const description = { slow_down: 'Polling too frequently', access_denied: 'Access denied', expired_token: 'Device code has expired', invalid_grant: 'Invalid device code' }[error]
    const { d, clock } = dialect(() => json(400, { error, error_description: description }))
    expect(await clock.run(d.poll(code))).toEqual(expected)
  })

  it('reads the account from /get-session, and null there means unknown', async () => {
    const tokens = { access_token: 'sess-SECRET', token_type: 'bearer', extra: {} }
    const known = dialect(() => json(200, { session: {}, user: { id: 'u2', email: 'b@example.com' } }))
    expect(await known.clock.run(known.d.fetchAccount!(tokens))).toEqual({ sub: 'u2', email: 'b@example.com' })
    expect(new Headers(known.sent[0]?.init.headers).get('authorization')).toBe('Bearer sess-SECRET')
    const unknown = dialect(() => json(200, null))
    expect(await unknown.clock.run(unknown.d.fetchAccount!(tokens))).toBeUndefined()
  })
})
