/**
 * A scripted OAuth server as a fake `fetch`: each token poll takes the next scripted answer and
 * its send time is recorded, so tests can check every gap between polls.
 */
import type { FakeClock } from './fake-clock'

export type Answer = Response | (() => Response | Promise<Response>) | 'network'

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

export const oauthError = (error: string, extra: Record<string, unknown> = {}, status = 400): Response =>
  json(status, { error, ...extra })

export const DEVICE_ENDPOINT = 'https://as.example/device_authorization'
export const TOKEN_ENDPOINT = 'https://as.example/token'

export function deviceResponse(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    device_code: 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS',
    user_code: 'WDJB-MJHT',
    verification_uri: 'https://as.example/device',
    verification_uri_complete: 'https://as.example/device?user_code=WDJB-MJHT',
    expires_in: 1800,
    interval: 5,
    ...overrides,
  }
}

export function tokenResponse(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { access_token: 'at-SECRET-123456', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-SECRET-654321', scope: 'read', ...overrides }
}

export class ScriptedServer {
  /** When each poll arrived, on the monotonic clock (the server's view of elapsed time). */
  readonly pollTimes: number[] = []
  readonly codeRequests: { body: string; time: number }[] = []
  readonly requests: { url: string; init: RequestInit }[] = []
  private codes: (() => Response)[]

  constructor(
    private readonly clock: FakeClock,
    private readonly polls: Answer[],
    codes: (Record<string, unknown> | Response)[] = [deviceResponse()],
  ) {
    this.codes = codes.map((c) => () => (c instanceof Response ? c : json(200, c)))
  }

  readonly fetch = async (input: string, init: RequestInit): Promise<Response> => {
    this.requests.push({ url: input, init })
    if (input === DEVICE_ENDPOINT) {
      this.codeRequests.push({ body: String(init.body), time: this.clock.monotonic() })
      const next = this.codes.length > 1 ? this.codes.shift() : this.codes[0]
      if (!next) throw new Error('no device response scripted')
      return next()
    }
    if (input === TOKEN_ENDPOINT) {
      this.pollTimes.push(this.clock.monotonic())
      const answer = this.polls.shift()
      if (answer === undefined) throw new Error(`unscripted poll #${this.pollTimes.length}`)
      if (answer === 'network') throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })
      return typeof answer === 'function' ? answer() : answer
    }
    return new Response('not found', { status: 404 })
  }

  /** Gaps between consecutive polls, in ms; the first is measured from the first code. */
  gaps(): number[] {
    const start = this.codeRequests[0]?.time ?? 0
    return this.pollTimes.map((t, i) => t - (i === 0 ? start : (this.pollTimes[i - 1] as number)))
  }
}
