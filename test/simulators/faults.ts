/**
 * Fault injection shared by the provider simulators: a queue of faults that replace the normal
 * answer of the next device-code or token requests, and a fixed delay before every response.
 */
import type { ServerResponse } from 'node:http'

/** A way for a simulator to misbehave instead of giving its normal answer. */
export type FaultKind = 'http500' | 'http503' | 'reset' | 'html' | 'huge' | 'stall' | 'slow_down'

/** The fault controls every simulator exposes as `sim.faults`. */
export interface Faults {
  /** Added before every response (ms). Default 0. */
  delayMs: number
  /** The next `count` (default 1) requests to the device-code or token endpoints get this fault instead of the normal answer:
   *  http500/http503: that status with a small HTML body; reset: destroy the socket without answering; html: 200 text/html page;
   *  huge: 200 application/json body of 2 MiB; stall: write headers + half a JSON body then never finish (until close());
   *  slow_down: the provider's own documented slow-down answer (each simulator decides what that is).
   *  A queued `slow_down` is only taken by a token request: device-code requests pass it by and get their normal answer. */
  queue(kind: FaultKind, count?: number): void
}

/** Which fault-eligible endpoint a request targets. */
export type FaultTarget = 'code' | 'token'

const KINDS: readonly FaultKind[] = ['http500', 'http503', 'reset', 'html', 'huge', 'stall', 'slow_down']
/** Upper bound on queued faults, so a typo cannot make a simulator misbehave forever. */
const MAX_QUEUED = 1000
/** Size of the `huge` body: 2 MiB. */
export const HUGE_BYTES = 2 * 1024 * 1024

/** The queue behind {@link Faults}; the simulator server takes from it. */
export class FaultQueue implements Faults {
  delayMs = 0
  private readonly pending: FaultKind[] = []

  queue(kind: FaultKind, count = 1): void {
    if (!KINDS.includes(kind)) throw new Error(`unknown fault kind ${String(kind)}`)
    if (!Number.isInteger(count) || count < 1 || this.pending.length + count > MAX_QUEUED) {
      throw new Error(`fault count must be an integer from 1 to ${MAX_QUEUED - this.pending.length}, got ${count}`)
    }
    for (let i = 0; i < count; i++) this.pending.push(kind)
  }

  /** The fault the next request to `target` must get, if any (removed from the queue). */
  take(target: FaultTarget): FaultKind | undefined {
    const head = this.pending[0]
    if (head === undefined || (head === 'slow_down' && target === 'code')) return undefined
    return this.pending.shift()
  }
}

const page = (title: string, text: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`

/** A JSON document of exactly {@link HUGE_BYTES} bytes. */
function hugeJson(): Buffer {
  const prefix = '{"padding":"'
  const suffix = '"}'
  return Buffer.from(prefix + 'x'.repeat(HUGE_BYTES - prefix.length - suffix.length) + suffix)
}

/**
 * Answers `res` with a transport-level fault (every kind but `slow_down`, which the simulator
 * answers itself). `stall` leaves the response open: only closing the socket ends it.
 */
export function writeFault(kind: Exclude<FaultKind, 'slow_down'>, res: ServerResponse): void {
  switch (kind) {
    case 'http500':
    case 'http503': {
      const status = kind === 'http500' ? 500 : 503
      const title = status === 500 ? '500 Internal Server Error' : '503 Service Unavailable'
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(page(title, 'Please try again later.'))
      return
    }
    case 'reset':
      res.socket?.resetAndDestroy()
      return
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('Sign in', 'You need to sign in to continue.'))
      return
    case 'huge': {
      const body = hugeJson()
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body)
      return
    }
    case 'stall': {
      const body = Buffer.from(JSON.stringify({ access_token: 'stalled-token-never-complete', token_type: 'Bearer', expires_in: 3600 }))
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
      res.write(body.subarray(0, Math.floor(body.length / 2)))
      return
    }
  }
}
