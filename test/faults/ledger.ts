/**
 * The server's side of the poll pace, as RFC 8628 §3.5 asks of a client: for every device code,
 * when each token request ARRIVED and what it was answered, and from that whether any request
 * arrived sooner than the interval in force allowed.
 *
 * The interval in force is the one the server last told this client:
 * - the advertised `interval` of the device authorization response (5 s when absent);
 * - `slow_down`: "the interval MUST be increased by 5 seconds for this and all subsequent
 *   requests"; a `slow_down` that names an `interval` raises it to that when it is larger;
 * - HTTP 429 with `Retry-After`: the next request waits at least that long (once);
 * - anything else (pending, 5xx, reset, timeout, garbage) keeps it.
 * The gap is measured from the previous request's arrival (from the code's issue for the first
 * one), on one monotonic clock. No tolerance: the client's documented safety margin
 * (`defaultPollMargin`, 25–500 ms) is what absorbs jitter, on the client's side.
 */

/** What the server answered to one token request, as far as the pace is concerned. */
export type PaceAnswer =
  | { readonly kind: 'pending' }
  | { readonly kind: 'slow_down'; readonly interval?: number }
  | { readonly kind: 'retry_after'; readonly ms: number }
  /** 5xx, a reset, a timeout, a page: the interval is kept. */
  | { readonly kind: 'transient' }
  /** A token, a denial, an expiry, an OAuth error: the code is done; no further request is due. */
  | { readonly kind: 'final' }

export interface EarlyPoll {
  readonly deviceCode: string
  /** 1-based index of the request among this code's token requests. */
  readonly index: number
  readonly gapMs: number
  readonly requiredMs: number
}

interface PollRecord {
  readonly at: number
  answer?: PaceAnswer
}

interface CodeRecord {
  readonly deviceCode: string
  readonly issuedAt: number
  /** The interval in force, ms. */
  intervalMs: number
  readonly polls: PollRecord[]
}

/** A handle on one token request, to record its answer with. */
export interface PollHandle {
  answer(answer: PaceAnswer): void
}

const NO_OP: PollHandle = { answer: () => undefined }

export class PollLedger {
  private readonly codes = new Map<string, CodeRecord>()
  /** Requests that arrived sooner than the interval in force allowed. */
  readonly early: EarlyPoll[] = []
  /** Requests for a code after it had a final answer. */
  readonly afterFinal: { deviceCode: string; index: number }[] = []
  /** Token requests for a code this ledger never saw issued. */
  unknownCodes = 0

  /** A device code was handed out at `at` with this `interval` (seconds; 5 when absent). */
  issued(deviceCode: string, intervalSeconds: number | undefined, at: number): void {
    this.codes.set(deviceCode, { deviceCode, issuedAt: at, intervalMs: (intervalSeconds ?? 5) * 1000, polls: [] })
  }

  /** A token request for `deviceCode` arrived at `at`; answer it through the handle. */
  arrived(deviceCode: string | undefined, at: number): PollHandle {
    const code = deviceCode === undefined ? undefined : this.codes.get(deviceCode)
    if (!code) {
      this.unknownCodes += 1
      return NO_OP
    }
    const previous = code.polls.at(-1)
    const index = code.polls.length + 1
    if (previous?.answer?.kind === 'final') this.afterFinal.push({ deviceCode: code.deviceCode, index })
    const since = previous?.at ?? code.issuedAt
    const required = previous?.answer?.kind === 'retry_after' ? Math.max(code.intervalMs, previous.answer.ms) : code.intervalMs
    const gapMs = at - since
    if (gapMs < required) this.early.push({ deviceCode: code.deviceCode, index, gapMs, requiredMs: required })
    const record: PollRecord = { at }
    code.polls.push(record)
    return {
      answer: (answer) => {
        if (record.answer !== undefined) return
        record.answer = answer
        if (answer.kind === 'slow_down') code.intervalMs = Math.max(code.intervalMs + 5000, (answer.interval ?? 0) * 1000)
      },
    }
  }

  /** Token requests received for `deviceCode`. */
  pollsOf(deviceCode: string): readonly { at: number; answer?: PaceAnswer }[] {
    return this.codes.get(deviceCode)?.polls ?? []
  }

  /** Gaps between consecutive requests of `deviceCode` (the first from the issue), ms. */
  gapsOf(deviceCode: string): number[] {
    const code = this.codes.get(deviceCode)
    if (!code) return []
    return code.polls.map((p, i) => p.at - (i === 0 ? code.issuedAt : (code.polls[i - 1] as PollRecord).at))
  }

  /** The interval in force for `deviceCode` now, ms. */
  intervalOf(deviceCode: string): number | undefined {
    return this.codes.get(deviceCode)?.intervalMs
  }

  get issuedCodes(): readonly string[] {
    return [...this.codes.keys()]
  }

  get totalPolls(): number {
    let n = 0
    for (const code of this.codes.values()) n += code.polls.length
    return n
  }
}

/** RFC 8628 / RFC 6749 JSON answer of a token endpoint → its effect on the pace. */
export function paceOfJson(status: number, body: unknown, retryAfter: string | null): PaceAnswer {
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined
  if (status === 429) return seconds === undefined ? { kind: 'slow_down' } : { kind: 'retry_after', ms: seconds * 1000 }
  // README: 5xx back off, "with `Retry-After` honoured".
  if (status === 408 || status >= 500) return seconds === undefined ? { kind: 'transient' } : { kind: 'retry_after', ms: seconds * 1000 }
  const record = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined
  const error = record?.['error']
  if (error === 'authorization_pending') return { kind: 'pending' }
  if (error === 'slow_down') {
    const raw = record?.['interval']
    const interval = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined
    return interval === undefined ? { kind: 'slow_down' } : { kind: 'slow_down', interval }
  }
  if (typeof error === 'string' || (status === 200 && record !== undefined)) return { kind: 'final' }
  // Not an OAuth answer at all (a page, garbage): nothing the client can act on but retry or stop.
  return { kind: 'transient' }
}
