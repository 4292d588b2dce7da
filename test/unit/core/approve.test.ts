/**
 * Approving a code (core), against scripted answers: code normalisation, the requests sent,
 * the mapping of refusals, and that the session token never reaches a message.
 */
import { describe, expect, it } from 'vitest'
import { ApproveError, createApprover, normalizeUserCode, type DeviceRequest } from '../../../electron/core/approve'
import { ErrorCode, LinkscreenError } from '../../../electron/core/errors'
import type { FetchLike } from '../../../electron/core/types'

const TOKEN = 'sess_4f9b2c7d1e8a6b3c5d7e9f0a1b2c3d4e'
const BASE = 'https://auth.example.com/api/auth'
const PROVIDER = { id: 'ba', baseUrl: `${BASE}/`, headers: { 'x-tenant': 'acme' } }

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const SESSION = () => json(200, { session: { token: TOKEN }, user: { id: 'u1', name: 'Ada', email: 'ada@example.com' } })

function scripted(answers: ((url: string, init: RequestInit) => Response)[]) {
  const seen: { url: string; method: string; headers: Record<string, string>; body?: unknown }[] = []
  const http: FetchLike = async (url, init) => {
    seen.push({
      url,
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      ...(typeof init.body === 'string' ? { body: JSON.parse(init.body) as unknown } : {}),
    })
    const next = answers.shift()
    if (!next) throw new Error(`unexpected request ${init.method} ${url}`)
    return next(url, init)
  }
  return { http, seen }
}

/** Asserts that `promise` rejects with an ApproveError of `reason`, and returns it. */
async function refusal(promise: Promise<unknown>, reason: string): Promise<ApproveError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ApproveError)
  expect((error as ApproveError).reason).toBe(reason)
  expect(JSON.stringify({ m: (error as Error).message, d: (error as ApproveError).description })).not.toContain(TOKEN)
  return error as ApproveError
}

describe('normalizeUserCode', () => {
  it('reads a default-alphabet code as the plugin does: letters and digits only, upper case', () => {
    expect(normalizeUserCode('wdjb-mjht')).toBe('WDJBMJHT')
    expect(normalizeUserCode('  WDJB MJHT \n')).toBe('WDJBMJHT')
    expect(normalizeUserCode('W.D.J.B–M.J.H.T')).toBe('WDJBMJHT')
  })

  it('keeps a code outside the default alphabet as typed (trimmed): the plugin matches custom codes exactly', () => {
    expect(normalizeUserCode(' abc-1001 ')).toBe('abc-1001') // 1 and 0 are not in the default alphabet
    expect(normalizeUserCode('ÖKÖ-1')).toBe('ÖKÖ-1')
    // Like the plugin, only letters and digits of ASCII survive: the claim falls back to the code as typed.
    expect(normalizeUserCode('Ökö-42')).toBe('K42')
    expect(normalizeUserCode('   ')).toBe('')
  })
})

describe('createApprover', () => {
  it('checks the session, claims the normalised code, then approves: Bearer on every request, the configured headers too', async () => {
    const { http, seen } = scripted([
      SESSION,
      () => json(200, { user_code: 'WDJBMJHT', status: 'pending', client_id: 'tv-app', scope: 'openid  profile', client_name: 'Living-room TV\u0007', resource: ['https://api.example.com'] }),
      () => json(200, { success: true }),
    ])
    const approver = createApprover(PROVIDER, TOKEN, { http })
    const request = await approver.claim('wdjb-mjht')
    expect(request).toEqual({
      providerId: 'ba',
      userCode: 'WDJBMJHT',
      clientId: 'tv-app',
      clientName: 'Living-room TV',
      scopes: ['openid', 'profile'],
      resources: ['https://api.example.com'],
      approver: { sub: 'u1', name: 'Ada', email: 'ada@example.com' },
    })
    expect(await approver.decide(request, 'approve')).toEqual({ providerId: 'ba', userCode: 'WDJBMJHT', decision: 'approve' })
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      `GET ${BASE}/get-session`,
      `GET ${BASE}/device?user_code=WDJBMJHT`,
      `POST ${BASE}/device/approve`,
    ])
    expect(seen.every((s) => s.headers['authorization'] === `Bearer ${TOKEN}` && s.headers['x-tenant'] === 'acme')).toBe(true)
    expect(seen[2]).toMatchObject({ body: { userCode: 'WDJBMJHT' }, headers: { 'content-type': 'application/json' } })
  })

  it('denies with POST /device/deny', async () => {
    const { http, seen } = scripted([() => json(200, { success: true })])
    const request: DeviceRequest = { providerId: 'ba', userCode: 'WDJBMJHT', clientId: 'tv', scopes: [] }
    expect(await createApprover(PROVIDER, TOKEN, { http }).decide(request, 'deny')).toMatchObject({ decision: 'deny' })
    expect(seen[0]).toMatchObject({ method: 'POST', url: `${BASE}/device/deny`, body: { userCode: 'WDJBMJHT' } })
  })

  it('retries a custom code as typed when its normalised form is unknown', async () => {
    const { http, seen } = scripted([
      SESSION,
      () => json(400, { error: 'invalid_request', error_description: 'Invalid user code' }),
      () => json(200, { user_code: 'ab-cd', status: 'pending', client_id: 'tv' }),
    ])
    const request = await createApprover(PROVIDER, TOKEN, { http }).claim('ab-cd')
    expect(request.userCode).toBe('ab-cd')
    expect(seen.slice(1).map((s) => s.url)).toEqual([`${BASE}/device?user_code=ABCD`, `${BASE}/device?user_code=ab-cd`])
  })

  it('refuses an empty or absurd code, and an empty or malformed token, without a request', async () => {
    const { http, seen } = scripted([])
    await refusal(createApprover(PROVIDER, TOKEN, { http }).claim(' - '), 'invalid_code')
    await refusal(createApprover(PROVIDER, TOKEN, { http }).claim('A'.repeat(192)), 'invalid_code')
    await refusal(createApprover(PROVIDER, '', { http }).claim('WDJBMJHT'), 'not_signed_in')
    const malformed = await refusal(createApprover(PROVIDER, `${TOKEN}\r\nX-Evil: 1`, { http }).claim('WDJBMJHT'), 'not_signed_in')
    expect(malformed.message).toContain('malformed')
    expect(seen).toEqual([])
  })

  it('maps an unknown session (200 null, or 401) to not_signed_in before touching the code', async () => {
    const { http, seen } = scripted([() => json(200, null), () => json(401, { message: 'Unauthorized' })])
    await refusal(createApprover(PROVIDER, TOKEN, { http }).claim('WDJBMJHT'), 'not_signed_in')
    await refusal(createApprover(PROVIDER, TOKEN, { http }).claim('WDJBMJHT'), 'not_signed_in')
    expect(seen.map((s) => s.url)).toEqual([`${BASE}/get-session`, `${BASE}/get-session`])
  })

  it('maps each of the plugin refusals to its own reason and message', async () => {
    const cases: [string, Response, string, RegExp][] = [
      ['claim', json(400, { error: 'invalid_request', error_description: 'Invalid user code' }), 'invalid_code', /no device is waiting for the code WDJBMJHT/],
      ['claim', json(400, { error: 'expired_token', error_description: 'User code has expired' }), 'expired_code', /WDJBMJHT has expired/],
      ['claim', json(200, { user_code: 'WDJBMJHT', status: 'approved', client_id: 'tv' }), 'already_processed', /already approved/],
      ['claim', json(200, { user_code: 'WDJBMJHT', status: 'pending' }), 'claimed_by_other', /another signed-in person/],
      ['claim', new Response('Not Found', { status: 404 }), 'not_supported', /does not serve better-auth's device plugin/],
      ['claim', json(429, { message: 'Too many requests' }), 'rate_limited', /too many attempts/],
      ['decide', json(400, { error: 'invalid_request', error_description: 'Device code already processed' }), 'already_processed', /already approved or denied/],
      ['decide', json(400, { error: 'invalid_request', error_description: 'Device code has not been claimed by a verifying session; call `GET /device`' }), 'not_claimed', /not claimed/],
      ['decide', json(401, { error: 'unauthorized', error_description: 'Authentication required' }), 'not_signed_in', /not signed in/],
      ['decide', json(403, { error: 'access_denied', error_description: 'You are not authorized to approve this device authorization' }), 'claimed_by_other', /another signed-in person/],
      ['decide', json(400, { error: 'expired_token', error_description: 'User code has expired' }), 'expired_code', /has expired/],
    ]
    const messages = new Set<string>()
    for (const [step, answer, reason, message] of cases) {
      // A claim refused as unknown is retried once with the code as typed (it differs: WDJB-MJHT).
      const { http, seen } = scripted(step === 'claim' ? [SESSION, () => answer.clone(), () => answer.clone()] : [() => answer.clone()])
      const approver = createApprover(PROVIDER, TOKEN, { http })
      const promise = step === 'claim' ? approver.claim('WDJB-MJHT') : approver.decide({ providerId: 'ba', userCode: 'WDJBMJHT', clientId: 'tv', scopes: [] }, 'approve')
      const error = await refusal(promise, reason)
      expect(error.message).toMatch(message)
      expect(error.message.startsWith('ba: ')).toBe(true)
      messages.add(error.message.replace(/approve|deny/g, ''))
      expect(seen.length).toBe(step === 'decide' ? 1 : reason === 'invalid_code' ? 3 : 2)
    }
    expect(messages.size).toBeGreaterThanOrEqual(8)
  })

  it('reports other answers as plain LinkscreenErrors, with server text scrubbed of the token', async () => {
    const { http } = scripted([
      SESSION,
      () => json(400, { error: 'invalid_request', error_description: `token ${TOKEN} is odd\u001b[31m` }),
      SESSION,
      () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }),
      () => json(200, { success: false }),
    ])
    const approver = createApprover(PROVIDER, TOKEN, { http })
    const odd = (await approver.claim('WDJBMJHT').catch((e: unknown) => e)) as LinkscreenError
    expect(odd).not.toBeInstanceOf(ApproveError)
    expect(odd).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_request', status: 400 })
    expect(odd.message).not.toContain(TOKEN)
    expect(odd.message).not.toContain('\u001b')
    expect(odd.description).toBe('token [redacted] is odd [31m')
    const gateway = (await approver.claim('WDJBMJHT').catch((e: unknown) => e)) as LinkscreenError
    expect(gateway).toMatchObject({ code: ErrorCode.ServerError, status: 502 })
    expect(gateway.message).toBe('ba: GET /device: HTTP 502 (text/html)')
    const notSuccess = await approver.decide({ providerId: 'ba', userCode: 'WDJBMJHT', clientId: 'tv', scopes: [] }, 'approve').catch((e: unknown) => e)
    expect(notSuccess).toMatchObject({ code: ErrorCode.InvalidResponse })
  })

  it('lets network errors and cancellation through unchanged', async () => {
    const network = new LinkscreenError(ErrorCode.Network, `GET ${BASE}/get-session: ECONNREFUSED`)
    const http: FetchLike = async () => {
      throw network
    }
    await expect(createApprover(PROVIDER, TOKEN, { http }).claim('WDJBMJHT')).rejects.toBe(network)
    const controller = new AbortController()
    const seenSignals: (AbortSignal | null | undefined)[] = []
    const spy: FetchLike = async (_url, init) => {
      seenSignals.push(init.signal)
      return SESSION()
    }
    controller.abort()
    await createApprover(PROVIDER, TOKEN, { http: spy }).claim('WDJBMJHT', controller.signal).catch(() => undefined)
    expect(seenSignals[0]).toBe(controller.signal)
  })
})
