/**
 * `linkscreen serve`: the sign-in screen for any browser. Serves the built renderer and carries
 * the typed contract over HTTP (invokes) and server-sent events (snapshots) to the real core.
 *
 * Bound to 127.0.0.1. Every request must carry the per-launch secret as the first path segment
 * (`/<secret>/…`), come from a loopback address and name this server in its Host header (no DNS
 * rebinding). Tokens stay in this process, in memory; the page only ever gets view snapshots.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isLoopbackHost } from '../core/urls'
import type { AppInfo, EventMap } from '../ipc/contract'
import { ContractError, dispatch, MAX_REQUEST_CHARS } from '../ipc/dispatch'
import type { FlowService } from '../services/flow-service'

export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}

export interface ServeOptions {
  readonly service: FlowService
  readonly info: AppInfo
  readonly port?: number
  /** Where the built renderer is (default `dist/renderer`). */
  readonly rendererDir?: string
}

export interface ServeHandle {
  /** The URL to open, with its secret. */
  readonly url: string
  readonly port: number
  /** Ends every open event stream (browsers reconnect by themselves and resync). */
  disconnectEvents(): void
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body)
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json')
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) return undefined
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Starts the server; resolves once it listens. */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const secret = randomBytes(24).toString('base64url')
  const secretBytes = Buffer.from(secret)
  const root = options.rendererDir ?? RENDERER_DIR
  try {
    await stat(join(root, 'index.html'))
  } catch {
    throw new Error(`the screen is not built (no ${join(root, 'index.html')}): run "npm run build:renderer" first`)
  }
  const streams = new Set<ServerResponse>()
  let port = 0

  const hasSecret = (segment: string | undefined): boolean => {
    const given = Buffer.from(segment ?? '')
    return given.length === secretBytes.length && timingSafeEqual(given, secretBytes)
  }

  const allowedHost = (host: string | undefined): boolean => {
    if (!host) return false
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(host)
    return match !== null && Number(match[2]) === port && isLoopbackHost(match[1] ?? '')
  }

  const events = (res: ServerResponse): void => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' })
    const write = <E extends keyof EventMap>(event: E, payload: EventMap[E]): void => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
    }
    write('auth:snapshot', options.service.state())
    write('accounts:changed', options.service.listAccounts())
    const offSnapshot = options.service.onSnapshot((s) => write('auth:snapshot', s))
    const offAccounts = options.service.onAccounts((a) => write('accounts:changed', a))
    const offProviders = options.service.onProviders((p) => write('providers:changed', p))
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000)
    heartbeat.unref()
    streams.add(res)
    res.on('close', () => {
      clearInterval(heartbeat)
      offSnapshot()
      offAccounts()
      offProviders()
      streams.delete(res)
    })
  }

  const invoke = async (req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> => {
    if (req.method !== 'POST') return send(res, 405, 'POST only')
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { ok: false, code: 'invalid_request', message: 'send application/json' })
    const text = await readBody(req, MAX_REQUEST_CHARS * 2)
    if (text === undefined) return sendJson(res, 413, { ok: false, code: 'request_too_large', message: 'request too large' })
    let body: unknown
    try {
      body = JSON.parse(text === '' ? '{}' : text)
    } catch {
      return sendJson(res, 400, { ok: false, code: 'invalid_request', message: 'request body is not JSON' })
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).some((k) => k !== 'request')) {
      return sendJson(res, 400, { ok: false, code: 'invalid_request', message: 'request body must be {"request": …}' })
    }
    try {
      sendJson(res, 200, await dispatch({ service: options.service, info: options.info }, channel, (body as { request?: unknown }).request ?? null))
    } catch (error) {
      if (error instanceof ContractError) return sendJson(res, 400, { ok: false, code: error.code, message: error.message })
      sendJson(res, 500, { ok: false, code: 'internal_error', message: 'the request failed' })
    }
  }

  const file = async (res: ServerResponse, rest: string): Promise<void> => {
    const relative = normalize(decodeURIComponent(rest === '' ? 'index.html' : rest))
    const path = join(root, relative)
    if (!path.startsWith(root.endsWith(sep) ? root : root + sep) || relative.startsWith('..')) return send(res, 404, 'not found')
    try {
      const body = await readFile(path)
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': body.length }).end(body)
    } catch {
      send(res, 404, 'not found')
    }
  }

  const server: Server = createServer((req, res) => {
    const remote = req.socket.remoteAddress ?? ''
    if (!isLoopbackHost(remote.replace(/^::ffff:/, ''))) return send(res, 403, 'forbidden')
    if (!allowedHost(req.headers.host)) return send(res, 403, 'forbidden')
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const [, first, ...rest] = url.pathname.split('/')
    if (!hasSecret(first)) return send(res, 403, 'forbidden')
    const tail = rest.join('/')
    if (tail === 'api/events' && req.method === 'GET') return events(res)
    if (tail.startsWith('api/invoke/')) {
      invoke(req, res, tail.slice('api/invoke/'.length)).catch(() => send(res, 500, 'error'))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed')
    file(res, tail).catch(() => send(res, 500, 'error'))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/${secret}/`,
    port,
    disconnectEvents: () => {
      for (const stream of streams) stream.destroy()
    },
    close: async () => {
      for (const stream of streams) stream.end()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
