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
import { REDACTED, cleanText, isSecretKey, redactHead, redactUrl, replaceAnyCase } from './redact'
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
/** Secrets shorter than this are not scrubbed (they would mangle ordinary text). */
const MIN_SECRET_LENGTH = 4

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
    // createHttp ends a network failure's message with the system code and attaches no cause.
    const match = /: ([A-Z][A-Z0-9_]{2,40})$/.exec(error.message)
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

function headerEntries(headers: HeadersInit | undefined): [string, string][] {
  if (headers === undefined) return []
  if (headers instanceof Headers) {
    const out: [string, string][] = []
    headers.forEach((value, key) => out.push([key, value]))
    return out
  }
  if (Array.isArray(headers)) return headers.filter((pair) => pair.length === 2).map(([k, v]) => [String(k), String(v)])
  return Object.entries(headers as Record<string, string>).map(([k, v]) => [k, String(v)])
}

/** The credentials in an `Authorization` header: the token of any scheme, and Basic's decoded parts. */
function credentialsOf(value: string): string[] {
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(.+?)\s*$/.exec(value)
  if (!match) return [value]
  const [, scheme = '', credentials = ''] = match
  const out = [credentials]
  if (scheme.toLowerCase() === 'basic') {
    try {
      const decoded = atob(credentials)
      const colon = decoded.indexOf(':')
      if (colon >= 0) {
        out.push(decoded.slice(0, colon), decoded.slice(colon + 1))
        // RFC 6749 §2.3.1: client credentials are form-encoded before Basic.
        for (const part of [decoded.slice(0, colon), decoded.slice(colon + 1)]) {
          try {
            out.push(decodeURIComponent(part.replace(/\+/g, ' ')))
          } catch {
            // not form-encoded
          }
        }
      } else out.push(decoded)
    } catch {
      // not base64
    }
  }
  return out
}

/** Field names and secret values of a request body, without ever keeping the body. */
function readRequestBody(body: unknown): { fields?: string[]; secrets: string[] } {
  const secrets: string[] = []
  const fromPairs = (pairs: Iterable<[string, unknown]>): string[] => {
    const fields: string[] = []
    for (const [key, value] of pairs) {
      if (!fields.includes(key)) fields.push(key)
      if (isSecretKey(key) && typeof value === 'string') secrets.push(value)
    }
    return fields
  }
  const fromText = (text: string): string[] | undefined => {
    const trimmed = text.trim()
    if (trimmed.startsWith('{')) {
      try {
        const json = JSON.parse(trimmed) as unknown
        if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
          collectSecrets(json, secrets, 0)
          return Object.keys(json)
        }
      } catch {
        return undefined
      }
      return undefined
    }
    if (trimmed.startsWith('--')) return fromMultipart(trimmed)
    if (trimmed === '' || !/^[^\s&=]+=/.test(trimmed)) return undefined
    return fromPairs(new URLSearchParams(trimmed).entries())
  }
  /** multipart/form-data (RFC 7578), as `postFields` writes it for api-v1: the first line is the delimiter. */
  const fromMultipart = (text: string): string[] | undefined => {
    const first = /^(--[^\r\n]{1,200})\r?\n/.exec(text)
    if (!first) return undefined
    const pairs: [string, string][] = []
    for (const part of text.split(first[1] as string).slice(1)) {
      if (part.startsWith('--')) break // the closing delimiter
      const head = /^\r?\n([\s\S]*?)\r?\n\r?\n/.exec(part)
      const name = head && /(?:^|;)\s*name="([^"]*)"/im.exec(head[1] as string)?.[1]
      if (!head || name === undefined || name === null) continue
      // Names are quoted as browsers (and `multipart` in dialects/wire.ts) quote them: ", CR, LF and \ percent-encoded.
      const unquoted = name.replace(/%(?:22|0D|0A|5C)/gi, (escape) => decodeURIComponent(escape))
      pairs.push([unquoted, part.slice(head[0].length).replace(/\r?\n$/, '')])
    }
    return pairs.length === 0 ? undefined : fromPairs(pairs)
  }
  if (body === undefined || body === null) return { secrets }
  if (typeof body === 'string') {
    const fields = fromText(body)
    return fields === undefined ? { secrets } : { fields, secrets }
  }
  if (body instanceof URLSearchParams) return { fields: fromPairs(body.entries()), secrets }
  if (typeof FormData !== 'undefined' && body instanceof FormData) {
    const pairs: [string, unknown][] = []
    body.forEach((value, key) => pairs.push([key, value]))
    return { fields: fromPairs(pairs), secrets }
  }
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : body
    if (bytes.byteLength > DEFAULT_MAX_INSPECT_BYTES) return { secrets }
    const fields = fromText(new TextDecoder('utf-8', { fatal: false }).decode(bytes))
    return fields === undefined ? { secrets } : { fields, secrets }
  }
  return { secrets }
}

/**
 * In a response, `code` is far more often an error code (better-auth's `{message, code}`) than a
 * secret; learning `pending` as a secret would turn `authorization_pending` into nonsense.
 */
const NOT_SECRET_IN_RESPONSES = new Set(['code'])

/** The string values of secret-named members of a JSON value, a few levels deep. */
function collectSecrets(value: unknown, out: string[], depth: number, skip?: ReadonlySet<string>): void {
  if (depth > 4 || value === null || typeof value !== 'object') return
  const entries = Array.isArray(value) ? value.slice(0, 50).map((v) => ['', v] as const) : Object.entries(value).slice(0, 200)
  for (const [key, member] of entries) {
    if (typeof member === 'string') {
      if (key !== '' && isSecretKey(key) && !skip?.has(key.toLowerCase())) out.push(member)
    } else collectSecrets(member, out, depth + 1, skip)
  }
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
  /** Every form in which a secret could appear in recorded text, longest first. */
  let secretForms: string[] = []
  const secrets = new Set<string>()

  const addSecret = (value: string | undefined): void => {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return
    secrets.add(value)
    const forms = new Set(secretForms)
    forms.add(value)
    try {
      forms.add(encodeURIComponent(value))
      // As the URL parser writes it in a query (it also encodes ' there).
      forms.add(new URL(`https://x/?${encodeURIComponent(value)}`).search.slice(1))
    } catch {
      // a lone surrogate: the value cannot be percent-encoded, so it appears in no URL that way
    }
    forms.add(new URLSearchParams({ v: value }).toString().slice(2))
    secretForms = [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length)
  }
  for (const secret of options.secrets ?? []) addSecret(secret)

  /** In any case: a media type is recorded lower-cased. */
  const scrub = (text: string): string => {
    let out = text
    // Whole forms first, then cut-off heads (a head must not eat into another form's whole match).
    for (const form of secretForms) out = replaceAnyCase(out, form, REDACTED)
    for (const form of secretForms) out = redactHead(out, form)
    return out
  }

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
        for (const [name, value] of headerEntries(init.headers)) {
          if (name.toLowerCase() === 'authorization' || name.toLowerCase() === 'proxy-authorization') for (const credential of credentialsOf(value)) addSecret(credential)
          else if (isSecretKey(name)) addSecret(value)
        }
        const body = readRequestBody(init.body)
        for (const secret of body.secrets) addSecret(secret)
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
              const found: string[] = []
              collectSecrets(json, found, 0, NOT_SECRET_IN_RESPONSES)
              for (const secret of found) addSecret(secret)
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
