/**
 * An RFC 8628 authorization server as a `fetch`, living on a `FakeClock`: for the faults that
 * are about time (a 30 s timeout, a code that expires while a poll is in flight, a machine that
 * sleeps, a clock that is set back, long back-offs), which real sockets would make slow.
 *
 * The server keeps its own time, `serverNow()`: the fake monotonic clock plus whatever the
 * machine slept (`machineSleeps`), but NOT a wall clock that is merely set (`clock.setWallClock`).
 * It is strict: a poll sooner than the interval in force gets `slow_down` and raises it by 5 s.
 * Every token request is logged in a `PollLedger` on that time.
 */
import { createOAuth2Dialect } from '../../electron/core/dialects/oauth2'
import { createHttp } from '../../electron/core/http'
import type { Dialect, FetchLike } from '../../electron/core/types'
import type { FakeClock } from '../helpers/fake-clock'
import type { WakeClock } from '../../electron/adapters/wake-clock'
import { PollLedger, paceOfJson } from './ledger'

export const VP_DEVICE = 'https://vp.example/device_authorization'
export const VP_TOKEN = 'https://vp.example/token'

export interface VirtualCode {
  readonly deviceCode: string
  readonly userCode: string
  readonly issuedAt: number
  readonly expiresAt: number
  intervalMs: number
  lastPollAt: number | undefined
  state: 'pending' | 'approved' | 'denied' | 'redeemed'
  polls: number
}

export interface PollContext {
  /** 1-based index of this token request for its code. */
  readonly index: number
  readonly code: VirtualCode
  readonly signal: AbortSignal | undefined
  /** The answer the server would give right now (call it later for a late answer). */
  readonly normal: () => Response
}

/** A scripted answer: a response, a late one, `hang` (never answers), or `undefined` for the normal one. */
export type PollScript = (ctx: PollContext) => Response | Promise<Response> | 'hang' | undefined

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } })

/** A request that is never answered: it only ends when its signal aborts, as `fetch` does. */
function hang(signal: AbortSignal | undefined): Promise<Response> {
  return new Promise<Response>((_resolve, reject) => {
    const abort = (): void => reject(new DOMException('This operation was aborted', 'AbortError'))
    if (signal?.aborted) abort()
    else signal?.addEventListener('abort', abort, { once: true })
  })
}

export class VirtualProvider {
  readonly ledger = new PollLedger()
  readonly codes: VirtualCode[] = []
  onPoll: PollScript | undefined
  /** Device-code requests get no answer at all (until the client gives up). */
  hangCodeRequests = false
  private serverOffset = 0
  private issued = 0

  constructor(
    readonly clock: FakeClock,
    readonly options: { readonly interval: number; readonly expiresIn: number },
  ) {}

  /** The server's own time, ms (monotonic, and it lives on while the client's machine sleeps). */
  serverNow(): number {
    return this.clock.monotonic() + this.serverOffset
  }

  /**
   * The client's app clock (a wake clock over `clock`, as the app's): told of the sleep by
   * `machineSleeps`, as Electron's power monitor tells the app's.
   */
  wake: WakeClock | undefined

  /**
   * The client's machine slept `ms`: its wall clock and the server's time move on; its monotonic
   * clock does not, but the app's wake clock (`wake`) adds the time suspended to its own.
   */
  machineSleeps(ms: number): void {
    this.wake?.suspended()
    this.clock.jump(ms)
    this.serverOffset += ms
    this.wake?.resumed()
  }

  approve(code: VirtualCode | undefined = this.codes.at(-1)): void {
    if (code && code.state === 'pending') code.state = 'approved'
  }

  deny(code: VirtualCode | undefined = this.codes.at(-1)): void {
    if (code && code.state === 'pending') code.state = 'denied'
  }

  /**
   * `slow_down`, with a new `interval` when given (a number, or a string as some servers send):
   * from now on the server wants max(interval + 5 s, the new one), as RFC 8628 §3.5 has the
   * client do.
   */
  slowDown(code: VirtualCode, interval?: number | string): Response {
    code.intervalMs = Math.max(code.intervalMs + 5000, Number(interval ?? 0) * 1000)
    return jsonResponse(400, { error: 'slow_down', ...(interval === undefined ? {} : { interval }) })
  }

  /** What a strict RFC 8628 server answers to a poll of `code` now (`slow_down` by the gap to its previous poll). */
  private answer(code: VirtualCode | undefined, tooFast: boolean): Response {
    if (!code) return jsonResponse(400, { error: 'invalid_grant' })
    if (this.serverNow() >= code.expiresAt) return jsonResponse(400, { error: 'expired_token' })
    if (code.state === 'redeemed') return jsonResponse(400, { error: 'invalid_grant' })
    if (code.state === 'denied') return jsonResponse(400, { error: 'access_denied' })
    if (tooFast) {
      code.intervalMs += 5000
      return jsonResponse(400, { error: 'slow_down' })
    }
    if (code.state === 'approved') {
      code.state = 'redeemed'
      return jsonResponse(200, { access_token: `at-${code.deviceCode}`, token_type: 'Bearer', expires_in: 3600 })
    }
    return jsonResponse(400, { error: 'authorization_pending' })
  }

  readonly fetch: FetchLike = async (input, init) => {
    if (input === VP_DEVICE) {
      if (this.hangCodeRequests) return hang(init.signal ?? undefined)
      this.issued += 1
      const now = this.serverNow()
      const code: VirtualCode = {
        deviceCode: `vp-device-code-${this.issued}-${Math.random().toString(36).slice(2)}`,
        userCode: `VPVP-${String(this.issued).padStart(4, '0')}`,
        issuedAt: now,
        expiresAt: now + this.options.expiresIn * 1000,
        intervalMs: this.options.interval * 1000,
        lastPollAt: undefined,
        state: 'pending',
        polls: 0,
      }
      this.codes.push(code)
      this.ledger.issued(code.deviceCode, this.options.interval, now)
      return jsonResponse(200, {
        device_code: code.deviceCode,
        user_code: code.userCode,
        verification_uri: 'https://vp.example/device',
        expires_in: this.options.expiresIn,
        interval: this.options.interval,
      })
    }
    if (input !== VP_TOKEN) return new Response('not found', { status: 404 })
    const deviceCode = new URLSearchParams(String(init.body)).get('device_code') ?? undefined
    const code = this.codes.find((c) => c.deviceCode === deviceCode)
    const now = this.serverNow()
    const handle = this.ledger.arrived(deviceCode, now)
    let tooFast = false
    if (code) {
      code.polls += 1
      tooFast = code.lastPollAt !== undefined && now - code.lastPollAt < code.intervalMs
      code.lastPollAt = now
    }
    const signal = init.signal ?? undefined
    const scripted = code ? this.onPoll?.({ index: code.polls, code, signal, normal: () => this.answer(code, tooFast) }) : undefined
    if (scripted === 'hang') return hang(signal)
    const response = await (scripted ?? this.answer(code, tooFast))
    const body: unknown = await response.clone().json().catch(() => undefined)
    handle.answer(paceOfJson(response.status, body, response.headers.get('retry-after')))
    return response
  }

  /** The `oauth2` dialect against this server, through the core's HTTP layer (30 s timeout on the fake clock). */
  dialect(timeoutMs?: number): Dialect {
    const http = createHttp({ fetch: this.fetch, clock: this.clock, ...(timeoutMs === undefined ? {} : { timeoutMs }) })
    return createOAuth2Dialect({ id: 'virtual', clientId: 'tv', endpoints: { deviceAuthorization: VP_DEVICE, token: VP_TOKEN } }, { http, clock: this.clock })
  }
}
