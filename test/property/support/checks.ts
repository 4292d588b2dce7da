/** Invariants of what the parsers accept, shared by the property files. */
import { MAX_EXPIRES_IN_SECONDS, MAX_INTERVAL_SECONDS, MAX_USER_CODE_LENGTH } from '../../../electron/core/device-authorization'
import { UNSAFE_TEXT } from '../../../electron/core/redact'
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../../electron/core/token-response'
import type { DeviceAuthorization, PollOutcome, TokenSet } from '../../../electron/core/types'
import { LONE_SURROGATE, check, expectPrintable } from './harness'

/** `https:`, or `http:` to a loopback host; no credentials. Written independently of `urls.ts`. */
export function isSafeVerificationUrl(text: string): boolean {
  if (!URL.canParse(text)) return false
  const url = new URL(text)
  if (url.username !== '' || url.password !== '') return false
  if (url.protocol === 'https:') return true
  if (url.protocol !== 'http:') return false
  const host = url.hostname
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** (c) What an accepted device authorization must be. */
export function checkDeviceAuthorization(a: DeviceAuthorization, receivedAt: number): void {
  check(typeof a.device_code === 'string' && a.device_code.length > 0, 'device_code must be a non-empty string')
  check(typeof a.user_code === 'string' && a.user_code.length > 0 && a.user_code.length <= MAX_USER_CODE_LENGTH, `user_code of length ${a.user_code.length}`)
  check(!UNSAFE_TEXT.test(a.user_code), `user_code with a control character: ${JSON.stringify(a.user_code)}`)
  check(!LONE_SURROGATE.test(a.user_code), `user_code with a lone surrogate: ${JSON.stringify(a.user_code)}`)
  check(isSafeVerificationUrl(a.verification_uri), `unsafe verification_uri ${JSON.stringify(a.verification_uri)}`)
  check(new URL(a.verification_uri).href === a.verification_uri, 'verification_uri is not normalised')
  if (a.verification_uri_complete !== undefined) {
    check(isSafeVerificationUrl(a.verification_uri_complete), `unsafe verification_uri_complete ${JSON.stringify(a.verification_uri_complete)}`)
    check(
      new URL(a.verification_uri_complete).origin === new URL(a.verification_uri).origin,
      `verification_uri_complete ${a.verification_uri_complete} is on another origin than ${a.verification_uri}`,
    )
  }
  check(Number.isInteger(a.expires_in) && a.expires_in >= 1 && a.expires_in <= MAX_EXPIRES_IN_SECONDS, `expires_in ${a.expires_in}`)
  check(Number.isInteger(a.interval) && a.interval >= 1 && a.interval <= MAX_INTERVAL_SECONDS, `interval ${a.interval}`)
  check(a.expires_at === receivedAt + a.expires_in * 1000, 'expires_at is not receivedAt + expires_in')
  if (a.message !== undefined) check(typeof a.message === 'string' && a.message !== '' && a.message.length <= 500 && !UNSAFE_TEXT.test(a.message), `message ${JSON.stringify(a.message)}`)
}

/** What an accepted token set must be. */
export function checkTokenSet(t: TokenSet, receivedAt: number): void {
  check(typeof t.access_token === 'string' && t.access_token.length > 0, 'access_token must be a non-empty string')
  check(typeof t.token_type === 'string' && t.token_type.length > 0 && t.token_type.length <= 64, 'token_type must be a short string')
  for (const key of ['refresh_token', 'id_token', 'scope'] as const) check(t[key] === undefined || (typeof t[key] === 'string' && t[key] !== ''), `${key} must be a non-empty string`)
  if (t.expires_in !== undefined) {
    check(Number.isInteger(t.expires_in) && t.expires_in >= 0 && t.expires_in <= MAX_TOKEN_LIFETIME_SECONDS, `expires_in ${t.expires_in}`)
    check(t.expires_at === receivedAt + t.expires_in * 1000, 'expires_at is not receivedAt + expires_in')
  }
  check(Object.getPrototypeOf(t.extra) === Object.prototype, 'extra must be a plain object')
}

/** What any poll outcome that is not `authorized` must be. */
export function checkOutcome(o: PollOutcome): void {
  const text = (value: unknown, what: string): void => {
    check(value === undefined || (typeof value === 'string' && value !== '' && value.length <= 500), `${what} ${JSON.stringify(value)}`)
    if (typeof value === 'string') expectPrintable(value, what)
  }
  switch (o.kind) {
    case 'pending':
    case 'expired':
      return
    case 'slow_down':
      check(o.interval === undefined || (Number.isFinite(o.interval) && o.interval > 0 && o.interval <= MAX_INTERVAL_SECONDS), `slow_down interval ${o.interval}`)
      return
    case 'rate_limited':
    case 'transient':
      check(o.retryAfterMs === undefined || (Number.isFinite(o.retryAfterMs) && o.retryAfterMs >= 0 && o.retryAfterMs <= 3_600_000), `retryAfterMs ${o.retryAfterMs}`)
      if (o.kind === 'transient') text(o.reason, 'transient reason')
      return
    case 'denied':
      text(o.description, 'denied description')
      return
    case 'error':
      check(/^[\x20-\x7e]{1,64}$/.test(o.error), `error code ${JSON.stringify(o.error)}`)
      text(o.description, 'error description')
      return
    case 'authorized':
      return
    default:
      throw new Error(`unknown outcome ${JSON.stringify(o)}`)
  }
}

