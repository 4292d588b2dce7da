/**
 * The core's HTTP layer: wraps an injected `fetch` with a time limit (measured with the
 * injected clock), a response size limit that refuses an oversized body without reading it
 * all, error classification (network, timeout, cancelled) and a redacted exchange hook.
 */
import { bodyText, rememberBody, rememberedBytes } from './body'
import { ErrorCode, LinkscreenError } from './errors'
import { redactUrl } from './redact'
import type { Clock, FetchLike } from './types'

/** 1 MiB: no OAuth response comes close. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
export const DEFAULT_TIMEOUT_MS = 30_000

/** One HTTP exchange, with secrets already removed from the URL. */
export interface HttpExchange {
  readonly method: string
  readonly url: string
  readonly status?: number
  readonly ms: number
  readonly error?: ErrorCode
}

export interface HttpOptions {
  readonly fetch: FetchLike
  readonly clock: Clock
  readonly maxBodyBytes?: number
  readonly timeoutMs?: number
  readonly onExchange?: (exchange: HttpExchange) => void
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304])

/**
 * The reasons a request's controller is aborted with. Made once: an `abort()` without a reason
 * builds a `DOMException` (with a stack) on every request, which showed in the engine bench's
 * profile.
 */
const FINISHED = new Error('the request finished')
const TIMED_OUT = new Error('the time limit ran out')
const CANCELLED = new Error('the caller cancelled')

async function readLimited(response: Response, maxBytes: number, where: () => string): Promise<Uint8Array> {
  const header = response.headers.get('content-length')
  const declared = header === null ? Number.NaN : Number(header)
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new LinkscreenError(ErrorCode.ResponseTooLarge, `${where()}: response body of ${declared} bytes exceeds the ${maxBytes}-byte limit`)
  }
  if (!response.body) return new Uint8Array(0)
  // A declared length within the limit bounds what HTTP framing lets the body carry: read it at once.
  if (Number.isSafeInteger(declared) && declared >= 0) return new Uint8Array(await response.arrayBuffer())
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new LinkscreenError(ErrorCode.ResponseTooLarge, `${where()}: response body exceeds the ${maxBytes}-byte limit`)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/**
 * The system error code (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_CONNECT_TIMEOUT`, …) of a failed
 * request. Messages are never used: they may quote request headers, and so credentials.
 */
function networkReason(error: unknown): string {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{2,40}$/.test(code)) return describeNetworkCode(code)
    current = current.cause
  }
  return 'the request failed before a response arrived'
}

/** A system or Chromium error code in words a person at the screen understands, the code kept for support: "the server refused the connection (ECONNREFUSED)". */
export function describeNetworkCode(code: string): string {
  return `${Object.hasOwn(REASONS, code) ? REASONS[code] : reasonByFamily(code)} (${code})`
}

/** What the common system and Chromium codes mean. */
const REASONS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the server name could not be found (no network, or DNS failed)',
  EAI_AGAIN: 'the server name could not be looked up right now (DNS)',
  ECONNREFUSED: 'the server refused the connection',
  ECONNRESET: 'the connection was reset',
  ECONNABORTED: 'the connection was dropped',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the server cannot be reached from this network',
  ENETUNREACH: 'this device has no route to the network',
  EPIPE: 'the connection was closed while sending',
  UND_ERR_SOCKET: 'the connection closed before an answer arrived',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  ERR_INTERNET_DISCONNECTED: 'this device is offline',
}

function reasonByFamily(code: string): string {
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) return "the server's certificate was not accepted (a network that intercepts secure connections, or a wrong clock)"
  if (/PROXY|TUNNEL/.test(code)) return 'the proxy did not let the request through'
  return 'the request failed before an answer arrived'
}

/**
 * A `FetchLike` that never hangs past `timeoutMs`, never buffers more than `maxBodyBytes`,
 * and throws only `LinkscreenError` (`network_error`, `timeout`, `aborted`, `response_too_large`).
 * The returned response is fully buffered, so parsers may read it freely.
 */
export function createHttp(options: HttpOptions): FetchLike {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return async (input, init) => {
    const started = options.clock.now()
    const method = (init.method ?? 'GET').toUpperCase()
    const parsed = URL.canParse(input) ? new URL(input) : undefined
    if (!parsed) throw new LinkscreenError(ErrorCode.InvalidResponse, `${method}: not an absolute URL`)
    // Built only when a message or an exchange report needs them (most requests need neither).
    const where = (): string => `${method} ${parsed.origin}${parsed.pathname}`
    const outer = init.signal ?? undefined
    if (outer?.aborted) throw new LinkscreenError(ErrorCode.Aborted, 'The operation was cancelled')

    // One controller per request (each costs a transferable object in Node): it aborts the
    // request on timeout or cancel, and stops the timer once the answer is read.
    const controller = new AbortController()
    let timedOut = false
    const onOuterAbort = (): void => controller.abort(CANCELLED)
    outer?.addEventListener('abort', onOuterAbort, { once: true })
    options.clock.sleep(timeoutMs, controller.signal).then(
      () => {
        timedOut = true
        controller.abort(TIMED_OUT)
      },
      () => undefined,
    )
    const report = (status: number | undefined, error?: ErrorCode): void => {
      if (!options.onExchange) return
      options.onExchange({
        method,
        url: redactUrl(input),
        ms: options.clock.now() - started,
        ...(status === undefined ? {} : { status }),
        ...(error === undefined ? {} : { error }),
      })
    }
    const fail = (error: unknown, status?: number): LinkscreenError => {
      let out: LinkscreenError
      if (outer?.aborted) out = new LinkscreenError(ErrorCode.Aborted, 'The operation was cancelled')
      else if (timedOut) out = new LinkscreenError(ErrorCode.Timeout, `${where()}: no complete answer within ${timeoutMs} ms`)
      else if (error instanceof LinkscreenError) out = error
      else out = new LinkscreenError(ErrorCode.Network, `${where()}: ${networkReason(error)}`)
      report(status, out.code)
      return out
    }

    try {
      let response: Response
      try {
        response = await options.fetch(input, { ...init, signal: controller.signal, redirect: 'manual' })
      } catch (error) {
        throw fail(error)
      }
      // A transport that read the body whole already (node:http, for every small answer): that
      // response is handed on as it is, when within the limit.
      const held = rememberedBytes(response)
      if (held !== undefined && held.byteLength <= maxBytes) {
        report(response.status)
        return response
      }
      let bytes: Uint8Array
      try {
        bytes = await readLimited(response, maxBytes, where)
      } catch (error) {
        throw fail(error, response.status)
      }
      report(response.status)
      const body = NULL_BODY_STATUS.has(response.status) ? null : bytes
      return rememberBody(
        new Response(body as BodyInit | null, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        }),
        bytes,
      )
    } finally {
      // The body is read whole by now: aborting only stops the timer.
      controller.abort(FINISHED)
      outer?.removeEventListener('abort', onOuterAbort)
    }
  }
}

/** The body as JSON, or `undefined` when it is not JSON. */
export async function readJsonBody(response: Response): Promise<unknown> {
  const text = await bodyText(response)
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds from `now`, capped at one hour. */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const raw = headers.get('retry-after')?.trim()
  if (!raw) return undefined
  let ms: number
  if (/^\d+$/.test(raw)) ms = Number(raw) * 1000
  else {
    const date = Date.parse(raw)
    if (Number.isNaN(date)) return undefined
    ms = date - now
  }
  return Math.min(Math.max(ms, 0), 3_600_000)
}
