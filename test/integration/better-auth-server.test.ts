/**
 * Proves the better-auth harness works: drives the RFC 8628 device flow by hand
 * with fetch against a real in-process better-auth 1.7 server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBetterAuthServer } from '../servers/better-auth-server'
import type { BetterAuthServer } from '../servers/better-auth-server'
import type { DeviceCodeResponse, Reply } from '../helpers/wire'
import { sleep } from '../helpers/wire'

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'
const MAX_POLLS = 20




async function post(url: string, body: unknown): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function requestCode(srv: BetterAuthServer): Promise<DeviceCodeResponse> {
  const { status, body } = await post(`${srv.baseUrl}/device/code`, { client_id: srv.clientId })
  expect(status).toBe(200)
  return body as unknown as DeviceCodeResponse
}

function poll(srv: BetterAuthServer, deviceCode: string): Promise<Reply> {
  return post(`${srv.baseUrl}/device/token`, { grant_type: GRANT_TYPE, device_code: deviceCode, client_id: srv.clientId })
}

/** Polls (waiting `interval` between polls, bounded) until the answer is no longer authorization_pending. */
async function pollUntilSettled(srv: BetterAuthServer, code: DeviceCodeResponse): Promise<Reply> {
  for (let i = 0; i < MAX_POLLS; i++) {
    await sleep(code.interval * 1000 + 100)
    const reply = await poll(srv, code.device_code)
    if (reply.body.error !== 'authorization_pending') return reply
  }
  throw new Error(`still authorization_pending after ${MAX_POLLS} polls`)
}

describe('better-auth test server (device authorization)', () => {
  let srv: BetterAuthServer

  beforeAll(async () => {
    srv = await startBetterAuthServer({ expiresIn: '5m', interval: '1s' })
  })
  afterAll(async () => {
    await srv.close()
  })

  it('issues a token after approval that works as a Bearer session', async () => {
    const code = await requestCode(srv)
    expect(code).toMatchObject({ expires_in: 300, interval: 1 })
    expect(code.verification_uri).toBe(`${new URL(srv.baseUrl).origin}/device`)

    expect(await poll(srv, code.device_code)).toEqual({
      status: 400,
      body: { error: 'authorization_pending', error_description: 'Authorization pending' },
    })

    const user = await srv.signUp('Ada')
    await srv.approve(code.user_code, user.token)

    const granted = await pollUntilSettled(srv, code)
    expect(granted.status).toBe(200)
    expect(granted.body).toMatchObject({ token_type: 'Bearer', scope: '' })
    expect(typeof granted.body.access_token).toBe('string')
    expect(typeof granted.body.expires_in).toBe('number')

    const res = await fetch(`${srv.baseUrl}/get-session`, {
      headers: { authorization: `Bearer ${String(granted.body.access_token)}` },
    })
    expect(res.status).toBe(200)
    const session = (await res.json()) as { user: { id: string; email: string; name: string } }
    expect(session.user).toMatchObject({ id: user.userId, email: user.email, name: 'Ada' })

    // The device code is single-use.
    await sleep(code.interval * 1000 + 100)
    expect((await poll(srv, code.device_code)).body.error).toBe('invalid_grant')
  })

  it('answers access_denied after the user denies', async () => {
    const code = await requestCode(srv)
    const user = await srv.signUp()
    await srv.deny(code.user_code, user.token)
    const denied = await pollUntilSettled(srv, code)
    expect(denied).toEqual({ status: 400, body: { error: 'access_denied', error_description: 'Access denied' } })
  })

  it('enforces the interval with slow_down and rejects form-encoded token requests', async () => {
    const code = await requestCode(srv)
    expect((await poll(srv, code.device_code)).body.error).toBe('authorization_pending')
    expect(await poll(srv, code.device_code)).toEqual({
      status: 400,
      body: { error: 'slow_down', error_description: 'Polling too frequently' },
    })
    const form = await fetch(`${srv.baseUrl}/device/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: GRANT_TYPE, device_code: code.device_code, client_id: srv.clientId }),
    })
    expect(form.status).toBe(415)
  })

  it('answers expired_token once the device code has expired', async () => {
    const short = await startBetterAuthServer({ expiresIn: 2, interval: 1 })
    try {
      const code = await requestCode(short)
      expect(code).toMatchObject({ expires_in: 2, interval: 1 })
      const expired = await pollUntilSettled(short, code)
      expect(expired).toEqual({
        status: 400,
        body: { error: 'expired_token', error_description: 'Device code has expired' },
      })
    } finally {
      await short.close()
    }
  })
})
