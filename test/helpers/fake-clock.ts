/**
 * A virtual clock for tests: `sleep` waits on virtual monotonic time, and `run` drives a
 * promise to completion by jumping to the next timer whenever everything else is idle.
 * The wall clock follows monotonic time plus an offset that `jump` and `setWallClock` move
 * (a suspended machine, or a clock that is set), without firing timers.
 */
import type { Clock } from '../../electron/core/types'

interface Timer {
  at: number
  resolve: () => void
}

export class FakeClock implements Clock {
  private mono = 0
  private offset: number
  private timers: Timer[] = []

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.offset = start
  }

  now(): number {
    return this.mono + this.offset
  }

  monotonic(): number {
    return this.mono
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new DOMException('Aborted', 'AbortError'))
      const timer: Timer = {
        at: this.mono + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
      }
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer)
        reject(new DOMException('Aborted', 'AbortError'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.timers.push(timer)
    })
  }

  /** Moves the wall clock by `ms` without firing timers (a machine that slept, or an NTP step). */
  jump(ms: number): void {
    this.offset += ms
  }

  /** Sets the wall clock; monotonic time and pending timers are unaffected. */
  setWallClock(ms: number): void {
    this.offset = ms - this.mono
  }

  get pendingTimers(): number {
    return this.timers.length
  }

  /** Runs `promise` to completion, advancing virtual time when idle. Bounded. */
  async run<T>(promise: Promise<T>, maxSteps = 100_000): Promise<T> {
    let settled = false
    const done = promise.finally(() => {
      settled = true
    })
    // A rejection is the caller's to see once `run` returns; meanwhile it is not "unhandled".
    done.catch(() => undefined)
    for (let step = 0; step < maxSteps && !settled; step++) {
      for (let i = 0; i < 5 && !settled; i++) await new Promise((r) => setImmediate(r))
      if (settled) break
      if (this.timers.length === 0) continue
      this.timers.sort((a, b) => a.at - b.at)
      const next = this.timers.shift() as Timer
      this.mono = Math.max(this.mono, next.at)
      next.resolve()
    }
    if (!settled) throw new Error('FakeClock.run: promise did not settle within the step limit')
    return done
  }
}
