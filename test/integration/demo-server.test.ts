/**
 * The built-in demo provider (a real oidc-provider 9 server) driven by hand
 * with fetch: RFC 8628 device authorization, polling, approval/denial through
 * the server's own HTML pages (actOnDemoCode), expiry and slow_down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { slugForName, startDemoServer } from '../../electron/demo/demo-server'
import type { DemoServer } from '../../electron/demo/demo-server'
import { actOnDemoCode } from '../servers/demo-approve'
import type { DeviceCodeResponse, Reply } from '../helpers/wire'
import { sleep } from '../helpers/wire'

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'
const SCOPE = 'openid profile email offline_access'
const MAX_POLLS = 20

interface Discovery {
  issuer: string
  device_authorization_endpoint: string
  token_endpoint: string
  userinfo_endpoint: string
}




async function postForm(url: string, form: Record<string, string>): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function discover(srv: DemoServer): Promise<Discovery> {
  const res = await fetch(`${srv.issuer}/.well-known/openid-configuration`)
  expect(res.status).toBe(200)
  const body = (await res.json()) as Discovery
  expect(body.issuer).toBe(srv.issuer)
  expect(body.device_authorization_endpoint).toBe(`${srv.issuer}/device/auth`)
  return body
}

async function requestCode(srv: DemoServer, meta: Discovery): Promise<DeviceCodeResponse> {
  const { status, body } = await postForm(meta.device_authorization_endpoint, { client_id: srv.clientId, scope: SCOPE })
  expect(status, JSON.stringify(body)).toBe(200)
  const code = body as unknown as DeviceCodeResponse
  expect(code.device_code).toEqual(expect.any(String))
  expect(code.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
  expect(code.verification_uri).toBe(`${srv.issuer}/device`)
  expect(code.verification_uri_complete).toBe(`${srv.issuer}/device?user_code=${code.user_code}`)
  return code
}

function poll(srv: DemoServer, meta: Discovery, deviceCode: string): Promise<Reply> {
  return postForm(meta.token_endpoint, { grant_type: GRANT_TYPE, device_code: deviceCode, client_id: srv.clientId })
}

/** Polls every `interval` seconds until the answer is not authorization_pending; slow_down fails the test. */
async function pollUntilSettled(srv: DemoServer, meta: Discovery, code: DeviceCodeResponse): Promise<Reply> {
  for (let i = 0; i < MAX_POLLS; i += 1) {
    await sleep(code.interval * 1000)
    const reply = await poll(srv, meta, code.device_code)
    expect(reply.body.error, 'a client that waits `interval` must never get slow_down').not.toBe('slow_down')
    if (reply.body.error !== 'authorization_pending') return reply
  }
  throw new Error(`still authorization_pending after ${MAX_POLLS} polls`)
}

function jwtPayload(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split('.')
  if (!payload) throw new Error(`not a JWT: ${jwt}`)
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}

describe('demo provider (oidc-provider 9, device flow)', () => {
  let srv: DemoServer
  let meta: Discovery

  beforeAll(async () => {
    srv = await startDemoServer({ intervalSeconds: 1, quiet: true })
    meta = await discover(srv)
  })

  afterAll(async () => {
    await srv?.close()
  })

  it('advertises the configured interval and TTL', async () => {
    const code = await requestCode(srv, meta)
    expect(code.interval).toBe(1)
    expect(code.expires_in).toBe(600)
  })

  it('pending → approve through the HTML pages → tokens → userinfo → refresh', async () => {
    const code = await requestCode(srv, meta)

    const first = await poll(srv, meta, code.device_code)
    expect(first.status).toBe(400)
    expect(first.body.error).toBe('authorization_pending')

    await actOnDemoCode({ verificationUri: code.verification_uri, userCode: code.user_code, name: 'Ada Lovelace', decision: 'approve' })

    const reply = await pollUntilSettled(srv, meta, code)
    expect(reply.status, JSON.stringify(reply.body)).toBe(200)
    const tokens = reply.body
    expect(tokens.token_type).toBe('Bearer')
    expect(tokens.access_token).toEqual(expect.any(String))
    expect(tokens.refresh_token).toEqual(expect.any(String))
    expect(String(tokens.scope).split(' ').sort()).toEqual(SCOPE.split(' ').sort())

    const claims = jwtPayload(String(tokens.id_token))
    expect(claims.iss).toBe(srv.issuer)
    expect(claims.aud).toBe(srv.clientId)
    expect(claims.sub).toBe('ada-lovelace')

    const userinfo = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } })
    expect(userinfo.status).toBe(200)
    expect(await userinfo.json()).toEqual({
      sub: 'ada-lovelace',
      name: 'Ada Lovelace',
      email: 'ada-lovelace@demo.linkscreen.invalid',
      email_verified: false,
    })

    const refreshed = await postForm(meta.token_endpoint, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.refresh_token),
      client_id: srv.clientId,
    })
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200)
    expect(refreshed.body.access_token).toEqual(expect.any(String))
    expect(refreshed.body.access_token).not.toBe(tokens.access_token)

    // The device code is single-use.
    const again = await poll(srv, meta, code.device_code)
    expect(again.status).toBe(400)
    expect(again.body.error).toBe('invalid_grant')
  })

  it('deny through the HTML pages → access_denied', async () => {
    const code = await requestCode(srv, meta)
    await actOnDemoCode({ verificationUri: code.verification_uri, userCode: code.user_code, name: 'Mallory', decision: 'deny' })
    const reply = await pollUntilSettled(srv, meta, code)
    expect(reply.status).toBe(400)
    expect(reply.body.error).toBe('access_denied')
  })

  it('renders typed names escaped and derives a stable sub from them', async () => {
    const name = `Zoë "Zed" O'Brien <b>&</b>`
    const code = await requestCode(srv, meta)
    // actOnDemoCode compares the success page's decoded text with the name: raw
    // markup would be parsed as a tag and not show up as text.
    await actOnDemoCode({ verificationUri: code.verification_uri, userCode: code.user_code, name, decision: 'approve' })
    const reply = await pollUntilSettled(srv, meta, code)
    expect(reply.status, JSON.stringify(reply.body)).toBe(200)
    const userinfo = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${String(reply.body.access_token)}` } })
    expect(await userinfo.json()).toMatchObject({ sub: 'zoe-zed-o-brien-b-b', name })

    expect(slugForName('  Ada   Lovelace ')).toBe('ada-lovelace')
    expect(slugForName('山田 太郎')).toMatch(/^user-[0-9a-f]{12}$/)
    expect(slugForName('山田 太郎')).toBe(slugForName('山田  太郎'))
    expect(slugForName('山田 太郎')).not.toBe(slugForName('山田 花子'))
  })

  it('a wrong user code is refused by the verification page', async () => {
    await expect(
      actOnDemoCode({ verificationUri: `${srv.issuer}/device`, userCode: 'BBBB-BBBB', name: 'Eve', decision: 'approve' }),
    ).rejects.toThrow(/not accepted: We couldn't find that code/)
  })

  it('polling faster than the interval → slow_down, then pending again once the client waits', async () => {
    const code = await requestCode(srv, meta)
    const first = await poll(srv, meta, code.device_code)
    expect(first.body.error).toBe('authorization_pending')

    const tooFast = await poll(srv, meta, code.device_code)
    expect(tooFast.status).toBe(400)
    expect(tooFast.body.error).toBe('slow_down')

    await sleep(code.interval * 1000)
    const patient = await poll(srv, meta, code.device_code)
    expect(patient.status).toBe(400)
    expect(patient.body.error).toBe('authorization_pending')
  })
})

describe('demo provider with a short device code TTL', () => {
  let srv: DemoServer
  let meta: Discovery

  beforeAll(async () => {
    srv = await startDemoServer({ intervalSeconds: 1, deviceCodeTtlSeconds: 2, quiet: true })
    meta = await discover(srv)
  })

  afterAll(async () => {
    await srv?.close()
  })

  it('expires → expired_token at the token endpoint and "expired" on the verification page', async () => {
    const code = await requestCode(srv, meta)
    expect(code.expires_in).toBe(2)

    const first = await poll(srv, meta, code.device_code)
    expect(first.body.error).toBe('authorization_pending')

    const reply = await pollUntilSettled(srv, meta, code)
    expect(reply.status).toBe(400)
    expect(reply.body.error).toBe('expired_token')

    await expect(
      actOnDemoCode({ verificationUri: code.verification_uri, userCode: code.user_code, name: 'Late Larry', decision: 'approve' }),
    ).rejects.toThrow(/That code has expired/)
  })
})

describe('demo provider defaults', () => {
  it('advertises interval 5 and expires_in 600 when nothing is configured', async () => {
    const srv = await startDemoServer({ quiet: true })
    try {
      const code = await requestCode(srv, await discover(srv))
      expect(code.interval).toBe(5)
      expect(code.expires_in).toBe(600)
      expect(srv.clientId).toBe('linkscreen-demo')
      expect(srv.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    } finally {
      await srv.close()
    }
  })
})
