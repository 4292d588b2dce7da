/**
 * The app's fetch over Electron's `net` (electron/adapters/net-fetch.ts), against real local
 * servers through the stand-in's model of `net.request`, `net.fetch` and sessions
 * (test/helpers/fake-net.ts): redirects come back as 3xx answers and are never followed,
 * Chromium's `net::ERR_*` failures carry the reason the core reports, and no cookie is kept or
 * shared. Each part also shows the old wiring (`net.fetch` as if it were Node's fetch) failing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import * as electron from 'electron'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROVIDER_PARTITION, createNetFetch, netErrorCode, toFetchError } from '../../../electron/adapters/net-fetch'
import { systemClock } from '../../../electron/adapters/system-clock'
import { ErrorCode, LinkscreenError } from '../../../electron/core/errors'
import { createHttp, describeNetworkCode } from '../../../electron/core/http'
import type { FetchLike } from '../../../electron/core/types'
import { selfSignedCertificate } from '../../faults/self-signed'
import type { FakeElectron } from '../../helpers/fake-electron'
import type { FakeNet, FakeNetSession } from '../../helpers/fake-net'

const fake = electron as unknown as FakeElectron
const net = fake.net as FakeNet
let base: string
let tlsBase: string
let closedPort: number
const hits: { method: string; url: string; cookie?: string; body: string; type?: string }[] = []
const servers: Server[] = []

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  hits.push({ method: req.method ?? '', url: req.url ?? '', body, ...(req.headers.cookie ? { cookie: req.headers.cookie } : {}), ...(req.headers['content-type'] ? { type: req.headers['content-type'] } : {}) })
  const json = (status: number, value: unknown, headers: Record<string, string | string[]> = {}): void =>
    void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value))
  switch (req.url) {
    case '/token-moved':
      return void res.writeHead(302, { location: '/elsewhere', 'set-cookie': 'moved=1; Path=/' }).end('moved')
    case '/elsewhere':
      return json(200, { reached: true })
    case '/set-cookie':
      return json(200, { ok: true }, { 'set-cookie': ['sid=provider-session; Path=/; HttpOnly'] })
    case '/echo':
      return json(200, { cookie: req.headers.cookie ?? null, type: req.headers['content-type'] ?? null, body })
    case '/reset':
      return void (req.socket as Socket).resetAndDestroy()
    case '/hang-up':
      return void req.socket.destroy()
    case '/cut':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      res.write('{"partial":')
      return void setTimeout(() => req.socket.destroy(), 20)
    case '/slow':
      return void setTimeout(() => json(200, { late: true }), 2000)
    default:
      return json(404, { error: 'not_found' })
  }
}

function listen(server: Server): Promise<number> {
  servers.push(server)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
}

const handler = (req: IncomingMessage, res: ServerResponse): void => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => route(req, res, Buffer.concat(chunks).toString('utf8')))
}

beforeAll(async () => {
  fake.app.becomeReady()
  base = `http://127.0.0.1:${await listen(createServer(handler))}`
  tlsBase = `https://127.0.0.1:${await listen(createHttpsServer(selfSignedCertificate(), handler))}`
  const closed = createServer()
  closedPort = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)))
  await new Promise((resolve) => closed.close(resolve))
})

afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
})

const providerSession = (): FakeNetSession => fake.session.fromPartition(PROVIDER_PARTITION) as unknown as FakeNetSession
const netFetch = (): FetchLike => createNetFetch({ net: net as never, session: providerSession() as never })
/** The app's HTTP client as main.ts builds it, over `fetch`. */
const httpOver = (fetch: FetchLike): FetchLike => createHttp({ fetch, clock: systemClock })
/** The wiring this adapter replaces: `net.fetch` handed to the core as if it were Node's fetch. */
const oldWiring: FetchLike = (input, init) => net.fetch(input, init)

async function failure(promise: Promise<unknown>): Promise<LinkscreenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof LinkscreenError)) throw new Error(`expected a LinkscreenError, got ${String(error)}`)
  return error
}

describe('the stand-in models net.fetch as Electron ships it', () => {
  it('rejects a manual redirect with "Redirect was cancelled" (lib/common/api/net-client-request.ts)', async () => {
    await expect(net.fetch(`${base}/token-moved`, { method: 'POST', body: 'x=1', redirect: 'manual' })).rejects.toThrow(/^Redirect was cancelled$/)
  })
  it("emits 'redirect' in follow mode too, then follows it (net-client-request.ts, the 'follow' branch)", async () => {
    const events: [number, string, string][] = []
    const status = await new Promise<number>((resolve, reject) => {
      const request = net.request({ url: `${base}/token-moved`, method: 'GET' })
      request.on('redirect', (code: number, method: string, url: string) => {
        events.push([code, method, url])
        // Allowed in 'follow' and does nothing (the redirect is followed anyway).
        request.followRedirect()
      })
      request.on('response', (response: { statusCode: number; resume(): void }) => {
        response.resume()
        resolve(response.statusCode)
      })
      request.on('error', reject)
      request.end()
    })
    expect(events).toEqual([[302, 'GET', `${base}/elsewhere`]])
    expect(status).toBe(200)
  })
  it('fails with a bare net::ERR_* Error, no code', async () => {
    const error = await net.fetch(`http://127.0.0.1:${closedPort}/`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('net::ERR_CONNECTION_REFUSED')
    expect((error as { code?: unknown }).code).toBeUndefined()
    expect((error as Error).cause).toBeUndefined()
  })
  it('uses the default session and keeps its cookies', async () => {
    await (await net.fetch(`${base}/set-cookie`)).text()
    expect((await fake.session.defaultSession.cookies.get({ url: base })).map((c) => c.name)).toContain('sid')
  })
  it('hands out sessions only after ready, one per partition, in memory without persist:', () => {
    const provider = providerSession()
    expect(provider).toBe(providerSession())
    expect(provider).not.toBe(fake.session.defaultSession)
    expect(provider.isPersistent()).toBe(false)
    expect((fake.session.fromPartition('persist:x') as unknown as FakeNetSession).isPersistent()).toBe(true)
  })
})

describe('redirects: the core gets the 3xx, and nothing is re-sent to the new location', () => {
  it('answers a 302 with its status and Location, without following it', async () => {
    hits.length = 0
    const response = await netFetch()(`${base}/token-moved`, { method: 'POST', body: 'device_code=secret', redirect: 'manual' })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/elsewhere')
    expect(hits.map((h) => h.url)).toEqual(['/token-moved'])
  })

  it('through createHttp: a 302 answer, not a network error', async () => {
    hits.length = 0
    const response = await httpOver(netFetch())(`${base}/token-moved`, { method: 'POST', body: 'device_code=secret' })
    expect(response.status).toBe(302)
    expect(hits.map((h) => h.url)).toEqual(['/token-moved'])
  })

  it('the old wiring turned the same answer into an anonymous network error', async () => {
    const error = await failure(httpOver(oldWiring)(`${base}/token-moved`, { method: 'POST', body: 'device_code=secret' }))
    expect(error.code).toBe(ErrorCode.Network)
    expect(error.message).toBe(`POST ${base}/token-moved: the request failed before a response arrived`)
  })

  it("follows when asked to ('follow' is fetch's default), as Chromium does", async () => {
    const response = await netFetch()(`${base}/token-moved`, { method: 'GET' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ reached: true })
  })
})

describe('failures carry the reason the core reports', () => {
  it.each([
    ['ERR_NAME_NOT_RESOLVED', 'ENOTFOUND'],
    ['ERR_NAME_RESOLUTION_FAILED', 'EAI_AGAIN'],
    ['ERR_CONNECTION_REFUSED', 'ECONNREFUSED'],
    ['ERR_CONNECTION_RESET', 'ECONNRESET'],
    ['ERR_CONNECTION_ABORTED', 'ECONNABORTED'],
    ['ERR_CONNECTION_TIMED_OUT', 'ETIMEDOUT'],
    ['ERR_TIMED_OUT', 'ETIMEDOUT'],
    ['ERR_ADDRESS_UNREACHABLE', 'EHOSTUNREACH'],
    ['ERR_CONNECTION_CLOSED', 'UND_ERR_SOCKET'],
    ['ERR_EMPTY_RESPONSE', 'UND_ERR_SOCKET'],
    ['ERR_INTERNET_DISCONNECTED', 'ERR_INTERNET_DISCONNECTED'],
    ['ERR_CERT_AUTHORITY_INVALID', 'ERR_CERT_AUTHORITY_INVALID'],
    ['ERR_CERT_DATE_INVALID', 'ERR_CERT_DATE_INVALID'],
    ['ERR_CERT_COMMON_NAME_INVALID', 'ERR_CERT_COMMON_NAME_INVALID'],
    ['ERR_SSL_PROTOCOL_ERROR', 'ERR_SSL_PROTOCOL_ERROR'],
    ['ERR_PROXY_CONNECTION_FAILED', 'ERR_PROXY_CONNECTION_FAILED'],
    ['ERR_TUNNEL_CONNECTION_FAILED', 'ERR_TUNNEL_CONNECTION_FAILED'],
    ['ERR_PROXY_CERTIFICATE_INVALID', 'ERR_PROXY_CERTIFICATE_INVALID'],
  ])('net::%s → %s, shaped like Node fetch (TypeError with cause.code)', async (name, code) => {
    expect(netErrorCode(name)).toBe(code)
    const shaped = toFetchError(new Error(`net::${name}`))
    expect(shaped).toBeInstanceOf(TypeError)
    expect((shaped.cause as { code?: string }).code).toBe(code)
    const through = (error: Error) =>
      failure(
        httpOver(async () => {
          throw error
        })('https://id.example/token', { method: 'POST' }),
      )
    expect((await through(shaped)).message).toBe(`POST https://id.example/token: ${describeNetworkCode(code)}`)
    // What Electron throws, unmapped, tells the core nothing.
    expect((await through(new Error(`net::${name}`))).message).toBe('POST https://id.example/token: the request failed before a response arrived')
  })

  it('something that is not a net error is wrapped without a code, its message kept out', () => {
    const shaped = toFetchError(new Error('Redirect was cancelled https://x/?code=secret'))
    expect(shaped.message).toBe('fetch failed')
    expect(netErrorCode('net::ERR_X')).toBeUndefined()
  })

  const cases: [string, () => string, string][] = [
    ['connection refused', () => `http://127.0.0.1:${closedPort}/token`, 'ECONNREFUSED'],
    ['an unknown host', () => 'http://linkscreen-no-such-host.invalid/token', 'ENOTFOUND'],
    ['a reset connection', () => `${base}/reset`, 'ECONNRESET'],
    ['a connection closed with no answer', () => `${base}/hang-up`, 'UND_ERR_SOCKET'],
    ['an untrusted certificate', () => `${tlsBase}/echo`, 'ERR_CERT_AUTHORITY_INVALID'],
  ]
  it.each(cases)('%s: the message names it', async (_what, url, code) => {
    const target = url()
    const where = `POST ${new URL(target).origin}${new URL(target).pathname}`
    const error = await failure(httpOver(netFetch())(target, { method: 'POST', body: 'x=1' }))
    expect(error.code).toBe(ErrorCode.Network)
    expect(error.message).toBe(`${where}: ${describeNetworkCode(code)}`)
    // The old wiring lost every one of these reasons.
    const old = await failure(httpOver(oldWiring)(target, { method: 'POST', body: 'x=1' }))
    expect(old.message).toBe(`${where}: the request failed before a response arrived`)
  })

  it('a body cut short names the framing that broke', async () => {
    const error = await failure(httpOver(netFetch())(`${base}/cut`, { method: 'GET' }))
    expect(error.message).toBe(`GET ${base}/cut: ${describeNetworkCode('ERR_CONTENT_LENGTH_MISMATCH')}`)
  })

  it('offline (net.isOnline() false): ERR_INTERNET_DISCONNECTED', async () => {
    net.setOnline(false)
    try {
      expect(net.isOnline()).toBe(false)
      expect(net.online).toBe(false)
      const error = await failure(httpOver(netFetch())(`http://127.0.0.1:${closedPort}/token`, { method: 'POST' }))
      expect(error.message).toMatch(/: this device is offline \(ERR_INTERNET_DISCONNECTED\)$/)
    } finally {
      net.setOnline(true)
    }
  })

  it('cancelling stops the request: aborted, not a network error', async () => {
    const controller = new AbortController()
    const pending = httpOver(netFetch())(`${base}/slow`, { method: 'GET', signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    expect((await failure(pending)).code).toBe(ErrorCode.Aborted)
    await expect(netFetch()(`${base}/slow`, { method: 'GET', signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('cookies: none kept, none sent, none shared with the window', () => {
  it('the provider session neither stores nor sends cookies; the default session gets none of them', async () => {
    const jarBefore = (await fake.session.defaultSession.cookies.get({})).length
    const fetch = netFetch()
    await (await fetch(`${base}/set-cookie`, { method: 'GET' })).text()
    await fetch(`${base}/token-moved`, { method: 'POST', body: 'x=1', redirect: 'manual' })
    const echoed = (await (await fetch(`${base}/echo`, { method: 'GET' })).json()) as { cookie: string | null }
    expect(echoed.cookie).toBeNull()
    expect(await providerSession().cookies.get({})).toEqual([])
    expect((await fake.session.defaultSession.cookies.get({})).length).toBe(jarBefore)
  })

  it('the old wiring kept the provider cookie in the window session and sent it back', async () => {
    await (await oldWiring(`${base}/set-cookie`, { method: 'GET' })).text()
    const echoed = (await (await oldWiring(`${base}/echo`, { method: 'GET' })).json()) as { cookie: string | null }
    expect(echoed.cookie).toContain('sid=provider-session')
    expect((await fake.session.defaultSession.cookies.get({ url: base })).map((c) => c.name)).toContain('sid')
  })
})

describe('requests arrive as Node fetch would send them', () => {
  it('a form body with its content type', async () => {
    const response = await httpOver(netFetch())(`${base}/echo`, { method: 'POST', body: new URLSearchParams({ client_id: 'tv', scope: 'a b' }) })
    expect(await response.json()).toEqual({ cookie: null, type: 'application/x-www-form-urlencoded;charset=UTF-8', body: 'client_id=tv&scope=a+b' })
  })
  it('headers given, and a 404 answered as a response', async () => {
    const response = await netFetch()(`${base}/missing`, { method: 'GET', headers: { accept: 'application/json' } })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'not_found' })
  })
})
