/**
 * `FetchLike` for the Node hosts (the CLI, serve mode, the bench) on `node:http`/`node:https`
 * with one keep-alive agent per protocol, instead of the global `fetch` (undici's WHATWG fetch
 * layer, where most of a poll's CPU went: see `bench/http-micro.ts`). The Electron app keeps
 * `net.fetch` (system proxy, PAC).
 *
 * It keeps the guarantees the core relies on (electron/core/http.ts):
 * - the body is a stream, so the core's size limit refuses an oversized body without reading it
 *   all (cancelling the stream destroys the socket);
 * - `signal` aborts the request and the body (the core's time limit and cancel use it);
 * - redirects are never followed (`redirect: 'manual'`, as the core always asks): the 3xx is the
 *   answer;
 * - failures carry the system's error code (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`,
 *   `DEPTH_ZERO_SELF_SIGNED_CERT`, …), which the core reports;
 * - proxies: a request that `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (as curl reads them) sends
 *   through a proxy goes through `createNodeFetch`'s undici `ProxyAgent`; loopback never does.
 *
 * Kept-alive sockets: Node's agent closes an idle socket one second before the server's
 * `Keep-Alive: timeout=N` hint runs out (and after `idleMs` without a hint), so a poll is not
 * sent on a connection the server is about to drop. A request is never retried here: a reset
 * is the core's network error, and the core's back-off decides when to ask again.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { rememberBody } from '../core/body'
import type { FetchLike } from '../core/types'
import { createNodeFetch, proxyFor } from './node-fetch'

type Env = Readonly<Record<string, string | undefined>>

export interface NodeHttpOptions {
  readonly env?: Env
  /** How long an idle kept-alive socket is kept when the server gives no hint. Default 4 s. */
  readonly idleMs?: number
  /**
   * A body whose declared length is at most this many bytes is read whole before the answer is
   * handed over; a longer one, or one of unknown length, is a stream (the core's size limit
   * cancels it). Default 64 KiB.
   */
  readonly bufferBytes?: number
}

/** Statuses a WHATWG `Response` cannot carry a body with. */
const NULL_BODY_STATUS = new Set([101, 204, 205, 304])

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError')
}

/** Request headers as a plain object (`Headers`, an array of pairs or a record). */
function headerObject(headers: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (headers === undefined) return out
  if (headers instanceof Headers) {
    headers.forEach((value, key) => (out[key] = value))
    return out
  }
  if (Array.isArray(headers)) {
    for (const [key, value] of headers) if (key !== undefined && value !== undefined) out[key.toLowerCase()] = value
    return out
  }
  for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = value
  return out
}

/** The body as bytes or text, with the content type fetch would add; undefined for bodies fetch must handle. */
function simpleBody(body: BodyInit | null | undefined): { data: string | Uint8Array | undefined; type?: string } | undefined {
  if (body === null || body === undefined) return { data: undefined }
  if (typeof body === 'string') return { data: body, type: 'text/plain;charset=UTF-8' }
  if (body instanceof URLSearchParams) return { data: body.toString(), type: 'application/x-www-form-urlencoded;charset=UTF-8' }
  if (body instanceof Uint8Array) return { data: body }
  if (body instanceof ArrayBuffer) return { data: new Uint8Array(body) }
  return undefined
}

/** The response's headers, as a WHATWG `Headers` (repeated headers kept, as fetch does). */
function responseHeaders(raw: readonly string[]): Headers {
  const headers = new Headers()
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!)
    } catch {
      // A header value fetch would not accept (a control character): left out, as a browser would drop it.
    }
  }
  return headers
}

/** The body stream; cancelling it (the core's size limit) destroys the socket. */
function bodyStream(message: IncomingMessage, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const onAbort = (): void => {
        message.destroy(abortError(signal!))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      message.on('data', (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if ((controller.desiredSize ?? 1) <= 0) message.pause()
      })
      message.once('end', () => {
        signal?.removeEventListener('abort', onAbort)
        controller.close()
      })
      message.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort)
        controller.error(error)
      })
      message.once('aborted', () => controller.error(Object.assign(new Error('the connection closed before the body ended'), { code: 'ECONNRESET' })))
    },
    pull() {
      message.resume()
    },
    cancel() {
      message.destroy()
    },
  })
}

/** The whole body of a response whose length is known and small. */
function collect(message: IncomingMessage, signal: AbortSignal | undefined): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const onAbort = (): void => {
      message.destroy(abortError(signal!))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    message.on('data', (chunk: Buffer) => chunks.push(chunk))
    message.once('end', () => {
      signal?.removeEventListener('abort', onAbort)
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    })
    message.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort)
      reject(error)
    })
    message.once('aborted', () => reject(Object.assign(new Error('the connection closed before the body ended'), { code: 'ECONNRESET' })))
  })
}

/** A `FetchLike` over `node:http` (see the module comment). */
export function createNodeHttpFetch(options: NodeHttpOptions = {}): FetchLike {
  const env = options.env ?? process.env
  const idleMs = options.idleMs ?? 4000
  const bufferLimit = options.bufferBytes ?? 64 * 1024
  // `timeout` is the idle time of a free socket; Node shortens it to the server's hint minus 1 s.
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, timeout: idleMs, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, timeout: idleMs, scheduling: 'lifo' }),
  }
  const viaFetch = createNodeFetch(env)
  return (input, init) => {
    const url = new URL(input)
    const body = simpleBody(init.body)
    const agent = url.protocol === 'http:' || url.protocol === 'https:' ? agents[url.protocol] : undefined
    // Proxies, redirects to follow and exotic bodies: the fetch path, which handles them.
    if (agent === undefined || body === undefined || proxyFor(url, env) !== undefined || (init.redirect !== undefined && init.redirect !== 'manual')) {
      return viaFetch(input, init)
    }
    const signal = init.signal ?? undefined
    if (signal?.aborted) return Promise.reject(abortError(signal))
    const headers = headerObject(init.headers)
    if (body.type !== undefined && headers['content-type'] === undefined) headers['content-type'] = body.type
    headers['accept'] ??= '*/*'
    const method = (init.method ?? 'GET').toUpperCase()
    const requestOptions: RequestOptions = { method, headers, agent }
    return new Promise<Response>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, requestOptions)
      const onAbort = (): void => {
        request.destroy(abortError(signal!))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      request.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort)
        reject(error)
      })
      request.once('response', (message) => {
        signal?.removeEventListener('abort', onAbort)
        const status = message.statusCode ?? 0
        if (status < 200 || status > 599) {
          message.destroy()
          reject(Object.assign(new Error(`the server answered with status ${status}, which is not an HTTP answer fetch can carry`), { code: 'EBADSTATUS' }))
          return
        }
        const init = { status, statusText: message.statusMessage ?? '', headers: responseHeaders(message.rawHeaders) }
        if (NULL_BODY_STATUS.has(status)) {
          message.resume()
          resolve(new Response(null, init))
          return
        }
        const declared = Number(message.headers['content-length'])
        if (Number.isSafeInteger(declared) && declared <= bufferLimit) {
          // Small bodies of a known length (every OAuth answer): read whole, no stream machinery.
          collect(message, signal).then((bytes) => resolve(rememberBody(new Response(bytes as Uint8Array<ArrayBuffer>, init), bytes)), reject)
          return
        }
        resolve(new Response(bodyStream(message, signal), init))
      })
      request.end(body.data)
    })
  }
}
