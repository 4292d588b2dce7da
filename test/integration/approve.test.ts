/**
 * Approving a code from the desktop (core `createApprover`) against a REAL better-auth 1.7
 * server: the device's own poll then ends authorized or denied; wrong, expired and used codes,
 * a code someone else claimed, a missing or refused session, and a server that is not there.
 */
import { createServer, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApproveError, createApprover, type ApproveFailure } from '../../electron/core/approve'
import { createBetterAuthDialect } from '../../electron/core/dialects/better-auth'
import { ErrorCode, LinkscreenError } from '../../electron/core/errors'
import { createHttp } from '../../electron/core/http'
import type { DeviceAuthorization, FetchLike } from '../../electron/core/types'
import { systemClock } from '../../electron/adapters/system-clock'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'

const clock = systemClock

/** The bounded HTTP the app uses, counting requests. */
function countingHttp() {
  const requests: string[] = []
  const raw: FetchLike = (url, init) => {
    requests.push(`${init.method ?? 'GET'} ${new URL(url).pathname}`)
    return fetch(url, init)
  }
  return { http: createHttp({ fetch: raw, clock }), requests }
}

/** The device: a better-auth dialect asking for a code and polling. */
function device(server: BetterAuthServer) {
  const dialect = createBetterAuthDialect(
    { id: 'ba', baseUrl: server.baseUrl, clientId: server.clientId, scope: 'openid profile' },
    { http: createHttp({ fetch, clock }), clock },
  )
  return { dialect, code: () => dialect.requestCode() }
}

const provider = (server: BetterAuthServer) => ({ id: 'ba', baseUrl: server.baseUrl })

async function refused(promise: Promise<unknown>, reason: ApproveFailure, secrets: string[]): Promise<ApproveError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a refusal (${reason})`)
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ApproveError)
  const approveError = error as ApproveError
  expect(approveError.reason).toBe(reason)
  const shown = `${approveError.message} ${approveError.description ?? ''}`
  for (const secret of secrets) expect(shown).not.toContain(secret)
  return approveError
}

describe('approve a device code at a real better-auth server (core)', () => {
  let server: BetterAuthServer
  beforeAll(async () => {
    server = await startBetterAuthServer({ interval: 1 })
  })
  afterAll(() => server.close())

  it('claim shows what is asking and who approves; approve → the device poll gets a session for the approver', async () => {
    const { dialect, code } = device(server)
    const authorization = await code()
    const user = await server.signUp('Ada Lovelace')
    const { http, requests } = countingHttp()
    const approver = createApprover(provider(server), user.token, { http })
    // As a person types it from the screen: lower case, with a dash.
    const typed = `${authorization.user_code.slice(0, 4).toLowerCase()}-${authorization.user_code.slice(4).toLowerCase()}`
    const request = await approver.claim(typed)
    expect(request).toEqual({
      providerId: 'ba',
      userCode: authorization.user_code,
      clientId: server.clientId,
      scopes: ['openid', 'profile'],
      approver: { sub: user.userId, name: 'Ada Lovelace', email: user.email },
    })
    expect(await dialect.poll(authorization)).toEqual({ kind: 'pending' })
    expect(await approver.decide(request, 'approve')).toEqual({ providerId: 'ba', userCode: authorization.user_code, decision: 'approve' })
    expect(requests).toEqual(['GET /api/auth/get-session', 'GET /api/auth/device', 'POST /api/auth/device/approve'])
    await new Promise((resolve) => setTimeout(resolve, 1100)) // the poll interval
    const outcome = await dialect.poll(authorization)
    expect(outcome.kind).toBe('authorized')
    if (outcome.kind !== 'authorized') return
    expect(await dialect.fetchAccount?.(outcome.tokens)).toMatchObject({ sub: user.userId, email: user.email })
  })

  it('deny → the device poll gets access_denied', async () => {
    const { dialect, code } = device(server)
    const authorization = await code()
    const user = await server.signUp('Mallory')
    const approver = createApprover(provider(server), user.token, { http: createHttp({ fetch, clock }) })
    const request = await approver.claim(authorization.user_code)
    expect(await approver.decide(request, 'deny')).toMatchObject({ decision: 'deny' })
    expect(await dialect.poll(authorization)).toMatchObject({ kind: 'denied' })
  })

  it('a wrong code is invalid_code, named in the message, without the token', async () => {
    const user = await server.signUp()
    const { http, requests } = countingHttp()
    const error = await refused(createApprover(provider(server), user.token, { http }).claim('zzzz-zzzz'), 'invalid_code', [user.token])
    expect(error.message).toContain('ZZZZZZZZ')
    expect(error).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_request', status: 400 })
    // normalised first, then as typed (a custom code would match only so)
    expect(requests).toEqual(['GET /api/auth/get-session', 'GET /api/auth/device', 'GET /api/auth/device'])
  })

  it('a code used twice: already_processed while the device has not collected it, invalid_code once it has', async () => {
    const { dialect, code } = device(server)
    const authorization = await code()
    const user = await server.signUp()
    const approver = createApprover(provider(server), user.token, { http: createHttp({ fetch, clock }) })
    const request = await approver.claim(authorization.user_code)
    await approver.decide(request, 'approve')
    await refused(approver.decide(request, 'approve'), 'already_processed', [user.token, authorization.device_code])
    await refused(approver.decide(request, 'deny'), 'already_processed', [user.token])
    const again = await refused(approver.claim(authorization.user_code), 'already_processed', [user.token])
    expect(again.message).toContain('already approved')
    expect((await dialect.poll(authorization)).kind).toBe('authorized')
    await refused(approver.claim(authorization.user_code), 'invalid_code', [user.token])
  })

  it('a code someone else claimed first is claimed_by_other, at the claim and at the decision', async () => {
    const { code } = device(server)
    const authorization = await code()
    const first = await server.signUp('First')
    const second = await server.signUp('Second')
    const http = createHttp({ fetch, clock })
    const firstRequest = await createApprover(provider(server), first.token, { http }).claim(authorization.user_code)
    const other = createApprover(provider(server), second.token, { http })
    await refused(other.claim(authorization.user_code), 'claimed_by_other', [second.token])
    const denied = await refused(other.decide(firstRequest, 'approve'), 'claimed_by_other', [second.token])
    expect(denied.status).toBe(403)
  })

  it('a missing or refused session is not_signed_in; nothing is claimed with it', async () => {
    const { dialect, code } = device(server)
    const authorization = await code()
    const bogus = 'not-a-session-token-0123456789abcdef'
    const { http, requests } = countingHttp()
    await refused(createApprover(provider(server), '', { http }).claim(authorization.user_code), 'not_signed_in', [])
    expect(requests).toEqual([])
    const error = await refused(createApprover(provider(server), bogus, { http }).claim(authorization.user_code), 'not_signed_in', [bogus])
    expect(error.message).toMatch(/not signed in/)
    expect(requests).toEqual(['GET /api/auth/get-session'])
    // A decision sent with a refused session (the claim was made by someone else): 401 from the plugin.
    const user = await server.signUp()
    const request = await createApprover(provider(server), user.token, { http }).claim(authorization.user_code)
    const decision = await refused(createApprover(provider(server), bogus, { http }).decide(request, 'approve'), 'not_signed_in', [bogus])
    expect(decision.status).toBe(401)
    expect(await dialect.poll(authorization)).toEqual({ kind: 'pending' })
  })

  it('a base URL that is not better-auth is not_supported', async () => {
    const user = await server.signUp()
    const wrongBase = { id: 'ba', baseUrl: server.baseUrl.replace('/api/auth', '/elsewhere') }
    const error = await refused(createApprover(wrongBase, user.token, { http: createHttp({ fetch, clock }) }).claim('ABCDEFGH'), 'not_supported', [user.token])
    expect(error.message).toContain('/elsewhere')
  })
})

describe('approve: expiry and network failure', () => {
  it('an expired code is expired_code, at the claim and at a decision made too late', async () => {
    const short = await startBetterAuthServer({ interval: 1, expiresIn: 2 })
    try {
      const { code } = device(short)
      const lateDecision: DeviceAuthorization = await code()
      const lateClaim: DeviceAuthorization = await code()
      const user = await short.signUp()
      const approver = createApprover(provider(short), user.token, { http: createHttp({ fetch, clock }) })
      const request = await approver.claim(lateDecision.user_code)
      await new Promise((resolve) => setTimeout(resolve, 2300))
      const claimError = await refused(approver.claim(lateClaim.user_code), 'expired_code', [user.token])
      expect(claimError.message).toContain(lateClaim.user_code)
      expect(claimError.oauthError).toBe('expired_token')
      await refused(approver.decide(request, 'approve'), 'expired_code', [user.token])
    } finally {
      await short.close()
    }
  })

  it('a server that is not there is a network_error (not an ApproveError), without the token', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as AddressInfo
    await new Promise((resolve) => probe.close(resolve))
    const token = 'session-token-for-a-dead-server-123456'
    const error = await createApprover({ id: 'ba', baseUrl: `http://127.0.0.1:${port}/api/auth` }, token, { http: createHttp({ fetch, clock }) })
      .claim('ABCDEFGH')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LinkscreenError)
    expect(error).not.toBeInstanceOf(ApproveError)
    expect((error as LinkscreenError).code).toBe(ErrorCode.Network)
    expect((error as LinkscreenError).message).toContain('ECONNREFUSED')
    expect((error as LinkscreenError).message).not.toContain(token)
  })
})
