/**
 * `linkscreen serve`'s HTTP surface: the one-time ticket and the session cookie it becomes, the
 * control credential and its two channels, the Host and Origin checks, the contract over HTTP
 * and SSE.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, type ServeHandle } from '../../electron/cli/serve'
import { systemClock } from '../../electron/adapters/system-clock'
import { createHttp } from '../../electron/core/http'
import { FlowService } from '../../electron/services/flow-service'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'

interface RawOptions {
  method?: string
  host?: string
  body?: string
  type?: string
  cookie?: string
  origin?: string
  authorization?: string
  site?: string
}

/** A raw request, so that the Host header, the path and the cookies are exactly as given. */
function raw(port: number, path: string, options: RawOptions = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const headers: Record<string, string> = { host: options.host ?? `127.0.0.1:${port}` }
  if (options.type) headers['content-type'] = options.type
  if (options.cookie) headers['cookie'] = options.cookie
  if (options.origin) headers['origin'] = options.origin
  if (options.authorization) headers['authorization'] = options.authorization
  if (options.site) headers['sec-fetch-site'] = options.site
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** The path and query of serve's one-time URL. */
const ticketPath = (handle: ServeHandle): string => {
  const url = new URL(handle.url)
  return `${url.pathname}${url.search}`
}

/** Opens the one-time URL as a browser does: returns the session cookie (`name=value`). */
async function exchange(handle: ServeHandle): Promise<string> {
  const answer = await raw(handle.port, ticketPath(handle))
  expect(answer.status).toBe(303)
  expect(answer.headers['location']).toBe('/')
  const setCookie = String(answer.headers['set-cookie'])
  expect(setCookie).toMatch(new RegExp(`^${handle.cookieName}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`))
  return setCookie.split(';')[0] as string
}

const control = (handle: ServeHandle): string => `Bearer ${new URL(handle.controlUrl).searchParams.get('control')}`

describe('linkscreen serve', () => {
  let ba: BetterAuthServer
  let service: FlowService
  let rendererDir: string
  let handle: ServeHandle
  let session: string
  const others: ServeHandle[] = []
  const info = { kiosk: false, fixedProvider: null, locale: 'en-US', host: 'serve', storage: 'memory', notices: [] } as const
  const another = async (): Promise<ServeHandle> => {
    const h = await startServe({ service, rendererDir, info })
    others.push(h)
    return h
  }

  beforeAll(async () => {
    ba = await startBetterAuthServer({ interval: 1 })
    rendererDir = await mkdtemp(join(tmpdir(), 'linkscreen-serve-'))
    await mkdir(join(rendererDir, 'assets'))
    await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>screen</title>')
    await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(tmpdir(), 'linkscreen-outside.txt'), 'outside')
    service = new FlowService({
      providers: [{ view: { id: 'ba', name: 'Better Auth', dialect: 'better-auth', builtIn: false }, resolve: async () => ({ id: 'ba', dialect: 'better-auth', baseUrl: ba.baseUrl, clientId: ba.clientId }) }],
      deps: { http: createHttp({ fetch, clock: systemClock }), clock: systemClock },
    })
    handle = await startServe({ service, rendererDir, info })
    session = await exchange(handle)
  })
  afterAll(async () => {
    await service.close()
    await handle.close()
    for (const h of others) await h.close()
    await ba.close()
  })

  it('prints a one-time URL whose ticket is a query parameter, not a path the page keeps', () => {
    expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?ticket=[A-Za-z0-9_-]{32}$/)
    expect(handle.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?control=[A-Za-z0-9_-]{43}$/)
    expect(new URL(handle.controlUrl).searchParams.get('control')).not.toBe(new URL(handle.url).searchParams.get('ticket'))
  })

  it('serves the screen only to its session cookie, at its own Host', async () => {
    const ok = await raw(handle.port, '/', { cookie: session })
    expect(ok.status).toBe(200)
    expect(ok.headers['content-security-policy']).toContain("script-src 'self'")
    expect(ok.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect((await raw(handle.port, '/assets/app.js', { cookie: session })).status).toBe(200)
    const without = await raw(handle.port, '/')
    expect(without.status).toBe(403)
    expect(without.body).toContain('opens only through the one-time URL')
    expect((await raw(handle.port, '/assets/app.js')).status).toBe(403)
    expect((await raw(handle.port, '/api/events')).status).toBe(403)
    // DNS rebinding: the right cookie, but the page was loaded under another name.
    expect((await raw(handle.port, '/', { cookie: session, host: `attacker.example:${handle.port}` })).status).toBe(403)
    expect((await raw(handle.port, '/', { cookie: session, host: '127.0.0.1:1' })).status).toBe(403)
    expect((await raw(handle.port, '/', { cookie: session, host: `localhost:${handle.port}` })).status).toBe(200)
    expect((await raw(handle.port, '/..%2f..%2flinkscreen-outside.txt', { cookie: session })).status).toBe(404)
  })

  it('the ticket works once: whoever reads the URL afterwards (ps, a kiosk command line) gets 403', async () => {
    const again = await raw(handle.port, ticketPath(handle))
    expect(again.status).toBe(403)
    expect(again.body).toContain('has already been used')
    expect(again.headers['set-cookie']).toBeUndefined()
    // Finding 1: the URL's secret used to open every channel; the used ticket opens none.
    const ticket = new URL(handle.url).searchParams.get('ticket') as string
    for (const path of [`/api/invoke/approve:decide?ticket=${ticket}`, `/${ticket}/api/invoke/approve:decide`]) {
      const decide = await raw(handle.port, path, { method: 'POST', type: 'application/json', body: '{"request":{"decision":"approve"}}' })
      expect(decide.status).toBe(403)
    }
    // The browser that holds the session may open the printed URL again: back to the page.
    const reload = await raw(handle.port, ticketPath(handle), { cookie: session })
    expect(reload.status).toBe(303)
    expect(reload.headers['location']).toBe('/')
  })

  it('refuses a truncated, forged or empty ticket, and still honours the real one after', async () => {
    const fresh = await another()
    const ticket = new URL(fresh.url).searchParams.get('ticket') as string
    for (const forged of [ticket.slice(0, -1), ticket.slice(0, 16), randomBytes(24).toString('base64url'), `${ticket}A`, '']) {
      const answer = await raw(fresh.port, `/?ticket=${encodeURIComponent(forged)}`)
      expect(answer.status, forged).toBe(403)
      expect(answer.body).toContain('its ticket is not the one "linkscreen serve" printed')
      expect(answer.headers['set-cookie']).toBeUndefined()
    }
    expect((await raw(fresh.port, ticketPath(fresh), { method: 'POST' })).status).toBe(405)
    await exchange(fresh)
  })

  it('refuses a cookie from another serve instance, and keeps two instances apart in one browser', async () => {
    const b = await another()
    const bSession = await exchange(b)
    expect(b.cookieName).not.toBe(handle.cookieName)
    // A's cookie as the browser sends it to B (cookies are not port-scoped), and A's value under B's name.
    expect((await raw(b.port, '/', { cookie: session })).status).toBe(403)
    expect((await raw(b.port, '/', { cookie: `${b.cookieName}=${session.split('=')[1]}` })).status).toBe(403)
    expect((await raw(b.port, '/api/events', { cookie: session })).status).toBe(403)
    // One browser holding both cookies reaches both screens.
    const both = `${session}; ${bSession}`
    expect((await raw(b.port, '/', { cookie: both })).status).toBe(200)
    expect((await raw(handle.port, '/', { cookie: both })).status).toBe(200)
  })

  it('the control credential allows only accounts:list and accounts:sign-out', async () => {
    const call = (channel: string, authorization: string, body = '{"request":null}') =>
      raw(handle.port, `/api/invoke/${channel}`, { method: 'POST', type: 'application/json', body, authorization })
    const list = await call('accounts:list', control(handle))
    expect(list.status).toBe(200)
    expect(JSON.parse(list.body)).toEqual([])
    expect(JSON.parse((await call('accounts:sign-out', control(handle), '{"request":{"accountId":"ba:nobody"}}')).body)).toMatchObject({ ok: false, code: 'unknown_account' })
    for (const channel of ['approve:decide', 'approve:claim', 'auth:start', 'auth:state', 'log:export', 'app:info']) {
      const refused = await call(channel, control(handle))
      expect(refused.status, channel).toBe(403)
      expect(refused.body).toContain('allows only accounts:list and accounts:sign-out')
    }
    const b = await another()
    expect((await call('accounts:list', control(b))).status).toBe(403)
    expect((await call('accounts:list', 'Bearer nope')).status).toBe(403)
    // Nor does it open the page or the events.
    expect((await raw(handle.port, '/', { authorization: control(handle) })).status).toBe(403)
    expect((await raw(handle.port, '/api/events', { authorization: control(handle) })).status).toBe(403)
  })

  it('refuses requests from other web pages (Origin, Sec-Fetch-Site) even with the cookie', async () => {
    const call = (extra: RawOptions) => raw(handle.port, '/api/invoke/providers:list', { method: 'POST', type: 'application/json', body: '{"request":null}', cookie: session, ...extra })
    expect((await call({ origin: `http://127.0.0.1:${handle.port}` })).status).toBe(200)
    // Another port on 127.0.0.1 is the same site, so SameSite=Strict alone would not stop it.
    const local = await call({ origin: 'http://127.0.0.1:8080' })
    expect(local.status).toBe(403)
    expect(local.body).toBe('Requests from other web pages are refused.')
    expect((await call({ origin: 'https://evil.example' })).status).toBe(403)
    expect((await call({ origin: 'null' })).status).toBe(403)
    expect((await call({ site: 'same-site' })).status).toBe(403)
    expect((await call({ site: 'same-origin' })).status).toBe(200)
    expect((await raw(handle.port, '/api/events', { cookie: session, site: 'cross-site' })).status).toBe(403)
  })

  it('carries the contract: validated invokes, 4xx for bad requests', async () => {
    const call = (channel: string, body: string, type = 'application/json') => raw(handle.port, `/api/invoke/${channel}`, { method: 'POST', body, type, cookie: session })
    const list = await call('providers:list', '{"request":null}')
    expect(JSON.parse(list.body)).toEqual([{ id: 'ba', name: 'Better Auth', dialect: 'better-auth', builtIn: false }])
    expect((await call('providers:list', '{"request":null}', 'text/plain')).status).toBe(415)
    expect(JSON.parse((await call('auth:start', '{"request":')).body)).toMatchObject({ ok: false, code: 'invalid_request', message: 'request body is not JSON' })
    expect(JSON.parse((await call('auth:start', '{"request":{"providerId":"ba","x":1}}')).body)).toMatchObject({ ok: false, code: 'invalid_request' })
    expect(JSON.parse((await call('auth:steal', '{"request":null}')).body)).toMatchObject({ ok: false, code: 'unknown_channel' })
    expect((await call('auth:start', JSON.stringify({ request: { providerId: 'x'.repeat(20_000) } }))).status).toBe(413)
  })

  it('streams whole snapshots over SSE; the page never sees a token', async () => {
    const controller = new AbortController()
    const response = await fetch(`${handle.origin}/api/events`, { signal: controller.signal, headers: { cookie: session } })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    const until = async (pattern: RegExp) => {
      for (let i = 0; i < 200 && !pattern.test(text); i++) text += new TextDecoder().decode((await reader.read()).value)
    }
    await until(/event: accounts:changed/)
    expect(text).toMatch(/^event: auth:snapshot\ndata: \{[^\n]*"status":"idle"/)
    await fetch(`${handle.origin}/api/invoke/auth:start`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: session }, body: '{"request":{"providerId":"ba"}}' })
    await until(/"status":"waiting"/)
    const code = /"userCode":"([^"]+)"/.exec(text)?.[1]
    const user = await ba.signUp('Serve User')
    await ba.approve(String(code), user.token)
    await until(/"status":"authorized"/)
    await until(/event: accounts:changed\ndata: \[\{/)
    controller.abort()
    expect(text).toContain(user.email)
    // The session token the server issued is held by the service, never sent to the page.
    const sessions = await fetch(`${ba.baseUrl}/list-sessions`, { headers: { authorization: `Bearer ${user.token}` } })
    const tokens = ((await sessions.json()) as { token: string }[]).map((s) => s.token)
    expect(tokens.length).toBeGreaterThan(1)
    for (const token of tokens) expect(text).not.toContain(token)
  })
})
