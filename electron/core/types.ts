/**
 * The core's shared types: what a provider hands out (a device authorization, a token set),
 * the one outcome type every dialect's token-poll parser maps onto, and the injected world.
 */
import type { NetworkReason } from './errors'
import type { Scrubber } from './scrubber'

/** Wall-clock time, monotonic time and cancellable waiting, injected so that tests control time. */
export interface Clock {
  /** Milliseconds since the epoch (wall clock: jumps when the machine sleeps or is set). */
  now(): number
  /** Milliseconds from an arbitrary origin that never jump (for measuring gaps). */
  monotonic(): number
  /** Resolves after `ms`, rejects with an `AbortError` when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The subset of `fetch` the core uses. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/**
 * A validated device authorization response (RFC 8628 §3.2), plus the wall-clock deadline.
 * Field names keep the RFC's spelling.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
export interface DeviceAuthorization {
  readonly device_code: string
  readonly user_code: string
  readonly verification_uri: string
  readonly verification_uri_complete?: string
  /** Lifetime of the codes, seconds. */
  readonly expires_in: number
  /** Minimum seconds between polls (defaults to 5). */
  readonly interval: number
  /** When the codes expire, milliseconds since the epoch (wall clock). */
  readonly expires_at: number
  /** A sign-in instruction written by the provider (Microsoft), control characters and secrets removed. */
  readonly message?: string
  /**
   * Why part of the provider's answer is not shown, when it was not (a complete verification
   * URI that carries the device code or another secret is dropped); plain text.
   */
  readonly warning?: string
}

/** A token endpoint's successful answer, kept whole. */
export interface TokenSet {
  readonly access_token: string
  readonly token_type: string
  readonly refresh_token?: string
  readonly id_token?: string
  readonly expires_in?: number
  /** When the access token expires, milliseconds since the epoch, when `expires_in` was given. */
  readonly expires_at?: number
  readonly scope?: string
  /** Every other member of the response, as sent. */
  readonly extra: Readonly<Record<string, unknown>>
}

/** Who signed in, as far as the provider tells. */
export interface Account {
  readonly sub?: string
  readonly name?: string
  readonly email?: string
  readonly picture?: string
}

/**
 * The one outcome of a token poll, whatever the provider's dialect.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export type PollOutcome =
  | { readonly kind: 'pending' }
  | { readonly kind: 'slow_down'; readonly interval?: number }
  | { readonly kind: 'rate_limited'; readonly retryAfterMs?: number }
  /**
   * Try again later: a 5xx, a network fault, or an answer that was the network's and not the
   * provider's (`network` says which kind, `host` where a captive portal's page is).
   */
  | { readonly kind: 'transient'; readonly reason: string; readonly retryAfterMs?: number; readonly network?: NetworkReason; readonly host?: string }
  | { readonly kind: 'denied'; readonly description?: string }
  | { readonly kind: 'expired' }
  | { readonly kind: 'authorized'; readonly tokens: TokenSet; readonly account?: Account }
  | { readonly kind: 'error'; readonly error: string; readonly description?: string }

/** What every provider dialect implements. Nothing after a dialect knows who answered. */
export interface Dialect {
  /** The provider's id, for messages. */
  readonly providerId: string
  /** Requests a device and user code (RFC 8628 §3.1). */
  requestCode(signal?: AbortSignal): Promise<DeviceAuthorization>
  /** Sends one token poll (RFC 8628 §3.4) and maps the answer onto a `PollOutcome`. */
  poll(authorization: DeviceAuthorization, signal?: AbortSignal): Promise<PollOutcome>
  /** Who signed in, when the provider can tell; never throws for a missing profile. */
  fetchAccount?(tokens: TokenSet, signal?: AbortSignal): Promise<Account | undefined>
  /**
   * Exchanges a refresh token for a fresh token set (RFC 6749 §6, or the provider's own
   * endpoint). The returned set always holds the refresh token to store from now on: the new
   * one when the server rotated it, else the one given. An ID token in the answer is validated
   * first. Throws `LinkscreenError`:
   * - `oauth_error` with `oauthError === 'invalid_grant'`: the refresh token is expired, revoked
   *   or already used; only a new sign-in helps;
   * - `oauth_error` with another `oauthError` (`invalid_client`, `unauthorized_client`, …);
   * - `network_error`, `timeout`, `server_error`: try again later;
   * - `invalid_response` (e.g. no new `access_token`), `response_too_large`, `invalid_id_token`,
   *   `jwks_unavailable`, `aborted`.
   * Absent when the provider issues no refresh tokens.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
   */
  refresh?(refreshToken: string, signal?: AbortSignal): Promise<TokenSet>
  /**
   * Revokes the tokens at the provider (RFC 7009, or the provider's own endpoint): the refresh
   * token when there is one, and the access token. Resolves once the provider confirmed;
   * throws `LinkscreenError` otherwise (`network_error`, `timeout`, `server_error`,
   * `oauth_error`, `unsupported` when the provider turns out to name no revocation endpoint).
   * Absent when the provider offers no way to revoke.
   * @see https://www.rfc-editor.org/rfc/rfc7009
   */
  revoke?(tokens: TokenSet, signal?: AbortSignal): Promise<void>
  /** Things the user should know about this configuration (e.g. a scope the provider will refuse). */
  readonly warnings?: readonly string[]
  /**
   * The provider's scrubber (see `scrubber.ts`): it knows the configured secrets and learns
   * every secret this dialect's requests carry and answers deliver. Set by `createDialect`.
   */
  readonly scrubber?: Scrubber
}
