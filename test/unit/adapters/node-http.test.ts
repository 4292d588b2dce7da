/**
 * The `node:http` transport of the Node hosts (issue #16) under the core's `createHttp`, against
 * real servers on 127.0.0.1: it must keep every guarantee of the fetch path (bodies, redirects
 * as the core expects, size limit, time limit, abort, error codes, proxies) and behave on the
 * bad servers the issue names: connections held open with no answer, a kept-alive connection
 * reset between polls, `Connection: close` every time, a body over the limit on a reused
 * connection. No request may be lost or sent twice.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeHttpFetch } from '../../../electron/adapters/node-http'
import { systemClock } from '../../../electron/adapters/system-clock'
import { createHttp } from '../../../electron/core/http'
import { ErrorCode, LinkscreenError } from '../../../electron/core/errors'

interface Seen {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: IncomingMessage['headers']
  readonly body: string
  readonly socket: number
}

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A server that records every request (and which connection carried it), answered by `handle`. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): Promise<{ url: string; seen: Seen[]; connections: () => number }> {
  const seen: Seen[] = []
  const sockets = new Map<Socket, number>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const entry = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString(), socket: sockets.get(req.socket) ?? -1 }
      seen.push(entry)
      handle(req, res, entry)
    })
  })
  server.on('connection', (socket) => sockets.set(socket, sockets.size + 1))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, connections: () => sockets.size }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

const http = (options: { timeoutMs?: number } = {}) => createHttp({ fetch: createNodeHttpFetch({ env: {} }), clock: systemClock, ...options })

describe('the node:http transport', () => {
  it('sends a form POST as fetch would and reads the JSON answer', async () => {
    const server = await serve((_req, res) => json(res, 400, { error: 'authorization_pending' }))
    const response = await http()(`${server.url}/token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'x-api-key': 'k-123' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'dc-1' }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'authorization_pending' })
    const [request] = server.seen
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8')
    expect(request?.headers['x-api-key']).toBe('k-123')
    expect(request?.headers['content-length']).toBe(String(request?.body.length))
    expect(new URLSearchParams(request?.body).get('device_code')).toBe('dc-1')
  })

  it('sends JSON and string bodies with the caller content type, and repeated response headers', async () => {
    const server = await serve((_req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2'])
      json(res, 200, { ok: true })
    })
    const response = await http()(`${server.url}/device/code`, { method: 'POST', headers: new Headers({ 'content-type': 'application/json' }), body: '{"client_id":"tv"}' })
    expect(server.seen[0]?.headers['content-type']).toBe('application/json')
    expect(server.seen[0]?.body).toBe('{"client_id":"tv"}')
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2')
  })

  it('returns a redirect as the answer and never follows it', async () => {
    const server = await serve((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/login' }).end())
    const response = await http()(`${server.url}/token`, { method: 'POST', body: 'x' })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('http://127.0.0.1:1/login')
    expect(server.seen).toHaveLength(1)
  })

  it('keeps one connection alive across polls, and opens a fresh one when the server closes it each time', async () => {
    const alive = await serve((_req, res) => json(res, 400, { error: 'authorization_pending' }))
    const client = http()
    for (let i = 0; i < 5; i++) await (await client(`${alive.url}/token`, { method: 'POST', body: 'a=1' })).text()
    expect(alive.seen).toHaveLength(5)
    expect(alive.connections()).toBe(1)

    const closing = await serve((_req, res) => json(res, 400, { error: 'authorization_pending' }, { connection: 'close' }))
    for (let i = 0; i < 5; i++) await (await client(`${closing.url}/token`, { method: 'POST', body: 'a=1' })).text()
    expect(closing.seen).toHaveLength(5)
    expect(closing.connections()).toBe(5)
  })

  it('a kept-alive connection reset between polls: the next poll goes out once, on a new connection', async () => {
    const sockets: Socket[] = []
    const server = await serve((req, res) => {
      sockets.push(req.socket)
      json(res, 400, { error: 'authorization_pending' })
    })
    const client = http()
    await (await client(`${server.url}/token`, { method: 'POST', body: 'a=1' })).text()
    sockets[0]?.destroy()
    await new Promise((r) => setTimeout(r, 50))
    const second = await client(`${server.url}/token`, { method: 'POST', body: 'a=2' })
    expect(second.status).toBe(400)
    expect(server.seen.map((s) => s.body)).toEqual(['a=1', 'a=2'])
    expect(server.connections()).toBe(2)
  })

  it('a server that holds the connection and never answers: the core time limit ends it, the next request works', async () => {
    let hang = true
    const server = await serve((_req, res) => {
      if (!hang) json(res, 200, { ok: true })
    })
    const client = http({ timeoutMs: 300 })
    await expect(client(`${server.url}/token`, { method: 'POST', body: 'a=1' })).rejects.toMatchObject({ code: ErrorCode.Timeout })
    hang = false
    expect((await client(`${server.url}/token`, { method: 'POST', body: 'a=2' })).status).toBe(200)
    expect(server.seen.map((s) => s.body)).toEqual(['a=1', 'a=2'])
  })

  it('refuses a body over the limit without reading it all, also on a reused connection, and goes on', async () => {
    let big = false
    const server = await serve((_req, res) => {
      if (!big) return json(res, 200, { ok: true })
      res.writeHead(200, { 'content-type': 'application/json' })
      // 5 MB, written slowly enough that reading it all would show.
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      let sent = 0
      const write = (): void => {
        while (sent < 5 * 1024 * 1024 && res.write(chunk)) sent += chunk.length
        if (sent < 5 * 1024 * 1024) res.once('drain', write)
        else res.end()
      }
      write()
    })
    const client = createHttp({ fetch: createNodeHttpFetch({ env: {} }), clock: systemClock, maxBodyBytes: 1024 * 1024 })
    await (await client(`${server.url}/a`, { method: 'POST', body: 'x' })).text()
    big = true
    const error = await client(`${server.url}/b`, { method: 'POST', body: 'x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LinkscreenError)
    expect((error as LinkscreenError).code).toBe(ErrorCode.ResponseTooLarge)
    big = false
    expect((await client(`${server.url}/c`, { method: 'POST', body: 'x' })).status).toBe(200)
    expect(server.seen.map((s) => s.url)).toEqual(['/a', '/b', '/c'])
  })

  it('reports the system error code of a refused connection', async () => {
    const server = await serve(() => undefined)
    const { url } = server
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve))
    const error = await http()(`${url}/token`, { method: 'POST', body: 'x' }).catch((e: unknown) => e)
    expect((error as LinkscreenError).code).toBe(ErrorCode.Network)
    expect((error as LinkscreenError).message).toContain('ECONNREFUSED')
  })

  it('aborts a request in flight when the caller cancels', async () => {
    const server = await serve(() => undefined)
    const controller = new AbortController()
    const pending = http()(`${server.url}/token`, { method: 'POST', body: 'x', signal: controller.signal })
    await new Promise((r) => setTimeout(r, 50))
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.Aborted })
  })

  it('sends a request that a proxy variable covers through the proxy (the fetch path)', async () => {
    const proxy = await serve((_req, res) => json(res, 200, { via: 'proxy' }))
    const client = createHttp({ fetch: createNodeHttpFetch({ env: { HTTP_PROXY: proxy.url } }), clock: systemClock })
    const response = await client('http://login.example.test/token', { method: 'POST', body: 'x' })
    expect(await response.json()).toEqual({ via: 'proxy' })
    expect(proxy.seen[0]?.url).toBe('http://login.example.test/token')
  })
})
