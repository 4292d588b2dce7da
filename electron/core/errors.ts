/**
 * Typed errors of the device-flow core. Every error carries a stable `code`; expected outcomes
 * (pending, slow down, denied, expired) are values, never errors.
 *
 * Messages never contain a token, a device code or a client secret: they name fields, never
 * their values. `cause` is only ever another `LinkscreenError` or a network error with no
 * response body attached.
 */

/** Stable error codes. */
export const ErrorCode = {
  /** A provider's response is not what the protocol says (wrong type, missing field, not JSON). */
  InvalidResponse: 'invalid_response',
  /** A provider's response body exceeded the size limit; it was not read in full. */
  ResponseTooLarge: 'response_too_large',
  /** A verification or endpoint URL is not `https:` (plain `http:` is allowed for loopback only). */
  InsecureUrl: 'insecure_url',
  /** The network failed (DNS, connection refused or reset, TLS) before a response arrived. */
  Network: 'network_error',
  /** The server answered with a 5xx status where a retry is not part of the protocol. */
  ServerError: 'server_error',
  /** A request took longer than its time limit. */
  Timeout: 'timeout',
  /** The server answered with an OAuth error that ends the flow (`invalid_grant`, `invalid_client`, …). */
  OAuth: 'oauth_error',
  /** The provider configuration is invalid. */
  Config: 'config_error',
  /** No provider with the requested id. */
  UnknownProvider: 'unknown_provider',
  /** The operation was cancelled by its `AbortSignal`. */
  Aborted: 'aborted',
  /**
   * An ID token failed validation (signature, `iss`, `aud`, `exp`, `nbf`, algorithm, shape): the
   * sign-in or refresh that brought it is refused, and nothing in it is used.
   * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
   */
  InvalidIdToken: 'invalid_id_token',
  /**
   * The provider's signing keys (its JWKS, at `jwks_uri`) could not be fetched or read, so an ID
   * token could not be checked; a later attempt may succeed.
   */
  JwksUnavailable: 'jwks_unavailable',
  /** The provider does not offer the operation (e.g. no revocation endpoint is known). */
  Unsupported: 'unsupported',
  /**
   * Something on the network answered instead of the provider: a captive portal's page or
   * redirect, a proxy asking for credentials (407), an empty or cut-off body, JSON that is not an
   * object. Transient: the request is worth repeating once the network lets it through.
   */
  NetworkAnswer: 'network_answer',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export interface LinkscreenErrorOptions {
  cause?: unknown
  /** For `oauth_error`: the server's `error` value. */
  oauthError?: string
  /** For `oauth_error`: the server's `error_description`. */
  description?: string
  /** HTTP status, when the error came from a response. */
  status?: number
  /** For `network_answer`: which kind of answer it was (see `NetworkReason`). */
  network?: NetworkReason
  /** For `network_answer`: the host of the page the network pointed to, when known. */
  host?: string
  /** The wait the answer asked for (`Retry-After`), ms. */
  retryAfterMs?: number
}

/**
 * Why an answer was the network's and not the provider's:
 * - `captive_portal`: a web page (any status), a redirect to another host, or HTTP 511;
 * - `proxy_auth`: HTTP 407, a proxy that wants credentials;
 * - `empty`: no body where the provider always sends one;
 * - `truncated`: JSON that stops half way;
 * - `not_json`: a body that is neither JSON nor a page, or JSON that is not an object.
 */
export type NetworkReason = 'captive_portal' | 'proxy_auth' | 'empty' | 'truncated' | 'not_json'

/** The one error type the core throws. */
export class LinkscreenError extends Error {
  override readonly name = 'LinkscreenError'
  readonly code: ErrorCode
  readonly oauthError: string | undefined
  readonly description: string | undefined
  readonly status: number | undefined
  /** For `network_answer`: which kind of answer it was. */
  readonly network: NetworkReason | undefined
  readonly host: string | undefined
  readonly retryAfterMs: number | undefined

  constructor(code: ErrorCode, message: string, options: LinkscreenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.oauthError = options.oauthError
    this.description = options.description
    this.status = options.status
    this.network = options.network
    this.host = options.host
    this.retryAfterMs = options.retryAfterMs
  }
}

export function isLinkscreenError(value: unknown): value is LinkscreenError {
  return value instanceof LinkscreenError
}

/** True when `error` is the rejection of an aborted signal (DOMException `AbortError`, or our own code). */
export function isAbortError(error: unknown): boolean {
  if (error instanceof LinkscreenError) return error.code === ErrorCode.Aborted
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')
}

/** Throws `aborted` when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LinkscreenError(ErrorCode.Aborted, 'The operation was cancelled')
}
