/**
 * `linkscreen serve`: the sign-in screen for any browser. Serves the built renderer and carries
 * the typed contract over HTTP (invokes) and server-sent events (snapshots) to the real core.
 *
 * Bound to 127.0.0.1; every request must come from a loopback address and name this server in
 * its Host header (no DNS rebinding), and a request that names an Origin must come from this
 * server's own page. Who may do what:
 *
 * - The URL serve prints carries a one-time **ticket**, as Jupyter's carries its token: the first
 *   GET that presents it gets a session cookie (`HttpOnly; SameSite=Strict; Path=/`, named for
 *   this port, its value random and known only to this instance) and a 303 to the same page
 *   without the ticket. A used, wrong or truncated ticket gets 403, so the URL seen in a process
 *   list (a kiosk Chromium started with it) is useless once the screen has opened it.
 * - The **session cookie** opens the page, its events and every channel the screen uses.
 * - The **control credential** (`Authorization: Bearer …`), which serve hands only to its
 *   owner-only runtime file, allows just the channels `linkscreen accounts|logout` call.
 *
 * Tokens stay in this process, in memory; the page only ever gets view snapshots.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isLoopbackHost } from '../core/urls'
import { CONTROL_PARAM, TICKET_PARAM } from './runtime-file'
import type { AppInfo, EventMap, InvokeChannel } from '../ipc/contract'
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

/** The only channels the control credential may call: what `linkscreen accounts|logout` need. */
export const CONTROL_CHANNELS: ReadonlySet<InvokeChannel> = new Set<InvokeChannel>(['accounts:list', 'accounts:sign-out'])

export interface ServeHandle {
  /** The URL to open once, with its one-time ticket. */
  readonly url: string
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string
  readonly port: number
  /** The control URL (`origin/?control=…`): for the runtime file and `LINKSCREEN_SERVE_URL` only, never a command line. */
  readonly controlUrl: string
  /** The name of this instance's session cookie. */
  readonly cookieName: string
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

/** A digest, so that comparisons take the same time whatever the length of what was sent. */
const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

const same = (given: string, expected: Buffer): boolean => timingSafeEqual(digest(given), expected)

/** The value of cookie `name` in a Cookie header, if any. */
function cookie(header: string | undefined, name: string): string[] {
  const values: string[] = []
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim())
  }
  return values
}

const NO_SESSION =
  'This screen opens only through the one-time URL "linkscreen serve" printed, in the browser that opened it first. Start "linkscreen serve" again for a new URL.'
const TICKET_USED =
  'This one-time URL has already been used: the browser that opened it first holds the session. If that was not you, stop "linkscreen serve" (Ctrl-C) and start it again.'
const TICKET_WRONG = 'This URL is not right: its ticket is not the one "linkscreen serve" printed (mistyped, cut short, or from another serve).'
const OTHER_ORIGIN = 'Requests from other web pages are refused.'

/** Starts the server; resolves once it listens. */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const ticket = randomBytes(24).toString('base64url')
  const ticketDigest = digest(ticket)
  let ticketUsed = false
  const control = randomBytes(32).toString('base64url')
  const controlDigest = digest(control)
  /** Digests of the session cookies this instance gave out (one per ticket: one). */
  const sessions = new Set<string>()
  const root = options.rendererDir ?? RENDERER_DIR
  try {
    await stat(join(root, 'index.html'))
  } catch {
    throw new Error(`the screen is not built (no ${join(root, 'index.html')}): run "npm run build:renderer" first`)
  }
  const streams = new Set<ServerResponse>()
  let port = 0
  // Cookies are not port-scoped: two serves on 127.0.0.1 each keep their own cookie by name.
  let cookieName = ''

  const hasSession = (req: IncomingMessage): boolean =>
    cookie(req.headers.cookie, cookieName).some((value) => sessions.has(digest(value).toString('hex')))

  const allowedHost = (host: string | undefined): boolean => {
    if (!host) return false
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(host)
    return match !== null && Number(match[2]) === port && isLoopbackHost(match[1] ?? '')
  }

  /** The ticket exchange: a session cookie and a 303 to the page without the ticket. */
  const exchange = (req: IncomingMessage, res: ServerResponse, given: string): void => {
    if (req.method !== 'GET') return send(res, 405, 'Open this URL in a browser (GET).')
    const clean = { ...SECURITY_HEADERS, location: '/', 'content-length': 0 }
    if (hasSession(req)) return void res.writeHead(303, clean).end()
    if (!same(given, ticketDigest)) return send(res, 403, TICKET_WRONG)
    if (ticketUsed) return send(res, 403, TICKET_USED)
    ticketUsed = true
    const session = randomBytes(32).toString('base64url')
    sessions.add(digest(session).toString('hex'))
    res.writeHead(303, { ...clean, 'set-cookie': `${cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/` }).end()
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
    // Another page in the same browser (another port on 127.0.0.1 is the same *site*, so
    // SameSite does not stop it) may send requests here, but never with this page's Origin.
    const origin = req.headers.origin
    if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return send(res, 403, OTHER_ORIGIN)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const path = url.pathname
    if (path.startsWith('/api/')) {
      const site = req.headers['sec-fetch-site']
      if (site !== undefined && site !== 'same-origin') return send(res, 403, OTHER_ORIGIN)
      if (path.startsWith('/api/invoke/')) {
        const channel = path.slice('/api/invoke/'.length)
        const authorization = req.headers.authorization
        if (authorization !== undefined) {
          const given = /^Bearer (\S+)$/.exec(authorization)?.[1] ?? ''
          if (!same(given, controlDigest)) return send(res, 403, 'The control credential is not right (from another serve, or this serve was restarted).')
          if (!CONTROL_CHANNELS.has(channel as InvokeChannel)) return send(res, 403, `The control credential allows only ${[...CONTROL_CHANNELS].join(' and ')}.`)
        } else if (!hasSession(req)) return send(res, 403, NO_SESSION)
        invoke(req, res, channel).catch(() => send(res, 500, 'error'))
        return
      }
      if (!hasSession(req)) return send(res, 403, NO_SESSION)
      if (path === '/api/events' && req.method === 'GET') return events(res)
      return send(res, 404, 'not found')
    }
    const given = url.searchParams.get(TICKET_PARAM)
    if (given !== null) return exchange(req, res, given)
    if (!hasSession(req)) return send(res, 403, NO_SESSION)
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed')
    file(res, path.slice(1)).catch(() => send(res, 500, 'error'))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  cookieName = `linkscreen-${port}`
  const base = `http://127.0.0.1:${port}`
  return {
    url: `${base}/?${TICKET_PARAM}=${ticket}`,
    origin: base,
    port,
    controlUrl: `${base}/?${CONTROL_PARAM}=${control}`,
    cookieName,
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
