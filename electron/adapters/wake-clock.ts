/**
 * A clock that knows about system sleep. While a machine is suspended the monotonic clock
 * stops on Linux and macOS, so a flow asleep in `sleep(5000)` would, after resuming, wait out
 * the rest of its interval although minutes have passed, while its code may have expired.
 *
 * `suspended()` then `resumed()` add the time spent suspended, as the wall clock saw it, to the
 * monotonic clock (as Linux's `CLOCK_BOOTTIME` would), minus whatever the monotonic clock
 * counted itself (Windows' may count sleep), and end every pending `sleep` early. The flow then re-checks its
 * schedule: it polls at once when the interval has really passed, renews or reports an
 * expired code, and waits out the remainder otherwise. Nothing ever polls early.
 */
import type { Clock } from '../core/types'

export interface WakeClock extends Clock {
  /** The machine is going to sleep. */
  suspended(): void
  /** The machine woke up (with or without a `suspended()` before). */
  resumed(): void
}

export function createWakeClock(base: Clock): WakeClock {
  let suspended = 0
  let since: { wall: number; mono: number } | undefined
  const sleepers = new Set<AbortController>()
  return {
    now: () => base.now(),
    monotonic: () => base.monotonic() + suspended,
    async sleep(ms, signal) {
      const controller = new AbortController()
      const onAbort = (): void => controller.abort(signal?.reason)
      if (signal?.aborted) onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      sleepers.add(controller)
      try {
        await base.sleep(ms, controller.signal)
      } catch (error) {
        // Woken by `resumed`: return early; aborted by the caller: pass the abort on.
        if (signal?.aborted) throw error
        if (!controller.signal.aborted) throw error
      } finally {
        sleepers.delete(controller)
        signal?.removeEventListener('abort', onAbort)
      }
    },
    suspended() {
      since = { wall: base.now(), mono: base.monotonic() }
    },
    resumed() {
      if (since !== undefined) {
        const missed = base.now() - since.wall - (base.monotonic() - since.mono)
        if (Number.isFinite(missed) && missed > 0) suspended += missed
        since = undefined
      }
      for (const sleeper of sleepers) sleeper.abort()
    },
  }
}
