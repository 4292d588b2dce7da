/**
 * The provider simulators, driven by hand with fetch: one approve and one deny flow each, the
 * documented wrong-path answers, and every fault kind at least once.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startApiV1Simulator } from './api-v1'
import { DEFAULT_CLIENT_ID as CLIENT_ID, DEFAULT_CLIENT_SECRET as CLIENT_SECRET, type Simulator } from './device-flow'
import { HUGE_BYTES } from './faults'
import { startGitHubSimulator } from './github'
import { startGoogleSimulator } from './google'
import { startMicrosoftSimulator } from './microsoft'
import { startTraktSimulator } from './trakt'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
/** interval 1 s plus a margin. */
const WAIT_MS = 1050
const MAX_POLLS = 6
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const running: Simulator[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()))
})
/** Registers a simulator for closing after the test. */
async function start<T extends Simulator>(sim: Promise<T>): Promise<T> {
  const started = await sim
  running.push(started)
  return started
}

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
const postForm = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers, body: new URLSearchParams(fields) })

interface Answer {
  status: number
  text: string
  headers: Headers
}
const read = async (res: Response | Promise<Response>): Promise<Answer> => {
  const r = await res
  return { status: r.status, text: await r.text(), headers: r.headers }
}
const body = (answer: Answer): Record<string, unknown> => JSON.parse(answer.text) as Record<string, unknown>

/** Polls every interval while `pending` says so; bounded by {@link MAX_POLLS}. */
async function pollWhile(poll: () => Promise<Response>, pending: (a: Answer) => boolean): Promise<Answer> {
  for (let i = 0; i < MAX_POLLS; i++) {
    const answer = await read(poll())
    if (!pending(answer)) return answer
    await sleep(WAIT_MS)
  }
  throw new Error(`still pending after ${MAX_POLLS} polls`)
}

describe('trakt', () => {
  const apiHeaders = { 'trakt-api-key': CLIENT_ID, 'trakt-api-version': '2' }

  it('approve flow: status codes are the protocol, then /users/settings, refresh and revoke', async () => {
    const sim = await start(startTraktSimulator({ interval: 1 }))
    const code = body(await read(postJson(`${sim.origin}/oauth/device/code`, { client_id: CLIENT_ID })))
    expect(Object.keys(code).sort()).toEqual(['device_code', 'expires_in', 'interval', 'user_code', 'verification_url'])
    expect(code).toMatchObject({ verification_url: `${sim.origin}/activate`, expires_in: 600, interval: 1 })
    const poll = () => postJson(`${sim.origin}/oauth/device/token`, { code: code.device_code, client_id: CLIENT_ID, client_secret: CLIENT_SECRET })

    expect(await read(poll())).toMatchObject({ status: 400, text: '' })
    const tooFast = await read(poll())
    expect(tooFast.status).toBe(429)
    expect(tooFast.headers.get('retry-after')).toBe('1')
    sim.approve(String(code.user_code), { login: 'sean', name: 'Sean Rider', id: 'uuid-1' })
    await sleep(WAIT_MS)
    const done = await pollWhile(poll, (a) => a.status === 400)
    expect(done.status).toBe(200)
    const tokens = body(done)
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 604800, scope: 'public' })
    expect(tokens.created_at).toEqual(expect.any(Number))
    await sleep(WAIT_MS)
    expect(await read(poll())).toMatchObject({ status: 409, text: '' })

    const me = (headers: Record<string, string>) => read(fetch(`${sim.origin}/users/settings`, { headers }))
    const bearer = { authorization: `Bearer ${String(tokens.access_token)}` }
    const settings = await me({ ...apiHeaders, ...bearer })
    expect(body(settings).user).toMatchObject({ username: 'sean', name: 'Sean Rider', ids: { slug: 'sean' }, images: { avatar: { full: expect.stringContaining(sim.origin) } } })
    expect((await me({ 'trakt-api-version': '2', ...bearer })).status).toBe(403)
    expect((await me({ 'trakt-api-key': CLIENT_ID, ...bearer })).status).toBe(412)
    expect((await me(apiHeaders)).status).toBe(401)

    const refresh = () => postJson(`${sim.origin}/oauth/token`, { refresh_token: tokens.refresh_token, client_id: CLIENT_ID, grant_type: 'refresh_token' })
    expect((await read(refresh())).status).toBe(200)
    expect(body(await read(refresh()))).toEqual({ error: 'invalid_grant', error_description: 'session not found' })
    expect((await read(postJson(`${sim.origin}/oauth/revoke`, { token: tokens.access_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }))).status).toBe(200)
    expect((await me({ ...apiHeaders, ...bearer })).status).toBe(401)
  })

  it('deny flow → 418; unknown code 404; expired 410; form body 412; http500 fault', async () => {
    const sim = await start(startTraktSimulator({ interval: 1, expiresIn: 0.3 }))
    const newCode = () => postJson(`${sim.origin}/oauth/device/code`, { client_id: CLIENT_ID })
    const poll = (code: unknown) => postJson(`${sim.origin}/oauth/device/token`, { code, client_id: CLIENT_ID })
    const code = body(await read(newCode()))
    sim.deny(String(code.user_code))
    expect(await read(poll(code.device_code))).toMatchObject({ status: 418, text: '' })
    expect(await read(poll('nope'))).toMatchObject({ status: 404, text: '' })
    await sleep(350)
    expect((await read(poll(code.device_code))).status).toBe(410)
    expect(() => sim.approve(String(code.user_code))).toThrow(/expired/)
    expect(() => sim.approve('ZZZZZZZZ')).toThrow(/unknown/)
    expect((await read(postForm(`${sim.origin}/oauth/device/code`, { client_id: CLIENT_ID }))).status).toBe(412)
    expect((await read(postJson(`${sim.origin}/oauth/device/code`, { client_id: 'someone-else' }))).status).toBe(403)

    sim.faults.queue('http500')
    const failed = await read(newCode())
    expect(failed.status).toBe(500)
    expect(failed.headers.get('content-type')).toContain('text/html')
    expect((await read(newCode())).status).toBe(200)
  })
})

describe('github', () => {
  const accept = { accept: 'application/json' }

  it('answers form-encoded unless Accept: application/json; approve flow; always 200 with errors', async () => {
    const sim = await start(startGitHubSimulator({ interval: 1 }))
    const plain = await read(postForm(`${sim.origin}/login/device/code`, { client_id: CLIENT_ID, scope: 'read:user user:email' }))
    expect(plain.headers.get('content-type')).toContain('application/x-www-form-urlencoded')
    const form = Object.fromEntries(new URLSearchParams(plain.text))
    expect(form).toMatchObject({ verification_uri: `${sim.origin}/login/device`, expires_in: '900', interval: '1' })
    expect(form.user_code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/)
    expect(form.device_code).toMatch(/^[0-9a-f]{40}$/)

    const code = body(await read(postJson(`${sim.origin}/login/device/code`, { client_id: CLIENT_ID, scope: 'read:user user:email' }, accept)))
    const poll = (fields: Record<string, string> = {}) =>
      postForm(`${sim.origin}/login/oauth/access_token`, { client_id: CLIENT_ID, device_code: String(code.device_code), grant_type: DEVICE_GRANT, ...fields }, accept)
    const pending = await read(poll())
    expect(pending.status).toBe(200)
    expect(body(pending)).toMatchObject({ error: 'authorization_pending', error_uri: expect.stringContaining('docs.github.com') })
    expect(body(await read(poll({ grant_type: 'authorization_code' })))).toMatchObject({ error: 'unsupported_grant_type' })
    expect(body(await read(poll({ client_id: 'other' })))).toMatchObject({ error: 'incorrect_client_credentials' })
    expect(body(await read(poll({ device_code: 'nope' })))).toMatchObject({ error: 'incorrect_device_code' })
    sim.approve(String(code.user_code), { login: 'octocat', id: '583231', name: 'The Octocat', email: 'octocat@github.example' })
    await sleep(WAIT_MS)
    const done = await pollWhile(() => poll(), (a) => body(a).error === 'authorization_pending')
    expect(body(done)).toMatchObject({ token_type: 'bearer', scope: 'read:user,user:email', access_token: expect.stringMatching(/^gho_/) })

    const user = await read(fetch(`${sim.origin}/api/user`, { headers: { authorization: `Bearer ${String(body(done).access_token)}` } }))
    expect(body(user)).toMatchObject({ login: 'octocat', id: 583231, name: 'The Octocat', email: 'octocat@github.example', avatar_url: expect.stringContaining(sim.origin) })
    expect((await read(fetch(`${sim.origin}/api/user`, { headers: { authorization: 'token wrong' } }))).status).toBe(401)
  })

  it('deny flow → access_denied; polling too fast → slow_down with interval + 5; expired; reset and slow_down faults', async () => {
    const sim = await start(startGitHubSimulator({ interval: 1, expiresIn: 0.3 }))
    const newCode = async () => body(await read(postForm(`${sim.origin}/login/device/code`, { client_id: CLIENT_ID }, { accept: 'application/json' })))
    const poll = (code: Record<string, unknown>) =>
      read(postForm(`${sim.origin}/login/oauth/access_token`, { client_id: CLIENT_ID, device_code: String(code.device_code), grant_type: DEVICE_GRANT }, { accept: 'application/json' }))

    const denied = await newCode()
    sim.deny(String(denied.user_code))
    expect(body(await poll(denied))).toMatchObject({ error: 'access_denied' })

    const fast = await newCode()
    await poll(fast)
    const slow = await poll(fast)
    expect(slow.status).toBe(200)
    expect(body(slow)).toMatchObject({ error: 'slow_down', interval: 6 })
    await sleep(350)
    expect(body(await poll(fast))).toMatchObject({ error: 'expired_token' })

    sim.faults.queue('slow_down')
    const faulted = await newCode() // a queued slow_down is left for the next token request
    expect(body(await poll(faulted))).toMatchObject({ error: 'slow_down', interval: 6 })
    sim.faults.queue('reset')
    await expect(fetch(`${sim.origin}/login/device/code`, { method: 'POST', body: new URLSearchParams({ client_id: CLIENT_ID }) })).rejects.toThrow()
  })

  it('device_flow_disabled', async () => {
    const sim = await start(startGitHubSimulator({ deviceFlowDisabled: true }))
    const code = await read(postForm(`${sim.origin}/login/device/code`, { client_id: CLIENT_ID }, { accept: 'application/json' }))
    expect(body(code)).toMatchObject({ error: 'device_flow_disabled' })
    const poll = await read(postForm(`${sim.origin}/login/oauth/access_token`, { client_id: CLIENT_ID, device_code: 'x', grant_type: DEVICE_GRANT }, { accept: 'application/json' }))
    expect(poll.status).toBe(200)
    expect(body(poll)).toMatchObject({ error: 'device_flow_disabled' })
  })
})

describe('google', () => {
  const credentials = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET }

  it('approve flow: 428 pending, 403 slow_down, tokens with id_token, /v1/userinfo', async () => {
    const sim = await start(startGoogleSimulator({ interval: 1 }))
    const refused = await read(postForm(`${sim.origin}/device/code`, { client_id: CLIENT_ID, scope: 'email https://www.googleapis.com/auth/gmail.readonly' }))
    expect(refused.status).toBe(400)
    expect(body(refused)).toMatchObject({ error: 'invalid_scope' })

    const code = body(await read(postForm(`${sim.origin}/device/code`, { client_id: CLIENT_ID, scope: 'openid email profile' })))
    expect(code).toMatchObject({ verification_url: `${sim.origin}/device`, interval: 1 })
    expect(code).not.toHaveProperty('verification_uri')
    const poll = (fields: Record<string, string> = {}) =>
      postForm(`${sim.origin}/token`, { ...credentials, device_code: String(code.device_code), grant_type: DEVICE_GRANT, ...fields })
    const pending = await read(poll())
    expect(pending.status).toBe(428)
    expect(body(pending)).toEqual({ error: 'authorization_pending', error_description: 'Precondition Required' })
    const tooFast = await read(poll())
    expect(tooFast.status).toBe(403)
    expect(body(tooFast)).toMatchObject({ error: 'slow_down' })
    const noSecret = await read(postForm(`${sim.origin}/token`, { client_id: CLIENT_ID, device_code: String(code.device_code), grant_type: DEVICE_GRANT }))
    expect(noSecret.status).toBe(400)
    expect(body(noSecret)).toMatchObject({ error: 'invalid_request', error_description: 'client_secret is missing.' })
    const badSecret = await read(poll({ client_secret: 'wrong' }))
    expect(badSecret.status).toBe(401)
    expect(body(badSecret)).toMatchObject({ error: 'invalid_client' })

    sim.approve(String(code.user_code), { id: '1098', name: 'Ada Lovelace', email: 'ada@gmail.example' })
    await sleep(WAIT_MS)
    const done = await pollWhile(() => poll(), (a) => a.status === 428)
    expect(done.status).toBe(200)
    const tokens = body(done)
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3599, refresh_token: expect.any(String), id_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) })
    expect(String(tokens.scope).split(' ').sort()).toEqual(['https://www.googleapis.com/auth/userinfo.email', 'https://www.googleapis.com/auth/userinfo.profile', 'openid'])
    const info = await read(fetch(`${sim.origin}/v1/userinfo`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } }))
    expect(body(info)).toMatchObject({ sub: '1098', name: 'Ada Lovelace', email: 'ada@gmail.example', picture: expect.any(String) })
    await sleep(WAIT_MS)
    expect(body(await read(poll()))).toMatchObject({ error: 'invalid_grant' })
  })

  it('deny flow → 403 access_denied; expired → 400 expired_token; html and huge faults', async () => {
    const sim = await start(startGoogleSimulator({ interval: 1, expiresIn: 0.3 }))
    const newCode = () => postForm(`${sim.origin}/device/code`, { client_id: CLIENT_ID, scope: 'https://www.googleapis.com/auth/youtube.readonly' })
    const code = body(await read(newCode()))
    const poll = () => read(postForm(`${sim.origin}/token`, { ...credentials, device_code: String(code.device_code), grant_type: DEVICE_GRANT }))
    sim.deny(String(code.user_code))
    const denied = await poll()
    expect(denied.status).toBe(403)
    expect(body(denied)).toMatchObject({ error: 'access_denied' })
    await sleep(350)
    const expired = await poll()
    expect(expired.status).toBe(400)
    expect(body(expired)).toMatchObject({ error: 'expired_token' })

    sim.faults.queue('html')
    const html = await poll()
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toContain('text/html')
    sim.faults.queue('huge')
    const huge = await read(newCode())
    expect(huge.headers.get('content-type')).toContain('application/json')
    expect(Buffer.byteLength(huge.text)).toBe(HUGE_BYTES)
  })
})

describe('microsoft', () => {
  const base = (origin: string, tenant = 'common') => `${origin}/${tenant}/oauth2/v2.0`

  it('approve flow: 400 authorization_pending in AAD format; tokens by scope; /oidc/userinfo', async () => {
    const sim = await start(startMicrosoftSimulator({ interval: 1 }))
    const badTenant = await read(postForm(`${base(sim.origin, 'not a tenant!')}/devicecode`, { client_id: CLIENT_ID, scope: 'openid' }))
    expect(badTenant.status).toBe(400)
    expect(body(badTenant)).toMatchObject({ error: 'invalid_request', error_codes: [90002] })

    const code = body(await read(postForm(`${base(sim.origin, 'contoso.onmicrosoft.com')}/devicecode`, { client_id: CLIENT_ID, scope: 'openid profile offline_access User.Read' })))
    expect(code.verification_uri).toBe(`${sim.origin}/devicelogin`)
    expect(code.message).toBe(`To sign in, use a web browser to open the page ${sim.origin}/devicelogin and enter the code ${String(code.user_code)} to authenticate.`)
    expect(code).not.toHaveProperty('verification_uri_complete')
    const poll = () => postForm(`${base(sim.origin, 'contoso.onmicrosoft.com')}/token`, { grant_type: DEVICE_GRANT, client_id: CLIENT_ID, device_code: String(code.device_code) })
    const pending = await read(poll())
    expect(pending.status).toBe(400)
    expect(Object.keys(body(pending))).toEqual(expect.arrayContaining(['error', 'error_description', 'error_codes', 'timestamp', 'trace_id', 'correlation_id']))
    expect(body(pending)).toMatchObject({ error: 'authorization_pending', error_codes: [70016], error_description: expect.stringMatching(/^AADSTS70016: /) })
    expect(body(await read(poll()))).toMatchObject({ error: 'slow_down' })

    sim.approve(String(code.user_code), { id: 'oid-1', name: 'Megan Bowen', email: 'megan@contoso.example' })
    await sleep(WAIT_MS)
    const done = await pollWhile(poll, (a) => a.status === 400 && body(a).error === 'authorization_pending')
    expect(done.status).toBe(200)
    const tokens = body(done)
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'openid profile User.Read', id_token: expect.any(String), refresh_token: expect.any(String) })
    const info = await read(fetch(`${sim.origin}/oidc/userinfo`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } }))
    expect(body(info)).toMatchObject({ sub: 'oid-1', name: 'Megan Bowen', email: 'megan@contoso.example' })

    const plain = body(await read(postForm(`${base(sim.origin)}/devicecode`, { client_id: CLIENT_ID, scope: 'User.Read' })))
    sim.approve(String(plain.user_code))
    const plainTokens = body(await read(postForm(`${base(sim.origin)}/token`, { grant_type: DEVICE_GRANT, client_id: CLIENT_ID, device_code: String(plain.device_code) })))
    expect(plainTokens).toHaveProperty('access_token')
    expect(plainTokens).not.toHaveProperty('refresh_token')
    expect(plainTokens).not.toHaveProperty('id_token')
  })

  it('deny flow → authorization_declined; bad_verification_code; expired_token; http503 and stall faults', async () => {
    const sim = await start(startMicrosoftSimulator({ interval: 1, expiresIn: 0.3 }))
    const newCode = () => postForm(`${base(sim.origin, 'organizations')}/devicecode`, { client_id: CLIENT_ID, scope: 'User.Read' })
    const poll = (deviceCode: unknown) => read(postForm(`${base(sim.origin, 'organizations')}/token`, { grant_type: DEVICE_GRANT, client_id: CLIENT_ID, device_code: String(deviceCode) }))
    const code = body(await read(newCode()))
    sim.deny(String(code.user_code))
    expect(body(await poll(code.device_code))).toMatchObject({ error: 'authorization_declined' })
    expect(body(await poll('nope'))).toMatchObject({ error: 'bad_verification_code', error_codes: [70018] })
    await sleep(350)
    expect(body(await poll(code.device_code))).toMatchObject({ error: 'expired_token', error_codes: [70019] })
    const json = await read(postJson(`${base(sim.origin)}/devicecode`, { client_id: CLIENT_ID, scope: 'User.Read' }))
    expect(body(json)).toMatchObject({ error: 'invalid_request', error_codes: [900144] })

    sim.faults.queue('http503')
    expect((await read(newCode())).status).toBe(503)
    sim.faults.queue('stall')
    const stalled = await newCode()
    expect(stalled.status).toBe(200)
    const reading = stalled.text()
    const outcome = await Promise.race([reading.then(() => 'finished', () => 'failed'), sleep(300).then(() => 'still waiting')])
    expect(outcome).toBe('still waiting')
    const closed = Date.now()
    await sim.close()
    expect(Date.now() - closed).toBeLessThan(1000)
    await expect(reading).rejects.toThrow()
  })
})

describe('api-v1', () => {
  const AUTHORIZE = '/api/v1/oauth/device-authorization/'
  const TOKEN = '/api/v1/oauth/token'

  it('approve flow with multipart, form and JSON bodies; device metadata recorded', async () => {
    const sim = await start(startApiV1Simulator({ interval: 1 }))
    const multipart = new FormData()
    for (const [k, v] of Object.entries({ client_id: CLIENT_ID, scope: 'read', device_name: 'Living room TV', device_model: 'KD-55', device_os: 'Android TV 12', app_version: '1.2.3' })) multipart.set(k, v)
    const code = body(await read(fetch(`${sim.origin}${AUTHORIZE}`, { method: 'POST', body: multipart })))
    expect(sim.requests.at(-1)?.contentType).toBe('multipart/form-data')
    expect(sim.devices).toEqual([{ device_name: 'Living room TV', device_model: 'KD-55', device_os: 'Android TV 12', app_version: '1.2.3' }])
    expect(code).toMatchObject({ verification_uri: `${sim.origin}/device`, verification_uri_complete: `${sim.origin}/device?user_code=${encodeURIComponent(String(code.user_code))}`, interval: 1 })

    const fields = { grant_type: DEVICE_GRANT, device_code: String(code.device_code), client_id: CLIENT_ID }
    const pending = await read(postForm(`${sim.origin}${TOKEN}`, fields))
    expect(pending.status).toBe(400)
    expect(body(pending)).toMatchObject({ error: 'authorization_pending' })
    expect(body(await read(postJson(`${sim.origin}${TOKEN}`, fields)))).toMatchObject({ error: 'slow_down' })
    const unknownClient = await read(postJson(`${sim.origin}${TOKEN}`, { ...fields, client_id: 'other' }))
    expect(unknownClient.status).toBe(401)
    expect(body(unknownClient)).toMatchObject({ error: 'invalid_client' })

    sim.approve(String(code.user_code))
    await sleep(WAIT_MS)
    const done = await pollWhile(() => postJson(`${sim.origin}${TOKEN}`, fields), (a) => body(a).error === 'authorization_pending')
    expect(done.status).toBe(200)
    expect(body(done)).toMatchObject({ token_type: 'Bearer', scope: 'read', access_token: expect.any(String), refresh_token: expect.any(String) })
  })

  it('deny flow; 415 for a refused encoding; delay and slow_down faults', async () => {
    const sim = await start(startApiV1Simulator({ interval: 1, acceptedEncodings: ['json'] }))
    const refused = await read(postForm(`${sim.origin}${AUTHORIZE}`, { client_id: CLIENT_ID }))
    expect(refused.status).toBe(415)
    expect(body(refused)).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('application/x-www-form-urlencoded') })
    expect((await read(fetch(`${sim.origin}${TOKEN}`, { method: 'POST', body: 'hello' }))).status).toBe(415)
    expect(sim.devices).toEqual([])

    const code = body(await read(postJson(`${sim.origin}${AUTHORIZE}`, { client_id: CLIENT_ID, device_name: 'Kiosk' })))
    expect(sim.devices).toEqual([{ device_name: 'Kiosk' }])
    const poll = () => read(postJson(`${sim.origin}${TOKEN}`, { grant_type: DEVICE_GRANT, device_code: code.device_code, client_id: CLIENT_ID }))
    sim.deny(String(code.user_code))
    expect(body(await poll())).toMatchObject({ error: 'access_denied' })

    sim.faults.queue('slow_down', 2)
    await sleep(WAIT_MS)
    expect(body(await poll())).toMatchObject({ error: 'slow_down' })
    expect(body(await poll())).toMatchObject({ error: 'slow_down' })
    sim.faults.delayMs = 200
    await sleep(WAIT_MS)
    const sent = performance.now()
    expect(body(await poll())).toMatchObject({ error: 'access_denied' })
    expect(performance.now() - sent).toBeGreaterThanOrEqual(190)
    expect(() => sim.faults.queue('stall', 0)).toThrow()
  })
})
