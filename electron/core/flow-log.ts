/**
 * The QA flow log: a recorder that wraps the `FetchLike` a dialect is given and notes, for
 * each HTTP exchange of one flow, when it started (wall clock and monotonic offset from the
 * start of the flow), the method, the URL with its secrets removed, the status, the OAuth
 * `error` code of a JSON error body, how long it took, and how it failed when it did.
 *
 * What is never recorded: header values, body values, tokens, device codes, user codes,
 * client secrets. Bodies appear only as the names of their top-level fields. Every string
 * that is recorded is also scrubbed of every secret value the recorder knows: the ones the
 * caller registers (`addSecret`: the client secret, configured header values) and the ones it
 * learns on its own from what passes through it (the values of secret-named fields in request
 * and response bodies, such as `device_code`, `access_token`, `client_secret`, and the
 * credentials of an `Authorization` header).
 *
 * The log is bounded: at most `maxEntries` exchanges are kept (the oldest are dropped and
 * counted), and a response body is only inspected up to `maxInspectBytes`.
 *
 * Designed to wrap `createHttp`'s output, whose responses are already buffered: inspecting a
 * clone of the body then costs no network time and cannot hang.
 */
import { ErrorCode, isLinkscreenError } from './errors'
import { cleanText, redactUrl } from './redact'
import { Scrubber } from './scrubber'
import type { Clock, FetchLike } from './types'

/** The version of the exported JSON shape; bumped on any incompatible change. */
export const FLOW_LOG_VERSION = 1
/** The `format` member of the exported JSON, so a file says what it is. */
export const FLOW_LOG_FORMAT = 'linkscreen-flow-log'
export const DEFAULT_MAX_ENTRIES = 500
/** A response body larger than this is not inspected for an `error` code. */
export const DEFAULT_MAX_INSPECT_BYTES = 64 * 1024

const MAX_KEYS = 50
const MAX_KEY_LENGTH = 64
const MAX_URL_LENGTH = 2048

/** One HTTP exchange, as exported. Optional members are absent when unknown. */
export interface FlowLogEntry {
  /** 1-based position of the exchange in the flow, counting dropped ones. */
  readonly seq: number
  /** When the request was sent: ISO-8601 wall-clock time. */
  readonly at: string
  /** When the request was sent: whole milliseconds since the flow started, on the monotonic clock. */
  readonly offsetMs: number
  readonly method: string
  /** The URL, without credentials and with secret query values replaced by `[redacted]`. */
  readonly url: string
  /** The names of the request body's top-level fields (JSON, form or multipart), never their values. */
  readonly requestFields?: readonly string[]
  /** The HTTP status, when a response arrived. */
  readonly status?: number
  /** The response's media type (`application/json`), without parameters. */
  readonly contentType?: string
  /** The `error` member of a JSON error body (`authorization_pending`, `slow_down`, …). */
  readonly oauthError?: string
  /** The names of the response body's top-level fields, when it is a JSON object. */
  readonly responseFields?: readonly string[]
  /** Milliseconds from sending to the answer (or the failure), monotonic. Absent while in flight. */
  readonly durationMs?: number
  /** How the exchange failed, when it did. */
  readonly failure?: FlowLogFailure
  /** True when the log was exported while this exchange was still in flight. */
  readonly inFlight?: true
}

/** The class of a failed exchange. */
export interface FlowLogFailure {
  /** The core's error code (`network_error`, `timeout`, `aborted`, `response_too_large`, …), or `network_error` for a raw fetch failure. */
  readonly code: string
  /** The system error code (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`, …) or the error's class name (`TypeError`), when known. */
  readonly reason?: string
}

/** The exported log: `JSON.stringify(recorder.toJSON())`. */
export interface FlowLogJson {
  readonly format: typeof FLOW_LOG_FORMAT
  readonly version: typeof FLOW_LOG_VERSION
  /** The provider id, when the caller named it. */
  readonly provider?: string
  /** When the flow started: ISO-8601 wall-clock time. */
  readonly startedAt: string
  /** When `end` was called: ISO-8601 wall-clock time. */
  readonly endedAt?: string
  /** Milliseconds from start to `end`, monotonic. */
  readonly durationMs?: number
  /** How the flow ended, as the caller put it (`authorized`, `denied`, `expired`, `error`, `cancelled`, …). */
  readonly outcome?: string
  /** The entry bound this log was kept with. */
  readonly maxEntries: number
  /** How many of the oldest entries were dropped to stay within `maxEntries`. */
  readonly dropped: number
  /** The kept exchanges, in the order they were sent. */
  readonly entries: readonly FlowLogEntry[]
}

export interface FlowRecorderOptions {
  readonly clock: Clock
  /** The provider id, written into the log. */
  readonly provider?: string
  /** Default {@link DEFAULT_MAX_ENTRIES}. */
  readonly maxEntries?: number
  /** Default {@link DEFAULT_MAX_INSPECT_BYTES}. */
  readonly maxInspectBytes?: number
  /** Secret values known from the start (the client secret, configured header values). */
  readonly secrets?: Iterable<string | undefined>
}

export interface FlowRecorder {
  /** A `FetchLike` that behaves exactly as `fetch` does and records each exchange. */
  wrap(fetch: FetchLike): FetchLike
  /** Registers a value that must never appear in the log (scrubbed from everything recorded, also retroactively). */
  addSecret(value: string | undefined): void
  /** Marks the end of the flow. The first call wins. */
  end(outcome: string): void
  /** The log as a JSON-ready object; may be called at any time (entries in flight are marked). */
  toJSON(): FlowLogJson
}

interface Mutable {
  seq: number
  at: string
  offsetMs: number
  method: string
  url: string
  requestFields?: string[]
  status?: number
  contentType?: string
  oauthError?: string
  responseFields?: string[]
  durationMs?: number
  failure?: FlowLogFailure
}

const iso = (ms: number): string => new Date(ms).toISOString()
/** Whole milliseconds, never negative. */
const ms = (value: number): number => Math.max(0, Math.round(value))

/** The system error code of a failure, looking through `cause`; or the error's class name. */
function failureReason(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{2,40}$/.test(code)) return code
    current = current.cause
  }
  if (isLinkscreenError(error)) {
    // createHttp ends a network failure's message with the system code, in parentheses after its
    // words ("… refused the connection (ECONNREFUSED)"), and attaches no cause.
    const match = /[:(] ?([A-Z][A-Z0-9_]{2,40})\)?$/.exec(error.message)
    return match?.[1]
  }
  return error instanceof Error && /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : undefined
}

function failureOf(error: unknown): FlowLogFailure {
  const code = isLinkscreenError(error)
    ? error.code
    : error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')
      ? ErrorCode.Aborted
      : ErrorCode.Network
  const reason = failureReason(error)
  return reason === undefined ? { code } : { code, reason }
}

/** Reads at most `maxBytes` of a clone of `response`; undefined when larger or unreadable. */
async function peekBody(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) return undefined
  let clone: Response
  try {
    clone = response.clone()
  } catch {
    return undefined
  }
  if (!clone.body) return ''
  const reader = clone.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > maxBytes) {
        // Not awaited: a tee branch's cancellation settles only once the other branch is done too.
        reader.cancel().catch(() => undefined)
        return undefined
      }
      chunks.push(value)
    }
  } catch {
    return undefined
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes)
}

function cleanKeys(keys: readonly string[]): string[] {
  return keys.slice(0, MAX_KEYS).map((key) => cleanText(key, MAX_KEY_LENGTH))
}

/** Creates a recorder for one flow; the flow starts now (by `clock`). */
export function createFlowRecorder(options: FlowRecorderOptions): FlowRecorder {
  const { clock } = options
  const maxEntries = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_MAX_ENTRIES))
  const maxInspect = Math.max(0, Math.floor(options.maxInspectBytes ?? DEFAULT_MAX_INSPECT_BYTES))
  const startWall = clock.now()
  const startMono = clock.monotonic()
  const entries: Mutable[] = []
  const inFlight = new Set<Mutable>()
  let seq = 0
  let dropped = 0
  let ended: { wall: number; mono: number; outcome: string } | undefined
  /**
   * The one scrubbing mechanism (see `scrubber.ts`), learning user codes too: the log shows none.
   * It is kept for the flow's life, so every secret it learned stays scrubbed (also retroactively).
   */
  const scrubber = new Scrubber({ secrets: options.secrets ?? [], learnUserCodes: true, maxLearned: Number.POSITIVE_INFINITY, maxLearnedChars: Number.POSITIVE_INFINITY })
  const addSecret = (value: string | undefined): void => scrubber.keep(value)
  const scrub = (text: string): string => scrubber.text(text)

  const record = (entry: Mutable): void => {
    entries.push(entry)
    while (entries.length > maxEntries) {
      entries.shift()
      dropped++
    }
  }

  const exported = (entry: Mutable): FlowLogEntry => {
    const open = inFlight.has(entry)
    return {
      seq: entry.seq,
      at: entry.at,
      offsetMs: entry.offsetMs,
      method: scrub(entry.method),
      url: scrub(entry.url),
      ...(entry.requestFields === undefined ? {} : { requestFields: entry.requestFields.map(scrub) }),
      ...(entry.status === undefined ? {} : { status: entry.status }),
      ...(entry.contentType === undefined ? {} : { contentType: scrub(entry.contentType) }),
      ...(entry.oauthError === undefined ? {} : { oauthError: scrub(entry.oauthError) }),
      ...(entry.responseFields === undefined ? {} : { responseFields: entry.responseFields.map(scrub) }),
      ...(entry.durationMs === undefined ? {} : { durationMs: entry.durationMs }),
      ...(entry.failure === undefined
        ? {}
        : { failure: { code: scrub(entry.failure.code), ...(entry.failure.reason === undefined ? {} : { reason: scrub(entry.failure.reason) }) } }),
      ...(open ? { inFlight: true as const } : {}),
    }
  }

  return {
    addSecret,

    wrap(fetch) {
      return async (input, init) => {
        const method = cleanText(String(init.method ?? 'GET').toUpperCase(), 16)
        const body = scrubber.learnRequest(init)
        const sentMono = clock.monotonic()
        const entry: Mutable = {
          seq: ++seq,
          at: iso(clock.now()),
          offsetMs: ms(sentMono - startMono),
          method,
          url: scrub(redactUrl(input)).slice(0, MAX_URL_LENGTH),
          ...(body.fields === undefined ? {} : { requestFields: cleanKeys(body.fields) }),
        }
        record(entry)
        inFlight.add(entry)
        let response: Response
        try {
          response = await fetch(input, init)
        } catch (error) {
          entry.durationMs = ms(clock.monotonic() - sentMono)
          entry.failure = failureOf(error)
          inFlight.delete(entry)
          throw error
        }
        entry.durationMs = ms(clock.monotonic() - sentMono)
        entry.status = response.status
        const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
        if (type) entry.contentType = cleanText(type, 100)
        inFlight.delete(entry)
        const text = await peekBody(response, maxInspect)
        if (text !== undefined && text.trim().startsWith('{')) {
          try {
            const json = JSON.parse(text) as unknown
            if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
              scrubber.learnJson(json)
              entry.responseFields = cleanKeys(Object.keys(json))
              const error = (json as Record<string, unknown>)['error']
              if (typeof error === 'string' && /^[\x20-\x7e]{1,64}$/.test(error)) entry.oauthError = error
            }
          } catch {
            // not JSON: nothing more to note
          }
        }
        return response
      }
    },

    end(outcome) {
      if (ended) return
      ended = { wall: clock.now(), mono: clock.monotonic(), outcome: cleanText(outcome, 64) }
    },

    toJSON() {
      return {
        format: FLOW_LOG_FORMAT,
        version: FLOW_LOG_VERSION,
        ...(options.provider === undefined ? {} : { provider: scrub(cleanText(options.provider, 100)) }),
        startedAt: iso(startWall),
        ...(ended === undefined
          ? {}
          : { endedAt: iso(ended.wall), durationMs: ms(ended.mono - startMono), outcome: scrub(ended.outcome) }),
        maxEntries,
        dropped,
        entries: entries.map(exported),
      }
    },
  }
}
