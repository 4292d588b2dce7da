/**
 * The app's `FetchLike` over Chromium's network stack (Electron's `net`), for provider traffic.
 *
 * `net.fetch` is not Node's fetch, and the core relies on three things it does differently:
 * - Redirects: `createHttp` asks `redirect: 'manual'` and expects the 3xx answer back (a token
 *   request must never be re-sent, with its device code or client secret, to wherever a
 *   `Location` points). `net.fetch` instead rejects with "Redirect was cancelled"
 *   (lib/common/api/net-client-request.ts, the 'redirect' handler of `ClientRequest`), so
 *   every redirect became the same anonymous network failure.
 * - Errors: Chromium's failures reach JavaScript as `Error('net::ERR_…')` with no `code`
 *   (shell/common/api/electron_api_url_loader.cc `OnComplete` emits `net::ErrorToString`;
 *   net-client-request.ts wraps it in a bare `Error`), while the core names a failure by the
 *   `code` on the error or its `cause` (electron/core/http.ts `networkReason`). Without a code
 *   every failure read "the request failed before a response arrived".
 * - Cookies: `net.fetch` uses the default session (lib/browser/api/net.ts) with credentials
 *   `include` (lib/browser/api/net-fetch.ts turns the Request's default `same-origin` into
 *   `include` when there is no origin), so providers' cookies were kept and sent, and shared
 *   with the window's session.
 *
 * So this adapter sends each request with `net.request` (Electron's `ClientRequest`), in a
 * session of its own, with cookies off, and turns the answers into what Node's fetch gives.
 */
import { Readable } from 'node:stream'
import type { ClientRequest, ClientRequestConstructorOptions, IncomingMessage, Session } from 'electron'
import type { FetchLike } from '../core/types'

/**
 * The partition of the providers' session. No `persist:` prefix: an in-memory session
 * (docs/api/session.md, `session.fromPartition`), so nothing a provider sends (cookies, HTTP
 * cache, HSTS state) is written to disk or outlives the app, and nothing is shared with the
 * window's default session.
 */
export const PROVIDER_PARTITION = 'linkscreen-providers'

/** The part of Electron's `net` module the adapter uses. */
export interface NetLike {
  request(options: ClientRequestConstructorOptions): ClientRequest
}

export interface NetFetchOptions {
  readonly net: NetLike
  /** The session the requests belong to: `session.fromPartition(PROVIDER_PARTITION)`. */
  readonly session: Session
}

/**
 * Chromium's net error names for which Node's fetch reports the same condition with one system
 * code: those get Node's code, so that messages, flow logs and tests read the same on every
 * host. Other names (certificate and other TLS errors, proxies, "offline", for which Node has
 * no single code or none at all) keep Chromium's own name, which says precisely what failed.
 * @see https://source.chromium.org/chromium/chromium/src/+/main:net/base/net_error_list.h
 */
const NODE_CODES: Readonly<Record<string, string>> = {
  ERR_NAME_NOT_RESOLVED: 'ENOTFOUND',
  ERR_NAME_RESOLUTION_FAILED: 'EAI_AGAIN',
  ERR_CONNECTION_REFUSED: 'ECONNREFUSED',
  ERR_CONNECTION_RESET: 'ECONNRESET',
  ERR_CONNECTION_ABORTED: 'ECONNABORTED',
  ERR_CONNECTION_TIMED_OUT: 'ETIMEDOUT',
  ERR_TIMED_OUT: 'ETIMEDOUT',
  ERR_ADDRESS_UNREACHABLE: 'EHOSTUNREACH',
  // The server closed the connection (without an answer): undici's "other side closed".
  ERR_CONNECTION_CLOSED: 'UND_ERR_SOCKET',
  ERR_EMPTY_RESPONSE: 'UND_ERR_SOCKET',
}

const NET_ERROR = /^net::(ERR_[A-Z0-9_]{1,60})$/

/**
 * The system code the core reads for a Chromium net error name (`ERR_NAME_NOT_RESOLVED` →
 * `ENOTFOUND`; `ERR_CERT_DATE_INVALID` stays as it is), or `undefined` when `name` is not one.
 */
export function netErrorCode(name: string): string | undefined {
  if (!/^ERR_[A-Z0-9_]{1,60}$/.test(name)) return undefined
  return NODE_CODES[name] ?? name
}

/**
 * A failure shaped as Node's fetch shapes it: `TypeError('fetch failed')` whose `cause` carries
 * the `code` (and, for the curious, Chromium's own name as `netError`). Anything that is not a
 * Chromium net error keeps its message out of it (it may quote a URL) and is only wrapped.
 */
export function toFetchError(error: unknown): Error {
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return error
  const name = error instanceof Error ? NET_ERROR.exec(error.message)?.[1] : undefined
  const code = name === undefined ? undefined : netErrorCode(name)
  if (name === undefined || code === undefined) return new TypeError('fetch failed', { cause: error })
  const cause = Object.assign(new Error(`net::${name}`), { code, netError: name })
  return new TypeError('fetch failed', { cause })
}

/** Statuses whose answer has no body (the Fetch standard's null body statuses). */
const NULL_BODY_STATUS = new Set([101, 204, 205, 304])

function toHeaders(record: Record<string, string | string[]>): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(record)) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one)
  }
  return headers
}

/** The body as a web stream whose failures (a reset mid-body) carry a code, as the request's do. */
function bodyStream(message: IncomingMessage, request: ClientRequest): ReadableStream<Uint8Array> {
  // Electron's IncomingMessage is a Node Readable (lib/browser/api/net-client-request.ts),
  // which is also how net-fetch.ts turns it into a web stream.
  const reader = (Readable.toWeb(message as unknown as Readable) as ReadableStream<Uint8Array>).getReader()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (error) {
        controller.error(toFetchError(error))
      }
    },
    async cancel(reason) {
      request.abort()
      await reader.cancel(reason).catch(() => undefined)
    },
  })
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

/**
 * A `FetchLike` over `net.request` in `options.session`:
 * - `redirect: 'manual'` answers the 3xx itself (status and headers, no body) and follows
 *   nothing; `'follow'` (the default) and `'error'` are Chromium's own;
 * - no cookie is sent or stored (`useSessionCookies: false` with `credentials` unset blocks all
 *   cookies: shell/common/api/electron_api_url_loader.cc sets kURLLoadOptionBlockAllCookies).
 *   A proxy that authenticates on its own (system sign-on) still works; one that asks for a
 *   name and password does not: no `login` handler is set, and lib/common/api/net-client-request.ts
 *   then calls the login callback with nothing, which cancels the request;
 * - failures are `TypeError('fetch failed')` with a `cause.code` (see {@link toFetchError}).
 */
export function createNetFetch(options: NetFetchOptions): FetchLike {
  return async (input, init) => {
    const signal = init.signal ?? undefined
    if (signal?.aborted) throw abortError(signal)
    const policy = init.redirect ?? 'follow'
    // The Request normalises headers and body (a URLSearchParams body gets its content type),
    // as Node's fetch and net-fetch.ts both do.
    const { signal: _ignored, ...rest } = init
    const normal = new Request(input, { ...rest, redirect: 'follow' })
    const body = normal.body ? Buffer.from(await normal.arrayBuffer()) : undefined
    const headers: Record<string, string> = {}
    normal.headers.forEach((value, name) => void (headers[name] = value))
    if (signal?.aborted) throw abortError(signal)

    const request = options.net.request({
      method: normal.method,
      url: input,
      session: options.session,
      headers,
      redirect: policy,
      useSessionCookies: false,
      // Token and code answers are never served from (or kept in) Chromium's HTTP cache.
      cache: 'no-store',
    })
    return new Promise<Response>((resolve, reject) => {
      let settled = false
      const settle = (action: () => void): void => {
        if (settled) return
        settled = true
        signal?.removeEventListener('abort', onAbort)
        action()
      }
      const onAbort = (): void => {
        request.abort()
        settle(() => reject(abortError(signal as AbortSignal)))
      }
      signal?.addEventListener('abort', onAbort, { once: true })

      request.on('redirect', (statusCode, _method, _url, responseHeaders) => {
        if (policy !== 'manual') return
        // followRedirect() is withheld, so Electron ends the request ("Redirect was
        // cancelled"), which arrives below after this answer has settled and is ignored.
        settle(() => resolve(new Response(null, { status: statusCode, headers: toHeaders(responseHeaders) })))
      })
      request.on('response', (message) => {
        const status = message.statusCode
        const nullBody = NULL_BODY_STATUS.has(status) || normal.method === 'HEAD'
        if (nullBody) message.on('error', () => undefined)
        const response = new Response(nullBody ? null : bodyStream(message, request), {
          status,
          statusText: message.statusMessage,
          headers: toHeaders(message.headers),
        })
        settle(() => resolve(response))
      })
      request.on('error', (error) => settle(() => reject(toFetchError(error))))
      request.end(body)
    })
  }
}
