/**
 * A fault proxy on 127.0.0.1 in front of any device-flow server (a simulator, better-auth,
 * oidc-provider): it forwards every request, logs the arrival of each token request and the
 * pace the answer imposes in a `PollLedger` (see ./ledger.ts), and replaces or mangles the answer
 * of the next device-code or token requests with queued faults.
 *
 * Forwarded answers are streamed through (an upstream's own stall, reset or huge body reaches
 * the client as it is), and a copy of their first 64 KiB is read to log them. A faulted request
 * is not forwarded, except by the faults that mangle or delay the upstream's real answer.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { PollLedger, paceOfJson, type PaceAnswer, type PollHandle } from './ledger'

/** What the proxy can do instead of (or to) the upstream's answer. */
export type ProxyFault =
  /** That status with an HTML page (a gateway or a crashed app), optionally with `Retry-After`. */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: number }
  /** TCP RST without an answer. */
  | { readonly kind: 'reset' }
  /** Reads the request, never answers (until the proxy closes). */
  | { readonly kind: 'hang' }
  /** 200 JSON headers with a Content-Length, half the body, then nothing. */
  | { readonly kind: 'stall' }
  /** 200 text/html: a captive portal or a login page (linking to portal.hotel.test). */
  | { readonly kind: 'html' }
  /** 302 to a captive portal's login page on another host. */
  | { readonly kind: 'redirect'; readonly location: string }
  /** 200 with an empty body. */
  | { readonly kind: 'empty' }
  /** 200 application/json whose JSON stops half way (the HTTP message itself is complete). */
  | { readonly kind: 'truncated_json' }
  /** 200 application/json that is JSON but not an object. */
  | { readonly kind: 'not_object' }
  /** 200 labelled application/json with a portal's HTML page in it. */
  | { readonly kind: 'html_as_json' }
  /** The upstream's real answer, relabelled `text/html` (a proxy that rewrote the header). */
  | { readonly kind: 'json_as_html' }
  /** A JSON-looking body of `bytes`, streamed with back-pressure, with or without Content-Length. */
  | { readonly kind: 'huge'; readonly bytes: number; readonly declared: boolean }
  /** The upstream's answer with invalid UTF-8 bytes in `error_description` (or in an added member). */
  | { readonly kind: 'invalid_utf8' }
  /** The upstream's answer with the access token itself cut by an invalid UTF-8 byte. */
  | { readonly kind: 'invalid_utf8_token' }
  /**
   * The upstream's answer with contradicting duplicates of its own members: `first` puts the
   * contradiction before the real member (JSON.parse keeps the last one: the real one), `last`
   * after it.
   */
  | { readonly kind: 'duplicate_keys'; readonly where: 'first' | 'last' }
  /** 400 `slow_down`, with a new `interval` when given. */
  | { readonly kind: 'slow_down'; readonly interval?: number }
  /** 429 with `Retry-After: seconds`. */
  | { readonly kind: 'rate_limited'; readonly retryAfter: number }
  /** The upstream's real answer, held back `ms` (it arrives late, e.g. after the code expired). */
  | { readonly kind: 'late'; readonly ms: number }

export type ProxyTarget = 'code' | 'token'

export interface FaultProxyOptions {
  /** http://127.0.0.1:PORT of the real server. */
  readonly upstream: string
  /** Which requests are device-code or token requests (by method and path). */
  readonly route: (method: string, path: string) => ProxyTarget | undefined
  /** The pace an answer imposes; default: RFC 8628 JSON answers (`paceOfJson`). */
  readonly classify?: (status: number, headers: IncomingHttpHeaders, body: Buffer) => PaceAnswer
  readonly ledger?: PollLedger
}

export interface FaultProxy {
  readonly origin: string
  readonly ledger: PollLedger
  /** The next `count` requests to `target` get `fault`. */
  queue(target: ProxyTarget, fault: ProxyFault, count?: number): void
  /** Faults not yet taken. */
  pending(target: ProxyTarget): number
  /** Faults taken so far, by kind. */
  readonly taken: Record<string, number>
  /** Bytes of `huge` bodies the proxy managed to hand to the socket (not what the client read). */
  hugeBytesWritten: number
  close(): Promise<void>
}

const MAX_REQUEST_BYTES = 1024 * 1024
const LOG_BYTES = 64 * 1024

const page = (title: string): string => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`
/** A captive portal's page: its sign-in form is on the portal's own host. */
export const PORTAL_HOST = 'portal.hotel.test'
const portalPage = `<!doctype html><html><head><title>Sign in to the Wi-Fi</title></head><body><form action="https://${PORTAL_HOST}/accept" method="post"><button>Accept and connect</button></form></body></html>`

/** `device_code` (or Trakt's `code`) of a token request body: form, JSON or multipart. */
export function deviceCodeIn(body: Buffer, contentType: string | undefined): string | undefined {
  const text = body.toString('utf8')
  const media = contentType?.split(';')[0]?.trim().toLowerCase()
  if (media === 'application/json') {
    try {
      const value = JSON.parse(text) as Record<string, unknown>
      const code = value['device_code'] ?? value['code']
      return typeof code === 'string' ? code : undefined
    } catch {
      return undefined
    }
  }
  if (media === 'multipart/form-data') return /name="device_code"\r\n\r\n([^\r]*)\r\n/.exec(text)?.[1]
  return new URLSearchParams(text).get('device_code') ?? undefined
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

const defaultClassify = (status: number, headers: IncomingHttpHeaders, body: Buffer): PaceAnswer =>
  paceOfJson(status, parseJson(body), (headers['retry-after'] as string | undefined) ?? null)

/** Bytes that are not UTF-8: a lone continuation byte, an overlong slash, a surrogate half, 0xFF. */
export const INVALID_UTF8 = Buffer.from([0x62, 0x61, 0x64, 0x20, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff, 0xfe, 0x20, 0x62, 0x79, 0x74, 0x65, 0x73])

/** `{"a":1,...}` with `insert` (raw JSON member text) after the `{` or before the `}`. */
function withMember(json: Buffer, insert: Buffer, where: 'first' | 'last'): Buffer {
  const text = json.toString('utf8').trim()
  if (!text.startsWith('{') || !text.endsWith('}')) return json
  const inner = text.slice(1, -1).trim()
  const sep = inner === '' ? '' : ','
  return where === 'first'
    ? Buffer.concat([Buffer.from('{'), insert, Buffer.from(sep + inner + '}')])
    : Buffer.concat([Buffer.from('{' + inner + sep), insert, Buffer.from('}')])
}

function mangle(fault: ProxyFault, body: Buffer): Buffer {
  const value = parseJson(body)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return body
  const record = value as Record<string, unknown>
  switch (fault.kind) {
    case 'invalid_utf8': {
      if (typeof record['error_description'] === 'string') {
        const { error_description: _dropped, ...rest } = record
        return withMember(Buffer.from(JSON.stringify(rest)), Buffer.concat([Buffer.from('"error_description":"'), INVALID_UTF8, Buffer.from('"')]), 'last')
      }
      return withMember(body, Buffer.concat([Buffer.from('"x_note":"'), INVALID_UTF8, Buffer.from('"')]), 'last')
    }
    case 'invalid_utf8_token': {
      if (typeof record['access_token'] !== 'string') return body
      const { access_token: token, ...rest } = record
      const cut = Buffer.concat([Buffer.from('"access_token":"' + (token as string).slice(0, 8)), Buffer.from([0xff]), Buffer.from((token as string).slice(8) + '"')])
      return withMember(Buffer.from(JSON.stringify(rest)), cut, 'first')
    }
    case 'duplicate_keys': {
      // A contradiction for every member that decides the outcome.
      const contradictions: string[] = []
      if (typeof record['error'] === 'string') contradictions.push(`"error":${JSON.stringify(record['error'] === 'access_denied' ? 'authorization_pending' : 'access_denied')}`)
      if (typeof record['access_token'] === 'string') contradictions.push('"access_token":"forged-access-token"', '"token_type":"forged"')
      if (contradictions.length === 0) return body
      return withMember(body, Buffer.from(contradictions.join(',')), fault.where)
    }
    default:
      return body
  }
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream)
  const ledger = options.ledger ?? new PollLedger()
  const classify = options.classify ?? defaultClassify
  const queues: Record<ProxyTarget, ProxyFault[]> = { code: [], token: [] }
  const timers = new Set<NodeJS.Timeout>()
  const sockets = new Set<Socket>()
  let closing: Promise<void> | undefined

  const later = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.add(timer)
    })

  const readBody = async (req: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > MAX_REQUEST_BYTES) throw new Error('request body too large')
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks)
  }

  const streamHuge = async (res: ServerResponse, bytes: number, declared: boolean): Promise<void> => {
    res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(bytes) } : {}) })
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    chunk[0] = 0x7b // '{' — the body never becomes valid JSON anyway
    let sent = 0
    while (sent < bytes && !res.destroyed && !closing) {
      const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent))
      sent += piece.length
      proxy.hugeBytesWritten += piece.length
      if (!res.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done)
            res.off('close', done)
            resolve()
          }
          res.once('drain', done)
          res.once('close', done)
        })
      }
    }
    if (!res.destroyed) res.end()
  }

  /** Answers with a fault that needs no upstream; returns the pace it imposes. */
  const answerFault = (fault: ProxyFault, res: ServerResponse): PaceAnswer | undefined => {
    switch (fault.kind) {
      case 'status':
        res
          .writeHead(fault.status, { 'content-type': 'text/html; charset=utf-8', ...(fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) }) })
          .end(page(`${fault.status} from the fault proxy`))
        return fault.retryAfter === undefined || fault.status < 500 ? { kind: 'transient' } : { kind: 'retry_after', ms: fault.retryAfter * 1000 }
      case 'reset':
        res.socket?.resetAndDestroy()
        return { kind: 'transient' }
      case 'hang':
        return undefined
      case 'stall': {
        const body = Buffer.from(JSON.stringify({ access_token: 'stalled-never-complete', token_type: 'Bearer', expires_in: 3600 }))
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) })
        res.write(body.subarray(0, body.length >> 1))
        return { kind: 'transient' }
      }
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(portalPage)
        // A page the network sent: the client polls again (issue #14), at the same pace.
        return { kind: 'transient' }
      case 'redirect':
        res.writeHead(302, { location: fault.location, 'content-type': 'text/html' }).end(portalPage)
        return { kind: 'transient' }
      case 'empty':
        res.writeHead(200, { 'content-type': 'application/json' }).end()
        return { kind: 'transient' }
      case 'truncated_json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"cut-short","token_ty')
        return { kind: 'transient' }
      case 'not_object':
        res.writeHead(200, { 'content-type': 'application/json' }).end('["not", "an", "object"]')
        return { kind: 'transient' }
      case 'html_as_json':
        res.writeHead(200, { 'content-type': 'application/json' }).end(portalPage)
        return { kind: 'transient' }
      case 'huge':
        void streamHuge(res, fault.bytes, fault.declared)
        return { kind: 'final' }
      case 'slow_down': {
        const body = JSON.stringify({ error: 'slow_down', ...(fault.interval === undefined ? {} : { interval: fault.interval }) })
        res.writeHead(400, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body)
        return fault.interval === undefined ? { kind: 'slow_down' } : { kind: 'slow_down', interval: fault.interval }
      }
      case 'rate_limited':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(fault.retryAfter) }).end('{"error":"rate_limited"}')
        return { kind: 'retry_after', ms: fault.retryAfter * 1000 }
      default:
        return undefined
    }
  }

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, target: ProxyTarget | undefined, handle: PollHandle, fault: ProxyFault | undefined): void => {
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) }
    delete headers['transfer-encoding']
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers })
    // The client gave up (its timeout, or a cancel): so does the proxy.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy()
    })
    out.on('error', () => {
      handle.answer({ kind: 'transient' })
      res.socket?.resetAndDestroy()
    })
    out.on('response', (answer) => {
      const headersAt = performance.now()
      const status = answer.statusCode ?? 502
      // Only the faults that mangle or delay the real answer are forwarded at all.
      const buffered = fault !== undefined
      const logged: Buffer[] = []
      let loggedBytes = 0
      const finish = (sent: Buffer): void => {
        if (target === 'token') handle.answer(classify(status, answer.headers, sent))
        if (target === 'code' && status === 200) {
          const value = parseJson(sent) as Record<string, unknown> | undefined
          const code = value?.['device_code']
          const interval = value?.['interval']
          if (typeof code === 'string') ledger.issued(code, typeof interval === 'number' ? interval : undefined, headersAt)
        }
      }
      answer.on('error', () => res.socket?.resetAndDestroy())
      answer.on('aborted', () => res.socket?.resetAndDestroy())
      if (!buffered) {
        const passHeaders = { ...answer.headers }
        res.writeHead(status, passHeaders)
        answer.on('data', (chunk: Buffer) => {
          if (loggedBytes < LOG_BYTES) {
            logged.push(chunk)
            loggedBytes += chunk.length
          }
          if (!res.write(chunk)) {
            answer.pause()
            res.once('drain', () => answer.resume())
          }
        })
        answer.on('end', () => {
          res.end()
          finish(Buffer.concat(logged))
        })
        return
      }
      // Mangled or late: read the whole (small) answer first.
      answer.on('data', (chunk: Buffer) => {
        loggedBytes += chunk.length
        if (loggedBytes > MAX_REQUEST_BYTES) return void answer.destroy()
        logged.push(chunk)
      })
      answer.on('end', () => {
        void (async () => {
          let sent: Buffer = Buffer.concat(logged)
          if (fault?.kind === 'late') await later(fault.ms)
          else if (fault !== undefined) sent = mangle(fault, sent)
          if (closing || res.destroyed) return
          const { 'content-length': _length, 'transfer-encoding': _te, ...rest } = answer.headers
          const relabel = fault?.kind === 'json_as_html' ? { 'content-type': 'text/html; charset=utf-8' } : {}
          res.writeHead(status, { ...rest, ...relabel, 'content-length': String(sent.length) }).end(sent)
          // The pace is what the client will make of the answer (last member wins, as JSON.parse).
          finish(sent)
        })()
      })
    })
    out.end(body)
  }

  const server = createServer((req, res) => {
    const at = performance.now()
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const target = options.route(req.method ?? 'GET', path)
    void readBody(req).then(
      (body) => {
        if (closing) return
        const handle = target === 'token' ? ledger.arrived(deviceCodeIn(body, req.headers['content-type']), at) : { answer: () => undefined }
        const fault = target === undefined ? undefined : queues[target].shift()
        if (fault !== undefined) proxy.taken[fault.kind] = (proxy.taken[fault.kind] ?? 0) + 1
        const mangles = fault?.kind === 'invalid_utf8' || fault?.kind === 'invalid_utf8_token' || fault?.kind === 'duplicate_keys' || fault?.kind === 'late' || fault?.kind === 'json_as_html'
        if (fault !== undefined && !mangles) {
          const pace = answerFault(fault, res)
          if (pace !== undefined) handle.answer(pace)
          return
        }
        forward(req, res, body, target, handle, fault)
      },
      () => res.socket?.resetAndDestroy(),
    )
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })

  const proxy: FaultProxy = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ledger,
    taken: {},
    hugeBytesWritten: 0,
    queue(target, fault, count = 1) {
      if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error(`fault count must be 1..100, got ${count}`)
      for (let i = 0; i < count; i++) queues[target].push(fault)
    },
    pending: (target) => queues[target].length,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close(() => resolve())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
      return closing
    },
  }
  return proxy
}
