/**
 * Device authorization responses (RFC 8628 §3.2): the checks every dialect applies after
 * parsing, whether the parsing was oauth4webapi's or the dialect's own.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
import { ErrorCode, LinkscreenError } from './errors'
import { assertJsonObject, assertSeconds, assertString, optionalSeconds, optionalString } from './assert'
import { UNSAFE_TEXT } from './redact'
import type { DeviceAuthorization } from './types'
import { parseSafeUrl } from './urls'

/** A UTF-16 surrogate that is not half of a pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default." */
export const DEFAULT_INTERVAL_SECONDS = 5
/** Longest code lifetime accepted: one day. Anything longer is a broken server. */
export const MAX_EXPIRES_IN_SECONDS = 86_400
/** Longest poll interval accepted: ten minutes. */
export const MAX_INTERVAL_SECONDS = 600
/** Longest verification URL accepted (a QR code at error-correction level M holds about 2,300 bytes). */
export const MAX_URL_LENGTH = 2048
/** A user code a person can type: at most this many characters. */
export const MAX_USER_CODE_LENGTH = 64

/**
 * Validates a device authorization response body field by field and stamps its wall-clock
 * deadline. `verification_uri` (and `verification_uri_complete`) must be `https:`, or plain
 * `http:` to a loopback host.
 *
 * @param body the parsed JSON body (or an object a dialect mapped onto the RFC's names)
 * @param receivedAt wall-clock time the response arrived, milliseconds since the epoch
 * @param where names the response in error messages
 */
export function parseDeviceAuthorization(body: unknown, receivedAt: number, where: string): DeviceAuthorization {
  const json = assertJsonObject(body, where)
  const device_code = assertString(json, 'device_code', where)
  const user_code = assertString(json, 'user_code', where, MAX_USER_CODE_LENGTH)
  // A lone surrogate cannot be encoded (in a URL, on a screen): not a code a person can type.
  if (UNSAFE_TEXT.test(user_code) || LONE_SURROGATE.test(user_code)) {
    throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: "user_code" must contain only printable characters`)
  }
  const verificationUri = parseSafeUrl(assertString(json, 'verification_uri', where, MAX_URL_LENGTH), `${where}: "verification_uri"`)
  const verification_uri = verificationUri.href
  const complete = optionalString(json, 'verification_uri_complete', where, MAX_URL_LENGTH)
  const completeUrl = complete === undefined ? undefined : parseSafeUrl(complete, `${where}: "verification_uri_complete"`)
  // The QR code must lead where the text on screen says: a complete URI on another origin
  // than `verification_uri` is dropped (RFC 8628 §5.4, phishing).
  const verification_uri_complete = completeUrl?.origin === verificationUri.origin ? completeUrl.href : undefined
  const expires_in = assertSeconds(json, 'expires_in', where, 1, MAX_EXPIRES_IN_SECONDS)
  const interval = optionalSeconds(json, 'interval', where, 1, MAX_INTERVAL_SECONDS) ?? DEFAULT_INTERVAL_SECONDS
  return {
    device_code,
    user_code,
    verification_uri,
    ...(verification_uri_complete === undefined ? {} : { verification_uri_complete }),
    expires_in,
    interval,
    expires_at: receivedAt + expires_in * 1000,
  }
}
