/**
 * `linkscreen check`: a bounded series of probes against one provider, each reported as pass,
 * warn, fail or skip with the RFC section (or the dialect's documentation) it rests on and the
 * redacted exchanges of the flow log as evidence.
 *
 * Everything goes through the provider's own dialect (`createDialect`) over the core's bounded
 * HTTP (`createHttp`), recorded by the flow log (`createFlowRecorder`). Between the dialect and
 * the recorder sits the checker's wire: it counts requests against the budget, backs off when
 * the provider rate-limits the checker, gives up on a provider that stops answering, keeps each
 * raw answer in memory (only derived facts leave it), and can bend one request on purpose (a
 * wrong `grant_type`, a malformed body) for the error probes.
 *
 * Nothing here prints: the result is a `CheckReport` (see check-report.ts for its renderings),
 * every string of which has been scrubbed of every secret seen during the run.
 */
import { createDialect } from '../core/dialects'
import type { DeviceMetadata } from '../core/dialects/api-v1'
import { DEVICE_CODE_GRANT } from '../core/dialects/better-auth'
import type { ProviderConfig } from '../core/config'
import { providerSecrets } from '../core/config'
import { ErrorCode, LinkscreenError, isLinkscreenError } from '../core/errors'
import { createFlowRecorder, type FlowLogEntry } from '../core/flow-log'
import { createHttp, retryAfterMs } from '../core/http'
import { checkTimes, type IdTokenClaims } from '../core/id-token'
import { cleanText, isSecretKey, redactText, redactUrl } from '../core/redact'
import type { Clock, DeviceAuthorization, Dialect, FetchLike, PollOutcome, TokenSet } from '../core/types'
import { isLoopbackHost } from '../core/urls'

export type Status = 'pass' | 'warn' | 'fail' | 'skip'
export type Group = 'code' | 'polling' | 'errors' | 'tokens' | 'run'

export const GROUP_TITLES: Readonly<Record<Group, string>> = {
  code: 'Device authorization response',
  polling: 'Polling',
  errors: 'Error answers',
  tokens: 'Discovery and tokens',
  run: 'This run',
}

export interface Ref {
  readonly label: string
  readonly url: string
}

export interface Finding {
  /** Stable id, e.g. `code.interval`. */
  readonly id: string
  readonly group: Group
  readonly title: string
  readonly status: Status
  /** What was seen, in one or two sentences (server text cleaned and scrubbed). */
  readonly detail: string
  /** What the verdict rests on. */
  readonly refs: readonly Ref[]
  /** The flow log's redacted exchanges behind the verdict. */
  readonly evidence: readonly FlowLogEntry[]
}

export interface CheckReport {
  readonly format: 'linkscreen-check'
  readonly version: 1
  readonly provider: { readonly id: string; readonly name?: string; readonly dialect: string }
  readonly startedAt: string
  readonly durationMs: number
  /** How approval and denial were done: `command` (--approve-with), `terminal` (a person), `none`. */
  readonly approval: 'command' | 'terminal' | 'none'
  readonly summary: Readonly<Record<Status, number>>
  readonly requests: { readonly used: number; readonly max: number }
  readonly rateLimited: { readonly times: number; readonly waitedMs: number }
  readonly findings: readonly Finding[]
}

/** What an approval attempt came to. */
export type ApprovalOutcome =
  | { readonly ok: true; readonly note?: string }
  | { readonly ok: false; readonly skipped: true; readonly reason: string }
  | { readonly ok: false; readonly skipped: false; readonly reason: string }

export interface CheckLimits {
  /** At most this many HTTP requests in the whole run. */
  readonly maxRequests: number
  /** The whole run ends (remaining probes skipped) after this long. */
  readonly timeLimitMs: number
  /** Each request's time limit. */
  readonly requestTimeoutMs: number
  /** The expiry probe waits for a code to expire only when it lives at most this long. */
  readonly maxWaitMs: number
}

export const DEFAULT_LIMITS: CheckLimits = { maxRequests: 60, timeLimitMs: 300_000, requestTimeoutMs: 10_000, maxWaitMs: 30_000 }

export interface CheckOptions {
  readonly provider: ProviderConfig
  readonly fetch: FetchLike
  readonly clock: Clock
  readonly device?: DeviceMetadata
  readonly limits?: Partial<CheckLimits>
  /** Approves or denies a user code; absent: those probes are skipped. */
  readonly approve?: (decision: 'approve' | 'deny', code: DeviceAuthorization, signal: AbortSignal) => Promise<ApprovalOutcome>
  readonly approval: CheckReport['approval']
  /** Extra values never to show (environment secrets). */
  readonly secrets?: readonly string[]
  readonly signal?: AbortSignal
  /** Progress lines for a person (stderr), never secrets. */
  readonly progress?: (line: string) => void
}

// ---------------------------------------------------------------------------------------------
// References

const rfc = (n: number, section: string, name = `RFC ${n} §${section}`): Ref => ({ label: name, url: `https://www.rfc-editor.org/rfc/rfc${n}#section-${section}` })
const RFC8628 = (s: string): Ref => rfc(8628, s)
const RFC6749 = (s: string): Ref => rfc(6749, s)
const OIDC_ID_TOKEN: Ref = { label: 'OpenID Connect Core §3.1.3.7', url: 'https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation' }

/** How a dialect's provider answers, where its documentation departs from the RFCs. */
interface Rules {
  /** The provider's documentation, cited next to (or instead of) the RFC. */
  readonly doc?: Ref
  /** `rfc`: RFC 6749 §5.2 errors; `github`: errors in a 200 body; `trakt`: the status is the answer. */
  readonly style: 'rfc' | 'github' | 'trakt'
  /** The documented name of `verification_uri`. */
  readonly verificationField: 'verification_uri' | 'verification_url'
  /** Statuses of an `authorization_pending` answer. */
  readonly pendingStatuses: readonly number[]
  /** The error the provider documents for a redeemed code. */
  readonly usedCode: readonly string[]
  /** The denial error. */
  readonly denied: readonly string[]
}

const RFC_RULES: Rules = { style: 'rfc', verificationField: 'verification_uri', pendingStatuses: [400], usedCode: ['invalid_grant'], denied: ['access_denied'] }

function rulesFor(provider: ProviderConfig): Rules {
  switch (provider.dialect) {
    case 'github':
      return {
        doc: { label: 'GitHub device flow docs', url: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow' },
        style: 'github',
        verificationField: 'verification_uri',
        pendingStatuses: [200],
        usedCode: ['incorrect_device_code', 'invalid_grant'],
        denied: ['access_denied'],
      }
    case 'trakt':
      return {
        doc: { label: 'Trakt device authentication docs', url: 'https://trakt.docs.apiary.io/#reference/authentication-devices' },
        style: 'trakt',
        verificationField: 'verification_url',
        pendingStatuses: [400],
        usedCode: ['409'],
        denied: ['418'],
      }
    case 'google':
      return {
        ...RFC_RULES,
        doc: { label: 'Google limited-input device docs', url: 'https://developers.google.com/identity/protocols/oauth2/limited-input-device' },
        verificationField: 'verification_url',
        pendingStatuses: [400, 428],
      }
    case 'microsoft':
      return {
        ...RFC_RULES,
        doc: { label: 'Microsoft identity platform device code docs', url: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code' },
        denied: ['access_denied', 'authorization_declined'],
      }
    case 'better-auth':
      return { ...RFC_RULES, doc: { label: 'better-auth device authorization plugin docs', url: 'https://www.better-auth.com/docs/plugins/device-authorization' } }
    default:
      return RFC_RULES
  }
}

// ---------------------------------------------------------------------------------------------
// User codes (RFC 8628 §6.1)

/** RFC 8628 §6.1's example alphabet: consonants only, no vowels, nothing confusable. */
export const BASE20 = 'BCDFGHJKLMNPQRSTVWXZ'
/** Characters people mistake for one another. */
export const CONFUSABLE = ['0', 'O', '1', 'I', 'l']

export interface UserCodeAnalysis {
  /** The codes' shapes, every character but separators as `X` (e.g. `XXXX-XXXX`); never a code. */
  readonly shapes: readonly string[]
  /** Significant characters (separators `-` and blanks left out), shortest and longest. */
  readonly minLength: number
  readonly maxLength: number
  readonly alphabet: { readonly name: string; readonly size: number }
  /** Letters of both cases seen: the code reads as case-sensitive. */
  readonly mixedCase: boolean
  /** Characters outside A-Z, a-z, 0-9 and separators. */
  readonly unusual: readonly string[]
  /** Estimated entropy of one code, bits: shortest length × log2(alphabet size). */
  readonly bits: number
  /** Confusable characters seen in the codes. */
  readonly confusables: readonly string[]
}

/** What the user codes seen tell about the provider's alphabet, length and entropy. */
export function analyseUserCodes(codes: readonly string[]): UserCodeAnalysis {
  const significant = codes.map((code) => code.replace(/[-\s]/g, ''))
  const chars = new Set(significant.join(''))
  const all = [...chars]
  const upper = all.some((c) => /[A-Z]/.test(c))
  const lower = all.some((c) => /[a-z]/.test(c))
  const unusual = all.filter((c) => !/[A-Za-z0-9]/.test(c))
  const folded = new Set(all.map((c) => c.toUpperCase()))
  const within = (alphabet: string): boolean => [...folded].every((c) => alphabet.includes(c))
  let alphabet: { name: string; size: number }
  if (unusual.length > 0) alphabet = { name: 'letters, digits and other characters', size: 62 + unusual.length }
  else if (upper && lower) alphabet = { name: within('ABCDEFGHIJKLMNOPQRSTUVWXYZ') ? 'letters of both cases' : 'letters of both cases and digits', size: within('ABCDEFGHIJKLMNOPQRSTUVWXYZ') ? 52 : 62 }
  else if (within(BASE20)) alphabet = { name: 'base-20 consonants (RFC 8628 §6.1)', size: 20 }
  else if (within('0123456789')) alphabet = { name: 'digits', size: 10 }
  else if (within('0123456789ABCDEF')) alphabet = { name: 'hexadecimal', size: 16 }
  else if (within('ABCDEFGHIJKLMNOPQRSTUVWXYZ')) alphabet = { name: 'letters', size: 26 }
  else alphabet = { name: 'letters and digits', size: 36 }
  const lengths = significant.map((s) => [...s].length)
  const minLength = lengths.length === 0 ? 0 : Math.min(...lengths)
  const maxLength = lengths.length === 0 ? 0 : Math.max(...lengths)
  const shapes = [...new Set(codes.map((code) => code.replace(/[^-\s]/g, 'X')))]
  return {
    shapes,
    minLength,
    maxLength,
    alphabet,
    mixedCase: upper && lower,
    unusual,
    bits: Math.round(minLength * Math.log2(alphabet.size) * 10) / 10,
    confusables: CONFUSABLE.filter((c) => chars.has(c)),
  }
}

// ---------------------------------------------------------------------------------------------
// The wire

/** One answer as received, kept in memory only. */
interface Raw {
  readonly seq: number
  readonly method: string
  /** Without query and credentials. */
  readonly endpoint: string
  readonly status: number
  readonly headers: Headers
  readonly contentType: string
  readonly json: Record<string, unknown> | undefined
  readonly isJson: boolean
}

/** Why the checker stopped sending requests (a core error, so that dialects pass it through untouched). */
class CheckStop extends LinkscreenError {
  constructor(message: string | undefined) {
    super(ErrorCode.Aborted, message ?? 'cancelled')
  }
}

const seqOf = (entries: readonly FlowLogEntry[]): number => entries.at(-1)?.seq ?? 0

function contentTypeOf(headers: HeadersInit | undefined): string {
  if (headers === undefined) return ''
  const h = new Headers(headers as HeadersInit)
  return h.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? ''
}

/** `init` with the value of body field `name` replaced (JSON, form or multipart bodies). */
function withField(init: RequestInit, name: string, value: string): RequestInit {
  const body = init.body
  const type = contentTypeOf(init.headers)
  if (body instanceof URLSearchParams) {
    const copy = new URLSearchParams(body)
    copy.set(name, value)
    return { ...init, body: copy }
  }
  if (typeof body !== 'string') return init
  if (type === 'application/json' || body.trim().startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>
      return { ...init, body: JSON.stringify({ ...parsed, [name]: value }) }
    } catch {
      return init
    }
  }
  if (type === 'multipart/form-data') {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    return { ...init, body: body.replace(new RegExp(`(name="${escaped}"\\r\\n\\r\\n)[^\\r]*`), `$1${value}`) }
  }
  const copy = new URLSearchParams(body)
  copy.set(name, value)
  return { ...init, body: copy.toString() }
}

/** `init` with a body that cannot be parsed in its own content type. */
function malformed(init: RequestInit): RequestInit {
  const type = contentTypeOf(init.headers)
  const body = type === 'application/json' ? '{"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": ' : type === 'multipart/form-data' ? '--not-the-boundary\r\ncontent-disposition: form-data; name=\r\n' : '%%%&&==&%zz'
  return { ...init, body }
}

// ---------------------------------------------------------------------------------------------

/** A device code the checker holds. */
interface Held {
  readonly auth: DeviceAuthorization
  readonly raw: Raw
  readonly receivedMono: number
  readonly expiresMono: number
  /** Seconds between polls now in force. */
  interval: number
  lastPollMono: number
}

interface PollResult {
  readonly outcome?: PollOutcome
  readonly error?: unknown
  readonly raw?: Raw
  readonly seqs: readonly number[]
}

const FAKE_DEVICE_CODE = 'linkscreen-check-no-such-device-code'
const UNKNOWN_CLIENT_ID = 'linkscreen-check-unknown-client'
const WRONG_GRANT = 'urn:linkscreen:check:no-such-grant'
/** Poll a little after the interval, never at its edge. */
const POLL_MARGIN_MS = 150
/** Polls after an approval before giving up on tokens. */
const MAX_POLLS_AFTER_DECISION = 8

/** RFC 6749 §5.2's error codes. */
const RFC6749_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'])

/** Runs every probe against `options.provider`; never throws for the provider's behaviour. */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const { provider, clock } = options
  const limits: CheckLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const rules = rulesFor(provider)
  const progress = options.progress ?? (() => undefined)
  const startedWall = clock.now()
  const startedMono = clock.monotonic()
  const deadlineMono = startedMono + limits.timeLimitMs

  const secrets = new Set<string>([...providerSecrets(provider), ...(options.secrets ?? [])].filter((s) => s.length >= 4))
  const addSecret = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= 4) {
      secrets.add(value)
      recorder.addSecret(value)
    }
  }
  const recorder = createFlowRecorder({ clock, provider: provider.id, secrets })

  // One signal for the run: the caller's (Ctrl-C) or the time limit.
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, limits.timeLimitMs)
  const onOuter = (): void => controller.abort()
  if (options.signal?.aborted) controller.abort()
  options.signal?.addEventListener('abort', onOuter, { once: true })
  const signal = controller.signal

  // --- the wire ---
  let used = 0
  let timeoutsInARow = 0
  let hung = false
  let budgetOut = false
  let rateLimits = 0
  let waitedMs = 0
  let backoffUntil = 0
  let deliberate = false
  let bend: ((init: RequestInit) => RequestInit) | undefined
  const raws: Raw[] = []
  const inner = recorder.wrap(createHttp({ fetch: options.fetch, clock, timeoutMs: limits.requestTimeoutMs }))

  const stopReason = (): string | undefined =>
    timedOut
      ? `the run's time limit (${Math.round(limits.timeLimitMs / 1000)} s) was reached`
      : options.signal?.aborted
        ? 'cancelled'
        : hung
          ? 'the provider stopped answering'
          : budgetOut
            ? `the request budget (${limits.maxRequests}) was used up`
            : undefined

  const sleepUntil = async (mono: number): Promise<void> => {
    const ms = mono - clock.monotonic()
    if (ms <= 0) return
    if (mono > deadlineMono) {
      timedOut = true
      throw new CheckStop(stopReason())
    }
    try {
      await clock.sleep(ms, signal)
    } catch {
      throw new CheckStop(stopReason() ?? 'cancelled')
    }
  }

  const wire: FetchLike = async (input, init) => {
    const stopped = stopReason()
    if (stopped) throw new CheckStop(stopped)
    if (used >= limits.maxRequests) {
      budgetOut = true
      throw new CheckStop(stopReason())
    }
    const wait = backoffUntil - clock.monotonic()
    if (wait > 0) {
      waitedMs += wait
      await sleepUntil(backoffUntil)
    }
    const bent = bend
    bend = undefined
    const request = bent ? bent(init) : init
    used++
    const method = (request.method ?? 'GET').toUpperCase()
    let response: Response
    try {
      response = await inner(input, { ...request, signal })
    } catch (error) {
      if (isLinkscreenError(error) && error.code === ErrorCode.Timeout) {
        timeoutsInARow++
        if (timeoutsInARow >= 2) hung = true
      } else if (signal.aborted) throw new CheckStop(stopReason() ?? 'cancelled')
      throw error
    }
    timeoutsInARow = 0
    const text = await response.clone().text()
    let json: Record<string, unknown> | undefined
    let isJson = false
    try {
      const parsed = JSON.parse(text) as unknown
      isJson = true
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>
    } catch {
      if (/application\/x-www-form-urlencoded/i.test(response.headers.get('content-type') ?? '')) json = Object.fromEntries(new URLSearchParams(text))
    }
    for (const [key, value] of Object.entries(json ?? {})) if (isSecretKey(key) && key !== 'code') addSecret(value)
    let endpoint = redactUrl(input)
    try {
      const url = new URL(input)
      endpoint = `${url.origin}${url.pathname}`
    } catch {
      // redacted form kept
    }
    const raw: Raw = {
      seq: seqOf(recorder.toJSON().entries),
      method,
      endpoint,
      status: response.status,
      headers: response.headers,
      contentType: response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '',
      json,
      isJson,
    }
    raws.push(raw)
    const rateLimited = response.status === 429 || json?.['error'] === 'slow_down'
    if (rateLimited && !deliberate) rateLimits++
    if (response.status === 429) {
      const ms = Math.min(retryAfterMs(response.headers, clock.now()) ?? 5_000, 30_000)
      backoffUntil = Math.max(backoffUntil, clock.monotonic() + ms)
    }
    return response
  }
  const deps = { http: wire, clock }
  const dialect: Dialect = createDialect(provider, deps, options.device ?? {})

  // --- findings ---
  const findings: { id: string; group: Group; title: string; status: Status; detail: string; refs: Ref[]; seqs: readonly number[] }[] = []
  const add = (group: Group, id: string, title: string, status: Status, detail: string, refs: Ref[], seqs: readonly number[] = []): void => {
    findings.push({ id, group, title, status, detail, refs, seqs })
  }
  const lastSeq = (): number => seqOf(recorder.toJSON().entries)
  const seqsSince = (mark: number): number[] => {
    const now = lastSeq()
    return Array.from({ length: Math.max(0, now - mark) }, (_, i) => mark + i + 1)
  }
  const docOr = (...refs: Ref[]): Ref[] => (rules.doc ? [...refs, rules.doc] : refs)

  /** A short, scrubbed description of a thrown error. */
  const describe = (error: unknown): string => {
    if (error instanceof CheckStop) return error.message
    if (isLinkscreenError(error)) return cleanText(error.message.replace(new RegExp(`^${provider.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), ''), 300)
    return cleanText(error instanceof Error ? error.message : String(error), 300)
  }
  /** A request the checker did not send (budget, time limit, a provider that stopped answering, Ctrl-C): dialects keep the code `aborted`. */
  const stopped = (error: unknown): boolean => error instanceof CheckStop || (isLinkscreenError(error) && error.code === ErrorCode.Aborted)
  const stopMessage = (error: unknown): string => stopReason() ?? describe(error)

  /** What an answer was, in a few words: `HTTP 400 application/json error=invalid_grant`. */
  const answerText = (raw: Raw | undefined): string => {
    if (!raw) return 'no answer'
    const error = typeof raw.json?.['error'] === 'string' ? ` "${cleanText(raw.json['error'] as string, 64)}"` : ''
    return `HTTP ${raw.status} (${cleanText(raw.contentType || 'no content type', 60)})${error}`
  }

  // --- requests ---
  const userCodes: string[] = []
  const requestCode = async (which: Dialect = dialect): Promise<{ held?: Held; error?: unknown; raw?: Raw; seqs: number[] }> => {
    const mark = lastSeq()
    let error: unknown
    for (let attempt = 0; attempt < 2; attempt++) {
      const before = raws.length
      try {
        const auth = await which.requestCode(signal)
        const raw = raws.at(-1) as Raw
        addSecret(auth.device_code)
        addSecret(auth.user_code)
        userCodes.push(auth.user_code)
        const receivedMono = clock.monotonic()
        const interval = typeof raw.json?.['interval'] === 'number' ? auth.interval : 5
        return {
          held: { auth, raw, receivedMono, expiresMono: receivedMono + auth.expires_in * 1000, interval, lastPollMono: receivedMono },
          raw,
          seqs: seqsSince(mark),
        }
      } catch (e) {
        error = e
        const raw = raws.length > before ? raws.at(-1) : undefined
        // Rate-limited: the wire has set the back-off; one more try after it.
        if (raw?.status === 429 && attempt === 0 && !stopped(e)) continue
        return { error, ...(raw ? { raw } : {}), seqs: seqsSince(mark) }
      }
    }
    return { error, seqs: seqsSince(mark) }
  }

  /** The token endpoint's answer among those since `before` (an ID token check may fetch keys after it). */
  const answerOf = (before: number): Raw | undefined => {
    const mine = raws.slice(before)
    return [...mine].reverse().find((r) => r.method === 'POST') ?? mine.at(-1)
  }

  const poll = async (held: Held | undefined, how: { deliberate?: boolean; bend?: (init: RequestInit) => RequestInit } = {}): Promise<PollResult> => {
    const mark = lastSeq()
    const before = raws.length
    const auth: DeviceAuthorization = held?.auth ?? { device_code: FAKE_DEVICE_CODE, user_code: 'NONE', verification_uri: 'https://invalid.example/', expires_in: 60, interval: 5, expires_at: clock.now() + 60_000 }
    deliberate = how.deliberate ?? false
    bend = how.bend
    try {
      const outcome = await dialect.poll(auth, signal)
      if (outcome.kind === 'authorized') {
        for (const token of [outcome.tokens.access_token, outcome.tokens.refresh_token, outcome.tokens.id_token]) addSecret(token)
      }
      const raw = answerOf(before)
      return { outcome, ...(raw ? { raw } : {}), seqs: seqsSince(mark) }
    } catch (error) {
      if (stopped(error)) throw new CheckStop(stopReason() ?? describe(error))
      const raw = answerOf(before)
      return { error, ...(raw ? { raw } : {}), seqs: seqsSince(mark) }
    } finally {
      if (held) held.lastPollMono = clock.monotonic()
      deliberate = false
      bend = undefined
    }
  }

  /** Waits until `held` may be polled again (its interval plus a margin). */
  const waitInterval = async (held: Held, seconds = held.interval): Promise<void> => {
    await sleepUntil(held.lastPollMono + seconds * 1000 + POLL_MARGIN_MS)
  }
  const lifeLeft = (held: Held): number => held.expiresMono - clock.monotonic()

  /** Polls `held` at the interval in force until the answer is not pending; bounded. */
  const pollUntilDecided = async (held: Held): Promise<{ result?: PollResult; reason?: string; seqs: number[] }> => {
    const seqs: number[] = []
    for (let i = 0; i < MAX_POLLS_AFTER_DECISION; i++) {
      if (lifeLeft(held) < held.interval * 1000 + POLL_MARGIN_MS) return { reason: 'the code expired before the provider answered with a decision', seqs }
      await waitInterval(held)
      const result = await poll(held)
      seqs.push(...result.seqs)
      const kind = result.outcome?.kind
      if (kind === 'pending' || kind === 'transient') continue
      if (kind === 'slow_down') {
        held.interval = result.outcome?.kind === 'slow_down' && result.outcome.interval !== undefined ? Math.max(result.outcome.interval, held.interval) : held.interval + 5
        continue
      }
      if (kind === 'rate_limited') continue
      return { result, seqs }
    }
    return { reason: `still pending after ${MAX_POLLS_AFTER_DECISION} polls`, seqs }
  }

  /** The error (or, for Trakt, the status) an answer carries. */
  const answerCode = (raw: Raw | undefined): string | undefined => {
    if (!raw) return undefined
    if (rules.style === 'trakt') return String(raw.status)
    return typeof raw.json?.['error'] === 'string' ? (raw.json['error'] as string) : undefined
  }

  /**
   * Judges an answer that must be an error: RFC 6749 §5.2 (400, or 401 for a client, JSON with
   * `error`), GitHub's (an `error` member, any status) or Trakt's (the status).
   */
  const judgeError = (
    result: { raw?: Raw | undefined; error?: unknown },
    expected: { codes: readonly string[]; statuses?: readonly number[] },
  ): { status: Status; detail: string } => {
    const raw = result.raw
    if (!raw) return { status: 'fail', detail: `no answer: ${describe(result.error)}` }
    const code = answerCode(raw)
    if (rules.style === 'trakt') {
      if (expected.codes.includes(String(raw.status))) return { status: 'pass', detail: `HTTP ${raw.status}, as Trakt documents` }
      return { status: raw.status < 300 || raw.status >= 500 ? 'fail' : 'warn', detail: `HTTP ${raw.status} where Trakt documents ${expected.codes.join(' or ')}` }
    }
    if (raw.status >= 500) return { status: 'fail', detail: `${answerText(raw)}: a server error, not an OAuth error` }
    if (!raw.isJson && rules.style === 'rfc') return { status: 'fail', detail: `${answerText(raw)}: not a JSON error object (RFC 6749 §5.2)` }
    if (code === undefined) {
      if (raw.status < 300) return { status: 'fail', detail: `${answerText(raw)} without an "error": the request was accepted` }
      const keys = Object.keys(raw.json ?? {}).slice(0, 6).map((k) => cleanText(k, 30))
      return { status: 'fail', detail: `${answerText(raw)} without an "error" member${keys.length > 0 ? ` (members: ${keys.join(', ')})` : ''} (RFC 6749 §5.2)` }
    }
    const shown = cleanText(code, 64)
    if (rules.style === 'github') {
      return expected.codes.includes(code) || expected.codes.length === 0
        ? { status: 'pass', detail: `"${shown}" with HTTP ${raw.status}, as GitHub documents (errors in the body)` }
        : { status: 'warn', detail: `"${shown}" with HTTP ${raw.status} where ${expected.codes.map((c) => `"${c}"`).join(' or ')} was expected` }
    }
    const statuses = expected.statuses ?? [400]
    const jsonType = raw.contentType === 'application/json' || raw.contentType.endsWith('+json')
    if (raw.status < 300) return { status: 'fail', detail: `"${shown}" with HTTP ${raw.status}: RFC 6749 §5.2 errors use 400 (401 for client authentication)` }
    if (expected.codes.includes(code)) {
      if (!statuses.includes(raw.status)) return { status: 'warn', detail: `"${shown}" with HTTP ${raw.status}, where ${statuses.join(' or ')} was expected` }
      if (!jsonType) return { status: 'warn', detail: `"${shown}" with HTTP ${raw.status}, labelled ${cleanText(raw.contentType || 'with no content type', 60)} instead of application/json` }
      return { status: 'pass', detail: `"${shown}" with HTTP ${raw.status}, JSON` }
    }
    return {
      status: RFC6749_ERRORS.has(code) ? 'warn' : 'fail',
      detail: `"${shown}" with HTTP ${raw.status} where ${expected.codes.map((c) => `"${c}"`).join(' or ')} was expected${RFC6749_ERRORS.has(code) ? '' : ' (not an RFC 6749 §5.2 error code)'}`,
    }
  }

  const noCode = (why: string) => `skipped: no device code (${why})`

  // ===========================================================================================
  // 1. The device authorization response
  progress('requesting a device code')
  const first = await requestCode()
  const a = first.held
  const codeRefs = docOr(RFC8628('3.2'))
  if (!a) {
    const raw = first.raw
    const detail = stopped(first.error) ? stopReason() ?? describe(first.error) : `${describe(first.error)}${raw ? ` (${answerText(raw)})` : ''}`
    add('code', 'code.response', 'The device authorization request succeeds', stopped(first.error) ? 'skip' : 'fail', detail, codeRefs, first.seqs)
  }
  // The answer's members are judged as sent, also when the core refused the answer.
  const codeRaw = a?.raw ?? (first.raw?.status === 200 && first.raw.json !== undefined ? first.raw : undefined)
  if (codeRaw) {
    const body = codeRaw.json ?? {}
    const sentDeviceCode = typeof body['device_code'] === 'string' ? body['device_code'] : ''
    const sentUserCode = typeof body['user_code'] === 'string' ? body['user_code'] : ''
    addSecret(sentDeviceCode)
    addSecret(sentUserCode)
    if (!a && sentUserCode !== '') userCodes.push(sentUserCode)
    // Members and their types.
    const problems: string[] = []
    const notes: string[] = []
    const expectType = (name: string, type: 'string' | 'number', required: boolean): void => {
      const value = body[name]
      if (value === undefined) {
        if (required) problems.push(`"${name}" is missing`)
      } else if (typeof value !== type || (type === 'number' && !Number.isFinite(value as number))) problems.push(`"${name}" is a ${value === null ? 'null' : typeof value}, not a ${type}`)
      else if (type === 'string' && value === '') problems.push(`"${name}" is empty`)
    }
    expectType('device_code', 'string', true)
    expectType('user_code', 'string', true)
    if (body['verification_uri'] === undefined && body['verification_url'] !== undefined) {
      expectType('verification_url', 'string', true)
      if (rules.verificationField === 'verification_url') notes.push('"verification_url" instead of "verification_uri", as its documentation says')
      else problems.push('"verification_url" instead of RFC 8628\'s "verification_uri"')
    } else expectType('verification_uri', 'string', true)
    expectType('verification_uri_complete', 'string', false)
    expectType('expires_in', 'number', true)
    expectType('interval', 'number', false)
    add(
      'code',
      'code.members',
      'Required members, with the right types',
      problems.length > 0 ? (problems.some((p) => p.includes('missing') || p.includes('not a')) ? 'fail' : 'warn') : 'pass',
      problems.length > 0 ? problems.join('; ') : `device_code, user_code, ${body['verification_uri'] === undefined ? 'verification_url' : 'verification_uri'} and expires_in present and typed${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
      codeRefs,
      first.seqs,
    )

    // verification_uri: https, or http on a loopback host.
    const uriText = typeof body['verification_uri'] === 'string' ? body['verification_uri'] : typeof body['verification_url'] === 'string' ? body['verification_url'] : ''
    let uri: URL | undefined
    try {
      uri = new URL(uriText)
    } catch {
      uri = undefined
    }
    const uriRefs = [RFC8628('3.2'), RFC6749('1.6')]
    if (!uri) add('code', 'code.verification_uri', 'verification_uri uses https', 'fail', 'not an absolute URL', uriRefs, first.seqs)
    else if (uri.protocol === 'https:') add('code', 'code.verification_uri', 'verification_uri uses https', 'pass', `https: on ${cleanText(uri.host, 100)}`, uriRefs, first.seqs)
    else if (uri.protocol === 'http:' && isLoopbackHost(uri.hostname)) add('code', 'code.verification_uri', 'verification_uri uses https', 'pass', `http: on the loopback host ${cleanText(uri.host, 100)} (accepted for local servers only)`, uriRefs, first.seqs)
    else add('code', 'code.verification_uri', 'verification_uri uses https', 'fail', `${cleanText(uri.protocol, 20)} on ${cleanText(uri.host, 100)}: a person would type the code into an unprotected page`, uriRefs, first.seqs)

    // verification_uri_complete.
    const completeRefs = [RFC8628('3.3.1'), RFC8628('5.4')]
    const complete = body['verification_uri_complete']
    if (complete === undefined) add('code', 'code.verification_uri_complete', 'verification_uri_complete carries the user code, never the device code', 'skip', 'not offered (it is optional); a QR code then leads to the page without the code', completeRefs, first.seqs)
    else if (typeof complete !== 'string' || !URL.canParse(complete)) add('code', 'code.verification_uri_complete', 'verification_uri_complete carries the user code, never the device code', 'fail', 'not an absolute URL', completeRefs, first.seqs)
    else {
      let decoded = complete
      try {
        decoded = decodeURIComponent(complete)
      } catch {
        // keep it encoded
      }
      const norm = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '')
      const hasUser = sentUserCode !== '' && norm(decoded).includes(norm(sentUserCode))
      const hasDevice = sentDeviceCode !== '' && (decoded.includes(sentDeviceCode) || complete.includes(encodeURIComponent(sentDeviceCode)))
      const sameOrigin = uri !== undefined && new URL(complete).origin === uri.origin
      const problems2 = [
        ...(hasDevice ? ['it carries the device code: whoever sees the QR code can take the tokens'] : []),
        ...(!hasUser ? ['it does not carry the user code'] : []),
        ...(!sameOrigin ? ['it leads to another origin than verification_uri (clients drop it)'] : []),
      ]
      add(
        'code',
        'code.verification_uri_complete',
        'verification_uri_complete carries the user code, never the device code',
        hasDevice ? 'fail' : problems2.length > 0 ? 'warn' : 'pass',
        problems2.length > 0 ? problems2.join('; ') : 'carries the user code, not the device code, on the same origin as verification_uri',
        completeRefs,
        first.seqs,
      )
    }

    // interval.
    const interval = body['interval']
    if (interval === undefined) add('code', 'code.interval', 'interval is present', 'warn', 'absent: clients fall back to 5 s between polls', [RFC8628('3.2')], first.seqs)
    else if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) add('code', 'code.interval', 'interval is present', 'fail', `not a non-negative number (${typeof interval})`, [RFC8628('3.2')], first.seqs)
    else if (interval === 0) add('code', 'code.interval', 'interval is present', 'warn', '0 s: clients may poll without pause', [RFC8628('3.2')], first.seqs)
    else add('code', 'code.interval', 'interval is present', 'pass', `${interval} s`, [RFC8628('3.2')], first.seqs)

    // expires_in.
    const expiresIn = body['expires_in']
    const expRefs = [RFC8628('3.2'), RFC8628('5.1')]
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) add('code', 'code.expires_in', 'expires_in is sane', 'fail', `not a positive number of seconds (${typeof expiresIn})`, expRefs, first.seqs)
    else if (expiresIn < 120) add('code', 'code.expires_in', 'expires_in is sane', 'warn', `${expiresIn} s: too short for a person to reach a browser and type the code`, expRefs, first.seqs)
    else if (expiresIn > 86_400) add('code', 'code.expires_in', 'expires_in is sane', 'warn', `${expiresIn} s: more than a day gives brute force a long window`, expRefs, first.seqs)
    else add('code', 'code.expires_in', 'expires_in is sane', 'pass', `${expiresIn} s${Number.isInteger(expiresIn) ? '' : ' (not a whole number)'}`, expRefs, first.seqs)
  }

  // 2. A code to watch expire, when it lives short enough.
  let b: Held | undefined
  let expirySkip: string | undefined
  if (a && a.auth.expires_in * 1000 <= limits.maxWaitMs) {
    const second = await requestCode()
    b = second.held
    if (!b) expirySkip = stopped(second.error) ? stopMessage(second.error) : `a second code could not be had: ${describe(second.error)}`
  } else if (a) {
    expirySkip = `codes live ${a.auth.expires_in} s, longer than this run waits for one to expire (${Math.round(limits.maxWaitMs / 1000)} s, --max-wait)`
  }

  // 3. Polling with the first code: pending, an early poll, and what slow_down does.
  const pollRefs = docOr(RFC8628('3.5'))
  if (!a) {
    for (const [id, title] of [
      ['poll.pending', 'authorization_pending while waiting'],
      ['poll.early', 'An early poll is answered with slow_down or tolerated'],
      ['poll.slow_down', 'slow_down raises the interval'],
    ] as const) add('polling', id, title, 'skip', noCode('the code request failed'), pollRefs)
  } else {
    try {
      progress('polling')
      await waitInterval(a)
      const p1 = await poll(a)
      if (p1.outcome?.kind === 'pending') {
        const status = p1.raw?.status
        const ok = status !== undefined && rules.pendingStatuses.includes(status)
        add('polling', 'poll.pending', 'authorization_pending while waiting', ok ? 'pass' : 'warn', ok ? `${answerText(p1.raw)}` : `${answerText(p1.raw)}, where HTTP ${rules.pendingStatuses.join(' or ')} was expected`, pollRefs, p1.seqs)
      } else {
        add('polling', 'poll.pending', 'authorization_pending while waiting', 'fail', p1.outcome ? `answered ${p1.outcome.kind}: ${answerText(p1.raw)}` : `${describe(p1.error)}${p1.raw ? ` (${answerText(p1.raw)})` : ''}`, pollRefs, p1.seqs)
      }

      // An early poll: straight after the previous answer.
      const p2 = await poll(a, { deliberate: true })
      const kind2 = p2.outcome?.kind
      let slowed = false
      let advertised: number | undefined
      if (kind2 === 'slow_down' || kind2 === 'rate_limited') {
        slowed = true
        advertised = p2.outcome?.kind === 'slow_down' ? p2.outcome.interval : undefined
        add('polling', 'poll.early', 'An early poll is answered with slow_down or tolerated', 'pass', `answered slow_down: ${answerText(p2.raw)}${advertised !== undefined ? `, with a new interval of ${advertised} s` : ''}`, pollRefs, p2.seqs)
      } else if (kind2 === 'pending') {
        add('polling', 'poll.early', 'An early poll is answered with slow_down or tolerated', 'pass', `tolerated: answered authorization_pending to a poll sent at once after the previous answer (${answerText(p2.raw)})`, pollRefs, p2.seqs)
      } else {
        add('polling', 'poll.early', 'An early poll is answered with slow_down or tolerated', 'fail', p2.outcome ? `answered ${p2.outcome.kind}: ${answerText(p2.raw)}` : `${describe(p2.error)}${p2.raw ? ` (${answerText(p2.raw)})` : ''}`, pollRefs, p2.seqs)
      }

      // What slow_down does to the interval the provider enforces.
      const title = 'slow_down raises the interval'
      if (!slowed) add('polling', 'poll.slow_down', title, 'skip', 'the provider never answered slow_down, so how it raises the interval could not be seen', pollRefs)
      else {
        const old = a.interval
        const next = advertised !== undefined && advertised > old ? advertised : old
        const needed = advertised !== undefined && advertised > old ? next * 1000 : (2 * old + 5) * 1000
        if (lifeLeft(a) < needed + 2 * POLL_MARGIN_MS + 1000) add('polling', 'poll.slow_down', title, 'skip', 'the code expires before a raised interval could be measured', pollRefs)
        else if (advertised !== undefined && advertised > old) {
          // The answer named the new interval: a poll after it must be pending.
          await waitInterval(a, advertised)
          const p3 = await poll(a, { deliberate: true })
          const ok = p3.outcome?.kind === 'pending'
          add('polling', 'poll.slow_down', title, ok ? 'pass' : 'warn', ok ? `raised by ${advertised - old} s (to ${advertised} s, named in the answer); a poll after it is pending` : `the answer named ${advertised} s, but a poll after ${advertised} s got ${answerText(p3.raw)}`, pollRefs, [...p2.seqs, ...p3.seqs])
          a.interval = advertised
        } else {
          // Poll at the old interval: slow_down again means the provider raised it.
          await waitInterval(a, old)
          const p3 = await poll(a, { deliberate: true })
          const k3 = p3.outcome?.kind
          if (k3 === 'pending') {
            add('polling', 'poll.slow_down', title, 'warn', `not raised: a poll ${old} s after slow_down is answered authorization_pending, so clients that ignore slow_down are never held to the extra 5 s`, pollRefs, [...p2.seqs, ...p3.seqs])
          } else if (k3 === 'slow_down' || k3 === 'rate_limited') {
            await waitInterval(a, old + 5)
            const p4 = await poll(a, { deliberate: true })
            const ok = p4.outcome?.kind === 'pending'
            add('polling', 'poll.slow_down', title, 'pass', ok ? `raised by 5 s: slow_down again at ${old} s, pending at ${old + 5} s` : `raised by more than 5 s: slow_down again at ${old} s and at ${old + 5} s`, pollRefs, [...p2.seqs, ...p3.seqs, ...p4.seqs])
          } else {
            add('polling', 'poll.slow_down', title, 'fail', `after slow_down a poll got ${p3.outcome ? p3.outcome.kind : describe(p3.error)} (${answerText(p3.raw)})`, pollRefs, [...p2.seqs, ...p3.seqs])
          }
          a.interval = old + 5
        }
      }
    } catch (error) {
      if (!stopped(error)) throw error
      for (const id of ['poll.pending', 'poll.early', 'poll.slow_down']) {
        if (!findings.some((f) => f.id === id)) add('polling', id, id === 'poll.pending' ? 'authorization_pending while waiting' : id === 'poll.early' ? 'An early poll is answered with slow_down or tolerated' : 'slow_down raises the interval', 'skip', stopMessage(error), pollRefs)
      }
    }
  }

  // 4. Error answers (RFC 6749 §5.2).
  const errorRefs = docOr(RFC6749('5.2'))
  progress('sending wrong requests on purpose')
  try {
    const stranger = createDialect({ ...provider, clientId: UNKNOWN_CLIENT_ID } as ProviderConfig, deps, options.device ?? {})
    const mark = lastSeq()
    const before = raws.length
    let accepted = false
    let thrown: unknown
    try {
      const auth = await stranger.requestCode(signal)
      addSecret(auth.device_code)
      accepted = true
    } catch (error) {
      if (stopped(error)) throw error
      thrown = error
    }
    const raw = raws.length > before ? raws.at(-1) : undefined
    const verdict = accepted
      ? { status: 'fail' as const, detail: `a device code was issued to the unknown client "${UNKNOWN_CLIENT_ID}"` }
      : judgeError({ raw, error: thrown }, rules.style === 'trakt' ? { codes: ['401', '403'] } : rules.style === 'github' ? { codes: ['incorrect_client_credentials', 'invalid_client'] } : { codes: ['invalid_client'], statuses: [400, 401] })
    add('errors', 'errors.unknown_client', 'An unknown client is refused with invalid_client', verdict.status, verdict.detail, errorRefs, seqsSince(mark))
  } catch (error) {
    if (!stopped(error)) throw error
    add('errors', 'errors.unknown_client', 'An unknown client is refused with invalid_client', 'skip', stopMessage(error), errorRefs)
  }

  if (rules.style === 'trakt') add('errors', 'errors.wrong_grant_type', 'A wrong grant_type is refused with unsupported_grant_type', 'skip', "Trakt's token poll sends no grant_type (its documentation)", errorRefs)
  else {
    try {
      const result = await poll(a, { deliberate: true, bend: (init) => withField(init, 'grant_type', WRONG_GRANT) })
      const verdict = result.outcome?.kind === 'authorized'
        ? { status: 'fail' as const, detail: 'tokens were issued for an unknown grant_type' }
        : judgeError(result, { codes: ['unsupported_grant_type'] })
      add('errors', 'errors.wrong_grant_type', 'A wrong grant_type is refused with unsupported_grant_type', verdict.status, verdict.detail, errorRefs, result.seqs)
    } catch (error) {
      if (!stopped(error)) throw error
      add('errors', 'errors.wrong_grant_type', 'A wrong grant_type is refused with unsupported_grant_type', 'skip', stopMessage(error), errorRefs)
    }
  }

  try {
    const result = await poll(a, { deliberate: true, bend: malformed })
    const verdict = result.outcome?.kind === 'authorized'
      ? { status: 'fail' as const, detail: 'tokens were issued for a malformed request' }
      : judgeError(result, rules.style === 'trakt' ? { codes: ['400'] } : rules.style === 'github' ? { codes: [] } : { codes: ['invalid_request'] })
    add('errors', 'errors.malformed_body', 'A malformed body is refused with invalid_request', verdict.status, verdict.detail, errorRefs, result.seqs)
  } catch (error) {
    if (!stopped(error)) throw error
    add('errors', 'errors.malformed_body', 'A malformed body is refused with invalid_request', 'skip', stopMessage(error), errorRefs)
  }

  // 5. Approval and denial (need a person, or --approve-with).
  const tokenRefs = docOr(RFC8628('3.5'), RFC6749('5.1'))
  let tokens: TokenSet | undefined
  let tokenRaw: Raw | undefined
  let tokenSeqs: number[] = []
  const needPerson = 'needs a person: pass --approve-with CMD, or run on a terminal to approve by hand'
  /** ID token, refresh and revocation: run as soon as tokens are issued (before the used code is tried again: some servers revoke a grant whose code is replayed), or at the end to report why not. */
  let tokenProbesDone = false
  const tokenProbes = async (): Promise<void> => {
    tokenProbesDone = true
    const tokenSkip = tokens === undefined ? (findings.find((f) => f.id === 'poll.authorized')?.status === 'skip' ? findings.find((f) => f.id === 'poll.authorized')?.detail ?? needPerson : 'no tokens were issued') : undefined
    // ID token.
    const idToken = tokenRaw?.json?.['id_token']
    if (tokenSkip !== undefined) add('tokens', 'tokens.id_token', 'The ID token is valid', 'skip', tokenSkip, [OIDC_ID_TOKEN])
    else if (typeof idToken !== 'string') add('tokens', 'tokens.id_token', 'The ID token is valid', 'skip', 'no ID token was issued', [OIDC_ID_TOKEN])
    else if (provider.dialect === 'oidc' || (provider.dialect === 'oauth2' && provider.endpoints.jwks !== undefined)) {
      // The dialect validated it (signature against jwks_uri, iss, aud, exp) before handing out tokens.
      add('tokens', 'tokens.id_token', 'The ID token is valid', 'pass', 'signature checked against the provider\'s keys; iss, aud, exp and iat valid', [OIDC_ID_TOKEN], tokenSeqs)
    } else {
      const parts = idToken.split('.')
      let claims: Record<string, unknown> | undefined
      try {
        claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
      } catch {
        claims = undefined
      }
      const problems: string[] = []
      if (parts.length !== 3 || !claims || typeof claims !== 'object') problems.push('not a signed JWT (three base64url parts with a JSON payload)')
      else {
        if (typeof claims['iss'] !== 'string') problems.push('no "iss"')
        if (typeof claims['sub'] !== 'string') problems.push('no "sub"')
        const aud = claims['aud']
        if (!(aud === provider.clientId || (Array.isArray(aud) && aud.includes(provider.clientId)))) problems.push('"aud" does not name this client')
        if (typeof claims['exp'] !== 'number' || typeof claims['iat'] !== 'number') problems.push('"exp" or "iat" missing')
        else {
          try {
            checkTimes(claims as unknown as IdTokenClaims, clock.now(), 'ID token')
          } catch (error) {
            problems.push(describe(error))
          }
        }
      }
      add('tokens', 'tokens.id_token', 'The ID token is valid', problems.length > 0 ? 'fail' : 'pass', problems.length > 0 ? problems.join('; ') : `claims valid (iss, sub, aud, exp, iat); signature not checked: the ${provider.dialect} dialect configures no keys`, [OIDC_ID_TOKEN], tokenSeqs)
    }

    // Refresh.
    const refreshRefs = docOr(RFC6749('6'))
    let refreshed: TokenSet | undefined
    if (tokenSkip !== undefined) add('tokens', 'tokens.refresh', 'A refresh token works', 'skip', tokenSkip, refreshRefs)
    else if (!dialect.refresh) add('tokens', 'tokens.refresh', 'A refresh token works', 'skip', `the ${provider.dialect} dialect has no refresh`, refreshRefs)
    else if (tokens?.refresh_token === undefined) add('tokens', 'tokens.refresh', 'A refresh token works', 'skip', 'no refresh token was issued', refreshRefs)
    else {
      const mark = lastSeq()
      try {
        refreshed = await dialect.refresh(tokens.refresh_token, signal)
        for (const t of [refreshed.access_token, refreshed.refresh_token, refreshed.id_token]) addSecret(t)
        add('tokens', 'tokens.refresh', 'A refresh token works', 'pass', `a new access token${refreshed.refresh_token !== tokens.refresh_token ? ' and a new refresh token (rotated)' : ' (the refresh token is kept)'}`, refreshRefs, seqsSince(mark))
      } catch (error) {
        add('tokens', 'tokens.refresh', 'A refresh token works', stopped(error) ? 'skip' : 'fail', describe(error), refreshRefs, seqsSince(mark))
      }
    }

    // Revocation.
    const revokeRefs = docOr(rfc(7009, '2', 'RFC 7009 §2'))
    if (tokenSkip !== undefined) add('tokens', 'tokens.revocation', 'Revocation works', 'skip', tokenSkip, revokeRefs)
    else if (!dialect.revoke) add('tokens', 'tokens.revocation', 'Revocation works', 'skip', `the ${provider.dialect} dialect has no revocation endpoint`, revokeRefs)
    else {
      const current = refreshed ?? (tokens as TokenSet)
      const mark = lastSeq()
      try {
        // Whether the access token works before, to tell afterwards whether revocation ended it.
        const profile = async (): Promise<'works' | 'refused' | 'unknown'> => {
          if (!dialect.fetchAccount) return 'unknown'
          try {
            return (await dialect.fetchAccount(current, signal)) === undefined ? 'refused' : 'works'
          } catch (error) {
            if (stopped(error)) throw error
            return isLinkscreenError(error) && error.status === 401 ? 'refused' : 'unknown'
          }
        }
        const before = await profile()
        await dialect.revoke(current, signal)
        const notes: string[] = []
        let status: Status = 'pass'
        if (before === 'works') {
          const after = await profile()
          if (after === 'works') {
            status = 'fail'
            notes.push('the access token still works after it was revoked')
          } else notes.push('the access token no longer works')
        }
        // The standard dialects and Google revoke the refresh token: it must no longer work.
        const revokesRefresh = provider.dialect === 'oidc' || provider.dialect === 'oauth2' || provider.dialect === 'google'
        if (revokesRefresh && dialect.refresh && current.refresh_token !== undefined) {
          try {
            const again = await dialect.refresh(current.refresh_token, signal)
            for (const t of [again.access_token, again.refresh_token]) addSecret(t)
            status = 'fail'
            notes.push('the revoked refresh token still works')
          } catch (error) {
            if (stopped(error)) throw error
            const oauthError = isLinkscreenError(error) ? error.oauthError : undefined
            if (oauthError === 'invalid_grant') notes.push('the revoked refresh token is refused with invalid_grant')
            else {
              if (status === 'pass') status = 'warn'
              notes.push(`the revoked refresh token is refused, but with ${describe(error)}`)
            }
          }
        }
        add('tokens', 'tokens.revocation', 'Revocation works', status, `accepted${notes.length > 0 ? `; ${notes.join('; ')}` : ' (not verified: no way to try the token afterwards)'}`, revokeRefs, seqsSince(mark))
      } catch (error) {
        add('tokens', 'tokens.revocation', 'Revocation works', stopped(error) ? 'skip' : 'fail', describe(error), revokeRefs, seqsSince(mark))
      }
    }

  }

  const skipApproval = (reason: string): void => {
    add('polling', 'poll.authorized', 'Tokens after approval', 'skip', reason, tokenRefs)
    add('polling', 'poll.after_success', 'The device code is unusable after success', 'skip', reason, docOr(RFC6749('5.2'), RFC8628('3.5')))
  }
  if (!options.approve) skipApproval(needPerson)
  else {
    try {
      progress('approving a code')
      const got = await requestCode()
      if (!got.held) skipApproval(stopped(got.error) ? stopMessage(got.error) : noCode(describe(got.error)))
      else {
        const c = got.held
        const approval = await options.approve('approve', c.auth, signal)
        if (!approval.ok) {
          if (!approval.skipped) add('run', 'run.approve', 'The approval command approves the code', 'fail', approval.reason, [])
          skipApproval(approval.skipped ? approval.reason : `the approval did not happen: ${approval.reason}`)
        } else {
          const decided = await pollUntilDecided(c)
          const result = decided.result
          tokenSeqs = [...decided.seqs]
          if (result?.outcome?.kind === 'authorized') {
            tokens = result.outcome.tokens
            tokenRaw = result.raw
            const body = tokenRaw?.json ?? {}
            const missing = ['access_token', 'token_type'].filter((k) => typeof body[k] !== 'string')
            add('polling', 'poll.authorized', 'Tokens after approval', missing.length > 0 ? 'fail' : 'pass', missing.length > 0 ? `the token response lacks ${missing.map((m) => `"${m}"`).join(', ')}` : `HTTP ${tokenRaw?.status} with ${['access_token', 'token_type', 'expires_in', 'refresh_token', 'id_token', 'scope'].filter((k) => body[k] !== undefined).join(', ')}`, tokenRefs, decided.seqs)
            await tokenProbes()
            // The same code again.
            await waitInterval(c)
            const again = await poll(c)
            tokenSeqs.push(...again.seqs)
            const usedRefs = docOr(RFC6749('5.2'), RFC8628('3.5'))
            if (again.outcome?.kind === 'authorized') {
              add('polling', 'poll.after_success', 'The device code is unusable after success', 'fail', 'a second set of tokens was issued for a code already redeemed', usedRefs, again.seqs)
            } else {
              const verdict = again.outcome?.kind === 'pending'
                ? { status: 'fail' as const, detail: 'the redeemed code is answered authorization_pending again' }
                : judgeError(again, { codes: rules.usedCode })
              add('polling', 'poll.after_success', 'The device code is unusable after success', verdict.status, verdict.detail, usedRefs, again.seqs)
            }
          } else {
            const why = decided.reason ?? (result?.outcome ? `answered ${result.outcome.kind} (${answerText(result.raw)})` : `${describe(result?.error)}${result?.raw ? ` (${answerText(result.raw)})` : ''}`)
            add('polling', 'poll.authorized', 'Tokens after approval', 'fail', `no tokens after the approval: ${why}`, tokenRefs, decided.seqs)
            add('polling', 'poll.after_success', 'The device code is unusable after success', 'skip', 'no successful sign-in to test it with', docOr(RFC6749('5.2')))
          }
        }
      }
    } catch (error) {
      if (!stopped(error)) throw error
      if (!findings.some((f) => f.id === 'poll.authorized')) skipApproval(stopMessage(error))
      else if (!findings.some((f) => f.id === 'poll.after_success')) add('polling', 'poll.after_success', 'The device code is unusable after success', 'skip', stopMessage(error), docOr(RFC6749('5.2')))
    }
  }

  const deniedRefs = docOr(RFC8628('3.5'))
  const skipDenial = (reason: string): void => {
    add('polling', 'poll.denied', 'A denial is answered access_denied', 'skip', reason, deniedRefs)
    add('polling', 'poll.after_denial', 'The device code is unusable after denial', 'skip', reason, deniedRefs)
  }
  if (!options.approve) skipDenial(needPerson)
  else {
    try {
      progress('denying a code')
      const got = await requestCode()
      if (!got.held) skipDenial(stopped(got.error) ? stopMessage(got.error) : noCode(describe(got.error)))
      else {
        const d = got.held
        const denial = await options.approve('deny', d.auth, signal)
        if (!denial.ok) {
          if (!denial.skipped) add('run', 'run.deny', 'The approval command denies the code', 'fail', denial.reason, [])
          skipDenial(denial.skipped ? denial.reason : `the denial did not happen: ${denial.reason}`)
        } else {
          const decided = await pollUntilDecided(d)
          const result = decided.result
          const code = answerCode(result?.raw)
          if (result?.outcome?.kind === 'denied') {
            add('polling', 'poll.denied', 'A denial is answered access_denied', 'pass', rules.style === 'trakt' ? `HTTP ${result.raw?.status}, as Trakt documents` : `"${cleanText(code ?? 'access_denied', 64)}" (${answerText(result.raw)})`, deniedRefs, decided.seqs)
          } else if (result?.outcome?.kind === 'authorized') {
            add('polling', 'poll.denied', 'A denial is answered access_denied', 'fail', 'tokens were issued for a denied code', deniedRefs, decided.seqs)
          } else {
            add('polling', 'poll.denied', 'A denial is answered access_denied', 'fail', decided.reason ?? (result?.outcome ? `answered ${result.outcome.kind} (${answerText(result.raw)})` : `${describe(result?.error)}${result?.raw ? ` (${answerText(result.raw)})` : ''}`), deniedRefs, decided.seqs)
          }
          await waitInterval(d)
          const again = await poll(d)
          const kind = again.outcome?.kind
          const status: Status = kind === 'authorized' || kind === 'pending' ? 'fail' : kind === undefined && !again.raw ? 'fail' : 'pass'
          add(
            'polling',
            'poll.after_denial',
            'The device code is unusable after denial',
            status,
            kind === 'authorized' ? 'tokens were issued for a denied code' : kind === 'pending' ? 'the denied code is answered authorization_pending again' : again.raw ? `no tokens: ${answerText(again.raw)}` : `no answer: ${describe(again.error)}`,
            deniedRefs,
            again.seqs,
          )
        }
      }
    } catch (error) {
      if (!stopped(error)) throw error
      if (!findings.some((f) => f.id === 'poll.denied')) skipDenial(stopMessage(error))
      else if (!findings.some((f) => f.id === 'poll.after_denial')) add('polling', 'poll.after_denial', 'The device code is unusable after denial', 'skip', stopMessage(error), deniedRefs)
    }
  }

  // 6. expired_token after expiry.
  const expiredRefs = docOr(RFC8628('3.5'))
  if (!b) add('polling', 'poll.expired', 'expired_token after expiry', 'skip', expirySkip ?? noCode('the code request failed'), expiredRefs)
  else {
    try {
      progress(`waiting for a code to expire (${b.auth.expires_in} s)`)
      await sleepUntil(Math.max(b.expiresMono + 1_000, b.lastPollMono + b.interval * 1000 + POLL_MARGIN_MS))
      const result = await poll(b)
      if (result.outcome?.kind === 'expired') add('polling', 'poll.expired', 'expired_token after expiry', 'pass', rules.style === 'trakt' ? `HTTP ${result.raw?.status}, as Trakt documents` : answerText(result.raw), expiredRefs, result.seqs)
      else if (result.outcome?.kind === 'pending' || result.outcome?.kind === 'authorized') add('polling', 'poll.expired', 'expired_token after expiry', 'fail', `an expired code is answered ${result.outcome.kind}`, expiredRefs, result.seqs)
      else {
        const code = answerCode(result.raw)
        add('polling', 'poll.expired', 'expired_token after expiry', code !== undefined && RFC6749_ERRORS.has(code) ? 'warn' : 'fail', `${answerText(result.raw)}${result.raw ? '' : `: ${describe(result.error)}`} where expired_token was expected${code === 'invalid_grant' ? ': clients stop, but cannot tell the person the code expired' : ''}`, expiredRefs, result.seqs)
      }
    } catch (error) {
      if (!stopped(error)) throw error
      add('polling', 'poll.expired', 'expired_token after expiry', 'skip', stopMessage(error), expiredRefs)
    }
  }

  // 7. The user codes seen (RFC 8628 §6.1).
  const codeUserRefs = [RFC8628('6.1'), RFC8628('5.1')]
  if (userCodes.length === 0) {
    for (const [id, title] of [
      ['user_code.alphabet', 'User code alphabet'],
      ['user_code.length', 'User code length'],
      ['user_code.entropy', 'User code entropy'],
      ['user_code.confusables', 'No confusable characters in user codes'],
    ] as const) add('code', id, title, 'skip', noCode('no code was issued'), codeUserRefs)
  } else {
    const u = analyseUserCodes(userCodes)
    const seen = `${userCodes.length} code${userCodes.length === 1 ? '' : 's'} seen, shaped ${u.shapes.join(', ')}`
    // A character outside ASCII may be missing from the keyboard a person has at hand.
    const alphabetStatus: Status = u.unusual.some((c) => c.charCodeAt(0) > 0x7e) ? 'fail' : u.mixedCase || u.unusual.length > 0 ? 'warn' : 'pass'
    add(
      'code',
      'user_code.alphabet',
      'User code alphabet',
      alphabetStatus,
      `${u.alphabet.name} (${u.alphabet.size} symbols); ${seen}${u.mixedCase ? '; both cases: people cannot tell whether case matters (§6.1: case-insensitive)' : ''}${u.unusual.length > 0 ? `; characters a person may not find on a keyboard: ${u.unusual.map((c) => JSON.stringify(c)).join(' ')}` : ''}`,
      codeUserRefs,
    )
    const lengthText = u.minLength === u.maxLength ? `${u.minLength}` : `${u.minLength}–${u.maxLength}`
    add('code', 'user_code.length', 'User code length', u.minLength < 4 || u.maxLength > 20 ? 'fail' : u.minLength < 6 || u.maxLength > 12 ? 'warn' : 'pass', `${lengthText} significant characters${u.minLength < 6 ? ': short codes are easy to guess' : u.maxLength > 12 ? ': long codes are hard to type with a remote' : ''}`, codeUserRefs)
    add('code', 'user_code.entropy', 'User code entropy', u.bits < 20 ? 'fail' : u.bits < 30 ? 'warn' : 'pass', `about ${u.bits} bits per code (${u.minLength} × log2 ${u.alphabet.size}, an upper estimate from the characters seen); §6.1's example has 34.5`, codeUserRefs)
    add('code', 'user_code.confusables', 'No confusable characters in user codes', u.confusables.length > 0 ? 'warn' : 'pass', u.confusables.length > 0 ? `the codes contain ${u.confusables.join(' ')}, easily mistaken for one another (0/O, 1/I/l)` : `none of 0 O 1 I l in the ${userCodes.length} code${userCodes.length === 1 ? '' : 's'} seen`, codeUserRefs)
  }

  // 8. Cache-Control: no-store on everything that carried a code or tokens.
  {
    const carrying = raws.filter((r) => r.status === 200 && r.json !== undefined && (typeof r.json['device_code'] === 'string' || typeof r.json['access_token'] === 'string'))
    const lacking = carrying.filter((r) => !/(^|[\s,])no-store($|[\s,;=])/i.test(r.headers.get('cache-control') ?? ''))
    const what = (r: Raw): string => (typeof r.json?.['device_code'] === 'string' ? 'device code' : 'token')
    add(
      'code',
      'code.cache_control',
      'Cache-Control: no-store on answers carrying codes or tokens',
      carrying.length === 0 ? 'skip' : lacking.length > 0 ? 'fail' : 'pass',
      carrying.length === 0
        ? 'no answer carried a code or tokens'
        : lacking.length > 0
          ? `${lacking.length} of ${carrying.length} such answers lack it: ${[...new Set(lacking.map((r) => `${what(r)} answers from ${r.endpoint}${r.headers.get('cache-control') ? ` (Cache-Control: ${cleanText(r.headers.get('cache-control') ?? '', 60)})` : ''}`))].join('; ')}`
          : carrying.length === 1
            ? 'the one answer carrying a code or tokens says no-store'
            : `all ${carrying.length} answers carrying a code or tokens say no-store`,
      [RFC6749('5.1')],
      carrying.map((r) => r.seq),
    )
  }

  // 9. Discovery, ID token, refresh, revocation: when the provider offers them.
  const discovery = raws.find((r) => r.method === 'GET' && r.endpoint.endsWith('/.well-known/openid-configuration'))
  if (provider.dialect !== 'oidc') add('tokens', 'tokens.discovery', 'Discovery metadata matches the endpoints used', 'skip', `the ${provider.dialect} dialect uses no discovery`, [RFC8628('4')])
  else if (!discovery?.json) add('tokens', 'tokens.discovery', 'Discovery metadata matches the endpoints used', 'fail', discovery ? `the discovery document is not JSON (${answerText(discovery)})` : 'no discovery document was read', [RFC8628('4')], discovery ? [discovery.seq] : [])
  else {
    const m = discovery.json
    const issues: string[] = []
    const used = (path: 'code' | 'token'): string | undefined =>
      raws.find((r) => r.method === 'POST' && r.json !== undefined && (path === 'code' ? typeof r.json['device_code'] === 'string' && typeof r.json['user_code'] === 'string' : typeof r.json['access_token'] === 'string' || (typeof r.json['error'] === 'string' && r.json['error'] === 'authorization_pending')))?.endpoint
    const strip = (value: unknown): string | undefined => {
      if (typeof value !== 'string' || !URL.canParse(value)) return undefined
      const url = new URL(value)
      return `${url.origin}${url.pathname}`
    }
    if ('oidc' === provider.dialect && m['issuer'] !== provider.issuer) issues.push(`"issuer" is not the configured issuer`)
    const codeUsed = used('code')
    const tokenUsed = used('token')
    if (strip(m['device_authorization_endpoint']) === undefined) issues.push('no "device_authorization_endpoint"')
    else if (codeUsed && strip(m['device_authorization_endpoint']) !== codeUsed) issues.push('"device_authorization_endpoint" is not where codes came from')
    if (strip(m['token_endpoint']) === undefined) issues.push('no "token_endpoint"')
    else if (tokenUsed && strip(m['token_endpoint']) !== tokenUsed) issues.push('"token_endpoint" is not where polls were answered')
    const grants = m['grant_types_supported']
    let warnOnly = false
    if (grants === undefined) {
      issues.push(`no "grant_types_supported" (RFC 8414's default leaves out ${DEVICE_CODE_GRANT})`)
      warnOnly = true
    } else if (!Array.isArray(grants) || !grants.includes(DEVICE_CODE_GRANT)) issues.push(`"grant_types_supported" does not list ${DEVICE_CODE_GRANT}`)
    add(
      'tokens',
      'tokens.discovery',
      'Discovery metadata matches the endpoints used',
      issues.length === 0 ? 'pass' : warnOnly && issues.length === 1 ? 'warn' : 'fail',
      issues.length === 0 ? 'issuer, device_authorization_endpoint and token_endpoint match what was used; grant_types_supported lists the device grant' : issues.join('; '),
      [RFC8628('4'), rfc(8414, '2', 'RFC 8414 §2')],
      [discovery.seq],
    )
  }

  if (!tokenProbesDone) await tokenProbes()

  // 10. The run itself.
  if (rateLimits > 0) add('run', 'run.rate_limited', 'The provider did not rate-limit the checker', 'warn', `rate-limited ${rateLimits} time${rateLimits === 1 ? '' : 's'} (429 or slow_down to requests sent at the advertised pace); the checker backed off ${Math.round(waitedMs / 100) / 10} s in all`, docOr(RFC8628('3.5')))
  if (hung) add('run', 'run.hung', 'The provider answers in time', 'fail', `requests got no answer within ${Math.round(limits.requestTimeoutMs / 1000)} s; the checker stopped sending`, [])
  if (budgetOut) add('run', 'run.budget', 'The checks fit the request budget', 'warn', `the request budget (${limits.maxRequests}, --max-requests) ran out; the probes after it were skipped`, [])
  if (timedOut) add('run', 'run.time_limit', 'The checks fit the time limit', 'warn', `the run's time limit (${Math.round(limits.timeLimitMs / 1000)} s, --time-limit) was reached; the probes after it were skipped`, [])

  clearTimeout(timer)
  options.signal?.removeEventListener('abort', onOuter)
  recorder.end('checked')

  // Evidence, and one last scrub of everything that leaves.
  const log = recorder.toJSON()
  const bySeq = new Map(log.entries.map((e) => [e.seq, e]))
  const scrubList = [...secrets]
  const scrub = (text: string): string => redactText(text, scrubList)
  const order: Group[] = ['code', 'polling', 'errors', 'tokens', 'run']
  const sorted = [...findings].sort((x, y) => order.indexOf(x.group) - order.indexOf(y.group))
  const out: Finding[] = sorted.map((f) => ({
    id: f.id,
    group: f.group,
    title: f.title,
    status: f.status,
    detail: scrub(cleanText(f.detail, 600)),
    refs: f.refs,
    evidence: [...new Set(f.seqs)].sort((x, y) => x - y).map((s) => bySeq.get(s)).filter((e): e is FlowLogEntry => e !== undefined),
  }))
  const summary: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 }
  for (const f of out) summary[f.status]++
  return {
    format: 'linkscreen-check',
    version: 1,
    provider: { id: provider.id, ...(provider.name === undefined ? {} : { name: scrub(cleanText(provider.name, 100)) }), dialect: provider.dialect },
    startedAt: new Date(startedWall).toISOString(),
    durationMs: Math.round(clock.monotonic() - startedMono),
    approval: options.approval,
    summary,
    requests: { used, max: limits.maxRequests },
    rateLimited: { times: rateLimits, waitedMs: Math.round(waitedMs) },
    findings: out,
  }
}
