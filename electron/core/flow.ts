/**
 * The device flow runner: requests a code, polls by the policy in `poll-policy.ts`, renews an
 * expired code a bounded number of times, and reports everything as events. Cancellable at
 * any point, including a poll in flight, with an `AbortSignal`.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 */
import { ErrorCode, LinkscreenError, isAbortError, isLinkscreenError } from './errors'
import { Scrubber } from './scrubber'
import { afterPoll, codeRetryDelay, startPolling, waitBeforePoll, type Instant, type PollReport, type PollState } from './poll-policy'
import type { NetworkReason } from './errors'
import type { Account, Clock, DeviceAuthorization, Dialect, PollOutcome, TokenSet } from './types'

/**
 * Why a poll (or a code request) got no usable answer: a `NetworkReason` when something on the
 * network answered instead of the provider (`captive_portal`, `proxy_auth`, `empty`,
 * `truncated`, `not_json`), else `server_error` (5xx), `rate_limited` (429), `timeout` or
 * `connection` (DNS, refused, reset, TLS).
 */
export type TransientReason = NetworkReason | 'server_error' | 'rate_limited' | 'timeout' | 'connection'

export type FlowEvent =
  /** `expiresInMs`: the code's lifetime left at this event, measured on the monotonic clock. */
  | { readonly type: 'code'; readonly authorization: DeviceAuthorization; readonly expiresInMs: number }
  | { readonly type: 'renewed'; readonly authorization: DeviceAuthorization; readonly renewal: number; readonly expiresInMs: number }
  /**
   * A code request failed in a way worth repeating; request number `attempt` is sent in
   * `retryInMs`. `error` says what happened (already scrubbed).
   */
  | { readonly type: 'retrying'; readonly attempt: number; readonly retryInMs: number; readonly reason: TransientReason; readonly host?: string; readonly error: LinkscreenError }
  /** `reason` (and `host`, for a captive portal) with `result: 'network_error'`. */
  | { readonly type: 'poll'; readonly result: PollReport; readonly nextPollInMs: number; readonly interval: number; readonly reason?: TransientReason; readonly host?: string }
  | { readonly type: 'authorized'; readonly tokens: TokenSet; readonly account?: Account }
  | { readonly type: 'denied'; readonly description?: string }
  | { readonly type: 'expired' }
  | { readonly type: 'error'; readonly error: LinkscreenError }

export type FlowResult =
  | { readonly status: 'authorized'; readonly tokens: TokenSet; readonly account?: Account }
  | { readonly status: 'denied'; readonly description?: string }
  | { readonly status: 'expired' }
  | { readonly status: 'error'; readonly error: LinkscreenError }
  | { readonly status: 'cancelled' }

export interface FlowOptions {
  readonly dialect: Dialect
  readonly clock: Clock
  /** How many times an expired, unused code is replaced by a fresh one. Default 0. */
  readonly renewals?: number
  readonly signal?: AbortSignal
  /** Safety margin added to every poll gap, from the interval; default `defaultPollMargin`. */
  readonly pollMargin?: (intervalMs: number) => number
  /**
   * Values never to show, such as the client secret and configured header values; given to the
   * scrubber (see `scrubber`).
   */
  readonly secrets?: readonly string[]
  /**
   * What every event and result passes through: default the dialect's own (`createDialect`
   * makes it), else a new one. Device codes and tokens are added as they arrive.
   */
  readonly scrubber?: Scrubber
  /**
   * A code already on screen before a restart: polled instead of requesting a new one (it is
   * reported as the `code` event). When it has expired meanwhile, renewal rules apply.
   */
  readonly resume?: DeviceAuthorization
  /** Randomness for back-off jitter, in [0, 1). Default: no jitter. */
  readonly random?: () => number
  /**
   * How long a code request that meets a network fault, a timeout, a 5xx, a 429 or an answer
   * that was not the provider's is tried again, ms, counted on the monotonic clock from the
   * first attempt (with capped exponential back-off, jitter and `Retry-After`; see
   * `codeRetryDelay`). A provider's own error (`invalid_client`, …) ends at once. Default 0:
   * one attempt.
   */
  readonly codeRetryMs?: number
  readonly onEvent?: (event: FlowEvent) => void
}

/** Upper bound on loop turns per code, far above what any valid code can need. */
function maxTurns(authorization: DeviceAuthorization): number {
  return 4 * Math.ceil(authorization.expires_in / Math.max(authorization.interval, 1)) + 100
}

/** The error as a `LinkscreenError`, scrubbed. */
function scrubbed(error: unknown, scrubber: Scrubber): LinkscreenError {
  return scrubber.error(isLinkscreenError(error) ? error : new LinkscreenError(ErrorCode.InvalidResponse, 'unexpected failure'))
}

/**
 * A flow event as it may leave the core: every text scrubbed (an error, a denial's description,
 * a host, a code's verification URIs and message, an account), but the user code, which is on
 * screen by design, and an `authorized` event's tokens, which are the point of it. Hosts that
 * print or publish events pass them through here too.
 */
export function scrubFlowEvent(event: FlowEvent, scrubber: Scrubber): FlowEvent {
  switch (event.type) {
    case 'code':
    case 'renewed': {
      const { device_code, user_code, ...shown } = event.authorization
      return { ...event, authorization: { ...scrubber.deep(shown), device_code, user_code } }
    }
    case 'authorized': {
      for (const token of [event.tokens.access_token, event.tokens.refresh_token, event.tokens.id_token]) scrubber.add(token)
      // The granted scope is shown (the account's labels, the CLI): the one text of a token set.
      const tokens = event.tokens.scope === undefined ? event.tokens : { ...event.tokens, scope: scrubber.text(event.tokens.scope) }
      return { ...event, tokens, ...(event.account === undefined ? {} : { account: scrubber.deep(event.account) }) }
    }
    case 'retrying':
      return { ...scrubber.deep({ ...event, error: undefined }), error: scrubbed(event.error, scrubber) }
    case 'error':
      return { type: 'error', error: scrubbed(event.error, scrubber) }
    case 'poll': {
      // The report and the numbers are the engine's own; the reason and a portal's host are scrubbed.
      const { result, nextPollInMs, interval, reason, host } = event
      return {
        type: 'poll',
        result,
        nextPollInMs,
        interval,
        ...(reason === undefined ? {} : { reason: scrubber.text(reason) as TransientReason }),
        ...(host === undefined ? {} : { host: scrubber.text(host) }),
      }
    }
    default:
      return scrubber.deep(event)
  }
}

/**
 * The code as it may be shown. The device code stays in main: a `verification_uri_complete`
 * that carries it (or any other known secret), in any encoding, is dropped (the screen shows
 * `verification_uri` and the user code) and `warning` says why; the provider's `message` is
 * scrubbed. A `verification_uri` or user code that carries the device code cannot be shown at
 * all: the answer is refused.
 */
function shownCode(authorization: DeviceAuthorization, scrubber: Scrubber, providerId: string): DeviceAuthorization {
  // The provider's scrubber holds the device code (see `runDeviceFlow`), so it finds whatever
  // this one would; this one, made only then, tells the device code from another secret.
  let only: Scrubber | undefined
  const deviceCode = (): Scrubber => (only ??= new Scrubber({ secrets: [authorization.device_code] }))
  const where = `${providerId}: device authorization response`
  const uriCarries = scrubber.contains(authorization.verification_uri)
  if ((uriCarries || scrubber.contains(authorization.user_code)) && (deviceCode().contains(authorization.verification_uri) || deviceCode().contains(authorization.user_code))) {
    throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: the ${deviceCode().contains(authorization.user_code) ? '"user_code"' : '"verification_uri"'} carries the device code, which must never be shown`)
  }
  if (uriCarries) {
    throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: the "verification_uri" carries a secret this app sent or received, so it cannot be shown`)
  }
  const { verification_uri_complete: complete, message, warning: _warning, ...rest } = authorization
  const withheld = complete !== undefined && scrubber.contains(complete)
  const cleanMessage = message === undefined ? undefined : scrubber.text(message)
  return {
    ...rest,
    ...(complete === undefined || withheld ? {} : { verification_uri_complete: complete }),
    ...(cleanMessage === undefined ? {} : { message: cleanMessage }),
    ...(withheld
      ? {
          warning: `${providerId}: the provider's complete sign-in link carries ${deviceCode().contains(complete) ? 'the device code' : 'a secret'}, so it is not shown, put in the QR code or opened; enter the code at ${authorization.verification_uri} instead`,
        }
      : {}),
  }
}

/** One poll; network faults become a `transient` outcome, everything else propagates. */
async function pollOnce(dialect: Dialect, authorization: DeviceAuthorization, signal?: AbortSignal): Promise<PollOutcome> {
  try {
    return await dialect.poll(authorization, signal)
  } catch (error) {
    if (isLinkscreenError(error) && (error.code === ErrorCode.Network || error.code === ErrorCode.Timeout)) {
      return { kind: 'transient', reason: error.code }
    }
    // A network answer met where the dialect does not judge answers itself (discovery).
    if (isLinkscreenError(error) && error.code === ErrorCode.NetworkAnswer && error.network !== undefined) {
      return {
        kind: 'transient',
        reason: error.network,
        network: error.network,
        ...(error.host === undefined ? {} : { host: error.host }),
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      }
    }
    throw error
  }
}

/** Why a transient poll outcome was transient, for the `poll` event. */
function transientReason(outcome: Extract<PollOutcome, { kind: 'transient' }>): TransientReason {
  if (outcome.network !== undefined) return outcome.network
  if (outcome.reason === ErrorCode.Timeout) return 'timeout'
  if (outcome.reason === ErrorCode.Network) return 'connection'
  return 'server_error'
}

/** Why a code request failed, when it is worth repeating; `undefined` when it is final. */
function retryReason(error: unknown): TransientReason | undefined {
  if (!isLinkscreenError(error)) return undefined
  switch (error.code) {
    case ErrorCode.Network:
      return 'connection'
    case ErrorCode.Timeout:
      return 'timeout'
    case ErrorCode.ServerError:
      return 'server_error'
    case ErrorCode.NetworkAnswer:
      return error.network ?? 'not_json'
    default:
      // A provider's own answer is final, except "too many requests" and "request timeout".
      if (error.status === 429) return 'rate_limited'
      if (error.status === 408) return 'timeout'
      if (error.status !== undefined && error.status >= 500 && error.status !== 511) return 'server_error'
      return undefined
  }
}

/**
 * Requests a code, trying again within `codeRetryMs` (see `FlowOptions`) while the failure is
 * the network's or a server's passing trouble. Throws the last failure.
 */
async function requestCodeRetrying(options: FlowOptions, emit: (event: FlowEvent) => void): Promise<DeviceAuthorization> {
  const { clock, dialect, signal } = options
  const budget = Math.max(0, options.codeRetryMs ?? 0)
  const started = clock.monotonic()
  for (let attempt = 1; ; attempt++) {
    try {
      return await dialect.requestCode(signal)
    } catch (error) {
      const reason = retryReason(error)
      if (reason === undefined || signal?.aborted || budget === 0) throw error
      const left = started + budget - clock.monotonic()
      const retryAfter = isLinkscreenError(error) ? error.retryAfterMs : undefined
      if (left <= 0 || (retryAfter !== undefined && retryAfter > left)) throw error
      const wait = Math.min(codeRetryDelay(attempt, options.random?.() ?? 0, retryAfter), left)
      const host = isLinkscreenError(error) && error.host !== undefined ? error.host : undefined
      emit({
        type: 'retrying',
        attempt: attempt + 1,
        retryInMs: wait,
        reason,
        ...(host === undefined ? {} : { host }),
        error: isLinkscreenError(error) ? error : new LinkscreenError(ErrorCode.InvalidResponse, 'unexpected failure'),
      })
      await clock.sleep(wait, signal)
    }
  }
}

type CodeEnd = { readonly status: 'expired' } | Exclude<FlowResult, { status: 'expired' | 'cancelled' }>

async function pollCode(options: FlowOptions, authorization: DeviceAuthorization, expiresInMs: number, emit: (event: FlowEvent) => void): Promise<CodeEnd> {
  const { clock, dialect, signal } = options
  const instant = (): Instant => ({ wall: clock.now(), mono: clock.monotonic() })
  let state: PollState = startPolling({ ...authorization, expiresInMs }, instant(), options.pollMargin?.(authorization.interval * 1000))
  for (let turn = 0, limit = maxTurns(authorization); turn < limit; turn++) {
    const next = waitBeforePoll(state, instant())
    if (next.kind === 'expired') return { status: 'expired' }
    if (next.kind === 'wait') {
      await clock.sleep(next.ms, signal)
      continue
    }
    const outcome = await pollOnce(dialect, authorization, signal)
    const now = instant()
    const decision = afterPoll(state, outcome, now, options.random?.() ?? 0)
    if (decision.kind === 'continue') {
      state = decision.state
      const why = outcome.kind === 'transient' ? transientReason(outcome) : undefined
      emit({
        type: 'poll',
        result: decision.report,
        nextPollInMs: Math.max(0, state.nextPollAt - now.mono),
        interval: state.intervalMs / 1000,
        ...(why === undefined ? {} : { reason: why }),
        ...(outcome.kind === 'transient' && outcome.host !== undefined ? { host: outcome.host } : {}),
      })
      continue
    }
    const end = decision.outcome
    switch (end.kind) {
      case 'authorized':
        return { status: 'authorized', tokens: end.tokens, ...(end.account === undefined ? {} : { account: end.account }) }
      case 'denied':
        return { status: 'denied', ...(end.description === undefined ? {} : { description: end.description }) }
      case 'expired':
        return { status: 'expired' }
      case 'error':
        return {
          status: 'error',
          error: new LinkscreenError(ErrorCode.OAuth, `${dialect.providerId}: token endpoint answered ${end.error}${end.description ? ` (${end.description})` : ''}`, {
            oauthError: end.error,
            ...(end.description === undefined ? {} : { description: end.description }),
          }),
        }
    }
  }
  return { status: 'error', error: new LinkscreenError(ErrorCode.InvalidResponse, `${dialect.providerId}: polling did not settle`) }
}

/**
 * Adds what the provider's profile endpoint says. The sign-in has already succeeded, so a
 * failure here, or a cancellation, only means less is known about the account.
 */
async function withAccount(dialect: Dialect, tokens: TokenSet, account: Account | undefined, signal?: AbortSignal): Promise<Account | undefined> {
  if (!dialect.fetchAccount || signal?.aborted) return account
  try {
    const fetched = await dialect.fetchAccount(tokens, signal)
    return fetched === undefined ? account : { ...account, ...fetched }
  } catch {
    return account
  }
}

/**
 * Runs one device flow to its end. Never throws: every ending, cancellation included, is a
 * `FlowResult`, and the same ending is emitted as the last event (except `cancelled`).
 */
export async function runDeviceFlow(options: FlowOptions): Promise<FlowResult> {
  const { dialect, signal } = options
  const scrubber = options.scrubber ?? dialect.scrubber ?? new Scrubber()
  for (const secret of options.secrets ?? []) scrubber.keep(secret)
  // Every event leaves through the one scrubber.
  const emit = (event: FlowEvent): void => options.onEvent?.(scrubFlowEvent(event, scrubber))
  const renewals = Math.max(0, Math.floor(options.renewals ?? 0))
  try {
    for (let renewal = 0; renewal <= renewals; renewal++) {
      const resumed = renewal === 0 && options.resume !== undefined
      const received = resumed && options.resume !== undefined ? options.resume : await requestCodeRetrying(options, emit)
      // The device code is in use until this code's polling ends: the scrubber keeps it all that time.
      scrubber.hold(received.device_code)
      const end = await pollReceived(received, resumed, renewal).finally(() => scrubber.release(received.device_code))
      if (end !== undefined) return end
    }
    emit({ type: 'expired' })
    return { status: 'expired' }
  } catch (error) {
    if (signal?.aborted || isAbortError(error)) return { status: 'cancelled' }
    const failure = scrubbed(error, scrubber)
    emit({ type: 'error', error: failure })
    return { status: 'error', error: failure }
  }

  /** Shows one received code and polls it to its end; `undefined` when it expired (and a renewal may follow). */
  async function pollReceived(received: DeviceAuthorization, resumed: boolean, renewal: number): Promise<FlowResult | undefined> {
    const authorization = shownCode(received, scrubber, dialect.providerId)
    // The lifetime from here on follows the monotonic clock: a fresh code has all of it; a code
    // kept over a restart has what its wall-clock deadline leaves (the one reading taken).
    const expiresInMs = resumed ? Math.max(0, authorization.expires_at - options.clock.now()) : authorization.expires_in * 1000
    emit(renewal === 0 ? { type: 'code', authorization, expiresInMs } : { type: 'renewed', authorization, renewal, expiresInMs })
    const end = await pollCode(options, authorization, expiresInMs, emit)
    if (end.status === 'expired') return undefined
    if (end.status === 'authorized') {
      const account = await withAccount(dialect, end.tokens, end.account, signal)
      const event = scrubFlowEvent({ type: 'authorized', tokens: end.tokens, ...(account === undefined ? {} : { account }) }, scrubber) as Extract<FlowEvent, { type: 'authorized' }>
      options.onEvent?.(event)
      return { status: 'authorized', tokens: event.tokens, ...(event.account === undefined ? {} : { account: event.account }) }
    }
    if (end.status === 'denied') {
      const description = end.description === undefined ? undefined : scrubber.text(end.description)
      emit({ type: 'denied', ...(description === undefined ? {} : { description }) })
      return { status: 'denied', ...(description === undefined ? {} : { description }) }
    }
    const error = scrubbed(end.error, scrubber)
    emit({ type: 'error', error })
    return { status: 'error', error }
  }
}
