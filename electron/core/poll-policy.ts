/**
 * The polling policy of RFC 8628 §3.5 as pure functions: `(state, outcome, times) -> next state`.
 * No clock, no I/O: the flow runner asks `waitBeforePoll` how long to sleep and feeds each
 * outcome to `afterPoll`.
 *
 * One timeline: gaps between polls and the code's lifetime are both measured on the monotonic
 * clock, from when polling started, so that no wall-clock step (a machine without a real-time
 * clock that gets its time from NTP after boot, forwards or backwards by hours) can make a poll
 * early, stall one, or end a code early or late. A machine that sleeps is the clock's business:
 * the app's wake clock (`adapters/wake-clock.ts`) adds the time suspended to its monotonic time,
 * so it wakes up knowing the code is gone; elsewhere the server's `expired_token` says so.
 *
 * Rules:
 * - a poll is never sent before `interval` has passed since the previous poll was *sent*; the
 *   next poll is in fact planned from when the previous *answer* arrived, so that even a
 *   server that received the previous request late (queued behind others) never sees two
 *   requests closer together than the interval;
 * - `authorization_pending` keeps the interval;
 * - `slow_down` adds 5 s, persistently, or adopts a larger interval the server sends;
 * - HTTP 429 waits for `Retry-After`, or is treated as `slow_down` when there is none;
 * - timeouts, connection errors and 5xx back off exponentially, but never so far that the
 *   last chance to poll before the code expires is missed;
 * - no wait ever runs past the code's expiry.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
import type { DeviceAuthorization, PollOutcome } from './types'

/** RFC 8628 §3.5: "the interval MUST be increased by 5 seconds for this and all subsequent requests". */
export const SLOW_DOWN_INCREMENT_MS = 5_000
/** The longest a network back-off waits between two polls. */
export const MAX_BACKOFF_MS = 5 * 60_000

/**
 * Extra time added to every gap. Servers measure the interval between the requests they
 * *receive*; a request that took a moment less to arrive than the previous one (a reused
 * connection after a fresh TLS handshake, say) would otherwise land early and earn a
 * persistent `slow_down`. 2.5 % of the interval, between 25 and 500 ms.
 */
export function defaultPollMargin(intervalMs: number): number {
  return Math.min(500, Math.max(25, Math.round(intervalMs * 0.025)))
}

export interface PollState {
  /** Current minimum gap between polls. */
  readonly intervalMs: number
  /** Deadline of the device code, monotonic clock. */
  readonly expiresAt: number
  /** Earliest time the next poll may be sent, monotonic clock. */
  readonly nextPollAt: number
  /** Consecutive network faults. */
  readonly failures: number
  /** Safety margin added to every gap (see `defaultPollMargin`). */
  readonly marginMs: number
  /** The margin was given by the caller: it stays as given when the interval grows. */
  readonly fixedMargin?: boolean
}

/** Readings of both clocks at one moment. */
export interface Instant {
  /** Wall clock, milliseconds since the epoch. */
  readonly wall: number
  /** Monotonic clock, milliseconds from any origin. */
  readonly mono: number
}

/** What the runner reports after a poll that did not end the flow. */
export type PollReport = 'pending' | 'slow_down' | 'network_error'

export type AfterPoll =
  | { readonly kind: 'continue'; readonly state: PollState; readonly report: PollReport }
  | { readonly kind: 'end'; readonly outcome: Extract<PollOutcome, { kind: 'authorized' | 'denied' | 'expired' | 'error' }> }

export type BeforePoll = { readonly kind: 'wait'; readonly ms: number } | { readonly kind: 'poll' } | { readonly kind: 'expired' }

/**
 * The state right after a code was received at `now`: the first poll waits one interval.
 * @param authorization `expiresInMs`, the code's remaining lifetime at `now`, when the caller
 *   measured it; else the wall-clock `expires_at` is read once, at `now`
 * @param marginMs added to every gap; defaults to `defaultPollMargin(interval)`
 */
export function startPolling(authorization: Pick<DeviceAuthorization, 'interval' | 'expires_at'> & { readonly expiresInMs?: number }, now: Instant, marginMs?: number): PollState {
  const intervalMs = authorization.interval * 1000
  const margin = marginMs ?? defaultPollMargin(intervalMs)
  const lifetime = authorization.expiresInMs ?? authorization.expires_at - now.wall
  return { intervalMs, expiresAt: now.mono + lifetime, nextPollAt: now.mono + intervalMs + margin, failures: 0, marginMs: margin, fixedMargin: marginMs !== undefined }
}

/** What to do at `now`: poll, give up because the code expired, or wait (never past expiry). */
export function waitBeforePoll(state: PollState, now: Instant): BeforePoll {
  if (now.mono >= state.expiresAt) return { kind: 'expired' }
  if (now.mono >= state.nextPollAt) return { kind: 'poll' }
  return { kind: 'wait', ms: Math.min(state.nextPollAt - now.mono, state.expiresAt - now.mono) }
}

/** The next poll `gapMs` (plus the margin) after the answer to the previous one arrived. */
function schedule(state: PollState, answeredAt: Instant, gapMs: number, patch: Partial<PollState>): PollState {
  const next = { ...state, ...patch }
  // The default margin follows the interval (a slow_down to 10 s gets 250 ms, not 5 s's 125 ms).
  const marginMs = next.fixedMargin ? next.marginMs : defaultPollMargin(next.intervalMs)
  return { ...next, marginMs, nextPollAt: answeredAt.mono + gapMs + marginMs }
}

/**
 * The state after one poll whose answer, read at `now`, was `outcome`.
 * @param jitter a number in [0, 1) that spreads network back-offs (never shortens them).
 */
export function afterPoll(state: PollState, outcome: PollOutcome, now: Instant, jitter = 0): AfterPoll {
  switch (outcome.kind) {
    case 'authorized':
    case 'denied':
    case 'expired':
    case 'error':
      return { kind: 'end', outcome }
    case 'pending':
      return { kind: 'continue', report: 'pending', state: schedule(state, now, state.intervalMs, { failures: 0 }) }
    case 'slow_down': {
      const intervalMs = Math.max(state.intervalMs + SLOW_DOWN_INCREMENT_MS, (outcome.interval ?? 0) * 1000)
      return { kind: 'continue', report: 'slow_down', state: schedule(state, now, intervalMs, { intervalMs, failures: 0 }) }
    }
    case 'rate_limited': {
      if (outcome.retryAfterMs === undefined) {
        const intervalMs = state.intervalMs + SLOW_DOWN_INCREMENT_MS
        return { kind: 'continue', report: 'slow_down', state: schedule(state, now, intervalMs, { intervalMs, failures: 0 }) }
      }
      const gap = Math.max(state.intervalMs, outcome.retryAfterMs)
      return { kind: 'continue', report: 'slow_down', state: schedule(state, now, gap, { failures: 0 }) }
    }
    case 'transient': {
      const failures = state.failures + 1
      const exponential = Math.min(state.intervalMs * 2 ** failures, MAX_BACKOFF_MS)
      // Never back off past the last chance to poll before the code expires.
      const lastChance = state.expiresAt - state.intervalMs - now.mono
      let gap = Math.max(state.intervalMs, Math.min(Math.round(exponential * (1 + 0.1 * jitter)), lastChance))
      if (outcome.retryAfterMs !== undefined) gap = Math.max(gap, outcome.retryAfterMs)
      return { kind: 'continue', report: 'network_error', state: schedule(state, now, gap, { failures }) }
    }
    default: {
      const unreachable: never = outcome
      return unreachable
    }
  }
}

/** The first wait before a failed code request is sent again. */
export const CODE_RETRY_BASE_MS = 1_000
/** The longest wait between two code requests. */
export const CODE_RETRY_MAX_MS = 30_000

/**
 * The wait before code request number `attempt + 1`, after `attempt` failed: exponential from
 * `CODE_RETRY_BASE_MS`, capped at `CODE_RETRY_MAX_MS`, spread by `jitter` in [0, 1) over its
 * upper half (so that screens that lost the network together do not come back in step), and
 * never shorter than the server's `Retry-After`.
 */
export function codeRetryDelay(attempt: number, jitter: number, retryAfterMs?: number): number {
  const exponential = Math.min(CODE_RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1), CODE_RETRY_MAX_MS)
  const spread = Math.round(exponential / 2 + (exponential / 2) * Math.min(Math.max(jitter, 0), 1))
  return Math.max(spread, retryAfterMs ?? 0)
}
