/**
 * The in-process HTTP server every provider simulator runs on (node:http on 127.0.0.1, port 0):
 * it owns body parsing (JSON, urlencoded, multipart/form-data text fields), the request log,
 * fault injection and a `close()` that destroys every socket, stalled ones included.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FaultQueue, writeFault, type FaultTarget, type Faults } from './faults'

/** One request as the simulator saw it. */
export interface SeenRequest {
  method: string
  path: string
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>
  /** Parsed form/JSON/multipart fields; undefined when there is no body or it could not be parsed. */
  body: Record<string, string> | undefined
  /** Media type of the body without parameters, lower-cased (e.g. "multipart/form-data"). */
  contentType: string | undefined
}

/** What a simulator's handler gets: the logged request plus parsing details. */
export interface SimRequest extends SeenRequest {
  /** http://127.0.0.1:PORT */
  origin: string
  query: URLSearchParams
  /** Why a body with a known content type could not be parsed. */
  bodyError: string | undefined
}

/** A complete answer; the server adds content-length. */
export interface SimResponse {
  status: number
  headers?: Record<string, string>
  body?: string | Buffer
}

/** JSON answer (`cache-control: no-store`, as token endpoints send). */
export const json = (status: number, value: unknown, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(value),
})
/** Answer with no body at all. */
export const empty = (status: number, headers: Record<string, string> = {}): SimResponse => ({ status, headers })
/** Plain-text answer. */
export const text = (status: number, body: string, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body,
})
/** The provider's verification page (what a browser would get at `verification_uri`). */
export const verificationPage = (provider: string): SimResponse => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><html><head><title>${provider}: connect a device</title></head><body><form method="post"><label>Code <input name="user_code"></label><button>Continue</button></form></body></html>`,
})

/** How a simulator plugs into the server. */
export interface SimulatorRoutes {
  /** Which fault-eligible endpoint (device-code or token) this request targets, if any. */
  target(req: SimRequest): FaultTarget | undefined
  /** The provider's own slow-down answer, used for an injected `slow_down` fault. */
  slowDown(req: SimRequest): SimResponse
  /** The normal answer. */
  handle(req: SimRequest): SimResponse
}

/** The running server. */
export interface SimulatorServer {
  origin: string
  faults: Faults
  requests: SeenRequest[]
  close(): Promise<void>
}

/** Bodies above this are refused with 413 (keeps every read bounded). */
const MAX_BODY_BYTES = 1024 * 1024

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

/** Header parameter such as `boundary` from `multipart/form-data; boundary="x"`. */
function headerParam(header: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}=("([^"]*)"|[^;\\s]+)`, 'i').exec(header)
  return match ? (match[2] ?? match[1]) : undefined
}

/** Minimal multipart/form-data parser: text fields only (parts with a filename are skipped). */
function parseMultipart(raw: Buffer, boundary: string): Record<string, string> {
  const fields: Record<string, string> = {}
  const parts = raw.toString('utf8').split(`--${boundary}`)
  if (parts.length < 2) throw new Error('multipart body without the boundary')
  // parts[0] is the preamble; the last real part is followed by "--" (the closing delimiter).
  for (const part of parts.slice(1)) {
    if (part.startsWith('--')) break
    const split = part.indexOf('\r\n\r\n')
    if (split < 0) throw new Error('multipart part without a header/body separator')
    const head = part.slice(0, split)
    const disposition = /content-disposition:\s*form-data(.*)/i.exec(head)?.[1] ?? ''
    const name = headerParam(disposition, 'name')
    if (name === undefined) throw new Error('multipart part without a name')
    if (headerParam(disposition, 'filename') !== undefined) continue
    fields[name] = part.slice(split + 4).replace(/\r\n$/, '')
  }
  return fields
}

function parseBody(raw: Buffer, contentTypeHeader: string | undefined): { body: Record<string, string> | undefined; error: string | undefined } {
  if (raw.length === 0 || contentTypeHeader === undefined) return { body: undefined, error: undefined }
  const media = contentTypeHeader.split(';')[0]?.trim().toLowerCase()
  try {
    if (media === 'application/json' || media?.endsWith('+json')) {
      const value: unknown = JSON.parse(raw.toString('utf8'))
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return { body: undefined, error: 'JSON body is not an object' }
      const fields: Record<string, string> = {}
      for (const [k, v] of Object.entries(value)) fields[k] = typeof v === 'string' ? v : JSON.stringify(v)
      return { body: fields, error: undefined }
    }
    if (media === 'application/x-www-form-urlencoded') {
      return { body: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), error: undefined }
    }
    if (media === 'multipart/form-data') {
      const boundary = headerParam(contentTypeHeader, 'boundary')
      if (boundary === undefined) return { body: undefined, error: 'multipart body without a boundary parameter' }
      return { body: parseMultipart(raw, boundary), error: undefined }
    }
  } catch (err) {
    return { body: undefined, error: err instanceof Error ? err.message : String(err) }
  }
  return { body: undefined, error: undefined }
}

/** Reads the whole body, or undefined when it is larger than {@link MAX_BODY_BYTES}. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(buf)
  }
  return Buffer.concat(chunks)
}

function send(res: ServerResponse, answer: SimResponse): void {
  const body = answer.body === undefined ? undefined : Buffer.isBuffer(answer.body) ? answer.body : Buffer.from(answer.body)
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body?.length ?? 0) })
  res.end(body)
}

/** Starts a simulator server on 127.0.0.1 with an ephemeral port. */
export async function startSimulatorServer(routes: SimulatorRoutes): Promise<SimulatorServer> {
  const faults = new FaultQueue()
  const requests: SeenRequest[] = []
  const timers = new Set<NodeJS.Timeout>()
  let origin = ''
  let closing: Promise<void> | undefined

  /** Resolves after `ms`, or never if the server closes first. */
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.add(timer)
    })

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req)
      const url = new URL(req.url ?? '/', origin)
      const headers = flatHeaders(req)
      const contentType = headers['content-type']?.split(';')[0]?.trim().toLowerCase() || undefined
      const parsed = raw === undefined ? { body: undefined, error: 'body too large' } : parseBody(raw, headers['content-type'])
      const seen: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, headers, body: parsed.body, contentType }
      requests.push(seen)
      if (faults.delayMs > 0) await delay(faults.delayMs)
      if (closing) return
      if (raw === undefined) return send(res, json(413, { error: 'invalid_request', error_description: 'request body too large' }))
      const simReq: SimRequest = { ...seen, origin, query: url.searchParams, bodyError: parsed.error }
      const target = routes.target(simReq)
      const fault = target === undefined ? undefined : faults.take(target)
      if (fault === 'slow_down') return send(res, routes.slowDown(simReq))
      if (fault !== undefined) return writeFault(fault, res)
      send(res, routes.handle(simReq))
    })().catch((err: unknown) => {
      if (res.headersSent) return void res.destroy()
      send(res, text(500, `simulator bug: ${err instanceof Error ? err.stack : String(err)}`))
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    origin,
    faults,
    requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
}
