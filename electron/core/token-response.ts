/**
 * Token poll answers (RFC 8628 §3.5, RFC 6749 §5): the successful token set, kept whole, and
 * the mapping of error answers onto the one `PollOutcome` type, shared by the dialects that
 * speak standard OAuth errors.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
import { assertJsonObject, assertString, isJsonObject, optionalSeconds, optionalString } from './assert'
import { ErrorCode, LinkscreenError } from './errors'
import { retryAfterMs } from './http'
import { cleanText } from './redact'
import type { PollOutcome, TokenSet } from './types'

const KNOWN = new Set(['access_token', 'token_type', 'refresh_token', 'id_token', 'expires_in', 'scope'])

/**
 * RFC 6749 Appendix A.12 and A.17: `access-token = 1*VSCHAR`, `refresh-token = 1*VSCHAR`
 * (printable ASCII). A token with anything else is not one a server issued, typically bytes that
 * were not UTF-8 and were decoded to U+FFFD: it would fail at every use, so it is refused here.
 */
const VSCHAR = /^[\x20-\x7e]+$/

/** A token field checked to be printable ASCII; the message names the field, never the value. */
function assertVsChars(value: string | undefined, field: string, where: string): void {
  if (value !== undefined && !VSCHAR.test(value)) {
    throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: "${field}" must be printable ASCII (RFC 6749 Appendix A)`)
  }
}

/** Longest access-token lifetime taken at face value: ten years (longer ones are clamped). */
export const MAX_TOKEN_LIFETIME_SECONDS = 10 * 365 * 86_400

/**
 * Validates a token response body and keeps it whole.
 * @param defaultTokenType used when the provider omits `token_type` (better-auth's session shape)
 */
export function parseTokenSet(body: unknown, receivedAt: number, where: string, defaultTokenType?: string): TokenSet {
  const json = assertJsonObject(body, where)
  const access_token = assertString(json, 'access_token', where, 64 * 1024)
  const token_type =
    json['token_type'] === undefined && defaultTokenType !== undefined ? defaultTokenType : assertString(json, 'token_type', where, 64)
  const refresh_token = optionalString(json, 'refresh_token', where, 64 * 1024)
  assertVsChars(access_token, 'access_token', where)
  assertVsChars(refresh_token, 'refresh_token', where)
  const id_token = optionalString(json, 'id_token', where, 64 * 1024)
  // An empty scope (better-auth, when none was requested) means no scope.
  const scope = json['scope'] === '' ? undefined : optionalString(json, 'scope', where)
  // Some servers say "never" with 2^31-1 or the like: clamp rather than fail a finished sign-in.
  const lifetime = optionalSeconds(json, 'expires_in', where, 0, Number.MAX_SAFE_INTEGER)
  const expires_in = lifetime === undefined ? undefined : Math.min(lifetime, MAX_TOKEN_LIFETIME_SECONDS)
  // fromEntries defines own properties, so a "__proto__" member is kept, not turned into a prototype.
  const extra = Object.fromEntries(Object.entries(json).filter(([key]) => !KNOWN.has(key)))
  return {
    access_token,
    token_type,
    ...(refresh_token === undefined ? {} : { refresh_token }),
    ...(id_token === undefined ? {} : { id_token }),
    ...(scope === undefined ? {} : { scope }),
    ...(expires_in === undefined ? {} : { expires_in, expires_at: receivedAt + expires_in * 1000 }),
    extra,
  }
}

/** Caps an `error_description` and strips control characters; it is shown to people. */
export function cleanDescription(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const text = cleanText(value, 500)
  return text === '' ? undefined : text
}

/** Maps an RFC 8628 / RFC 6749 `error` value onto an outcome. */
export function outcomeForOAuthError(error: string, body: Record<string, unknown>): PollOutcome {
  switch (error) {
    case 'authorization_pending':
      return { kind: 'pending' }
    case 'slow_down': {
      const raw = typeof body['interval'] === 'string' && /^\d{1,4}$/.test(body['interval']) ? Number(body['interval']) : body['interval']
      const interval = typeof raw === 'number' && raw > 0 && raw <= 600 ? raw : undefined
      return interval === undefined ? { kind: 'slow_down' } : { kind: 'slow_down', interval }
    }
    case 'access_denied': {
      const description = cleanDescription(body['error_description'])
      return description === undefined ? { kind: 'denied' } : { kind: 'denied', description }
    }
    case 'expired_token':
      return { kind: 'expired' }
    default: {
      const description = cleanDescription(body['error_description'])
      return description === undefined ? { kind: 'error', error } : { kind: 'error', error, description }
    }
  }
}

/**
 * A short, safe name for an `error` value sent by a server (it is shown and logged): RFC 6749
 * limits it to printable ASCII; anything else becomes `invalid_error_code`.
 */
export function cleanErrorCode(value: unknown): string {
  return typeof value === 'string' && /^[\x20-\x7e]{1,64}$/.test(value) ? value : 'invalid_error_code'
}

/**
 * Maps a token endpoint's non-200 answer onto an outcome: 429 is rate limiting, 408 and 5xx are
 * transient, an OAuth error body is mapped by its `error`; anything else is an invalid response.
 * @param body the parsed JSON body, or `undefined` when it was not JSON
 */
export function classifyTokenErrorResponse(response: Response, body: unknown, now: number, where: string): PollOutcome {
  const retryAfter = retryAfterMs(response.headers, now)
  const withRetry = retryAfter === undefined ? {} : { retryAfterMs: retryAfter }
  if (response.status === 429) return { kind: 'rate_limited', ...withRetry }
  if (response.status === 408 || response.status >= 500) {
    return { kind: 'transient', reason: `HTTP ${response.status}`, ...withRetry }
  }
  if (isJsonObject(body) && typeof body['error'] === 'string' && body['error'] !== '') {
    return outcomeForOAuthError(cleanErrorCode(body['error']), body)
  }
  // The media type is the server's text: cleaned like any other before it reaches a message.
  const type = cleanText(response.headers.get('content-type')?.split(';')[0] ?? '', 100) || 'no content type'
  throw new LinkscreenError(
    ErrorCode.InvalidResponse,
    `${where}: HTTP ${response.status} (${type}) without an OAuth error body`,
    { status: response.status },
  )
}
