/**
 * System sleep: after a resume the flow polls as soon as the interval has really passed (the
 * time asleep counts), a code that expired meanwhile is renewed, and a resume that follows no
 * real sleep never makes a poll early.
 */
import { describe, expect, it } from 'vitest'
import { createWakeClock, type WakeClock } from '../../../electron/adapters/wake-clock'
import { runDeviceFlow } from '../../../electron/core/flow'
import type { DeviceAuthorization, Dialect } from '../../../electron/core/types'
import { FakeClock } from '../../helpers/fake-clock'

interface Run {
  /** Base (never-suspended) monotonic time of each poll. */
  readonly polls: number[]
  readonly codes: number
}

/** A flow of `polls` pending answers then success; `onFirstPoll` runs while the next wait sleeps. */
async function run(base: FakeClock, clock: WakeClock, expiresIn: number, onFirstPoll: () => void): Promise<Run> {
  const polls: number[] = []
  let codes = 0
  const dialect: Dialect = {
    providerId: 'test',
    async requestCode(): Promise<DeviceAuthorization> {
      codes += 1
      return { device_code: `dc-${codes}`, user_code: 'ABCD-EFGH', verification_uri: 'https://example.test/device', expires_in: expiresIn, interval: 5, expires_at: clock.now() + expiresIn * 1000 }
    },
    async poll() {
      polls.push(base.monotonic())
      if (polls.length === 1) setImmediate(onFirstPoll)
      return polls.length < 3 ? { kind: 'pending' } : { kind: 'authorized', tokens: { access_token: 'at', token_type: 'Bearer', extra: {} } }
    },
  }
  const result = await base.run(runDeviceFlow({ dialect, clock, renewals: 1, pollMargin: () => 0 }))
  expect(result.status).toBe('authorized')
  return { polls, codes }
}

describe('the wake clock', () => {
  it('polls at once after a resume when the machine slept past the interval', async () => {
    const base = new FakeClock()
    const clock = createWakeClock(base)
    const { polls } = await run(base, clock, 600, () => {
      clock.suspended()
      base.jump(120_000)
      clock.resumed()
    })
    // Poll 2 follows poll 1 without waiting out the 5 s (the machine was asleep 2 minutes).
    expect((polls[1] ?? 0) - (polls[0] ?? 0)).toBeLessThan(1000)
    // After that, the interval applies as usual.
    expect((polls[2] ?? 0) - (polls[1] ?? 0)).toBeGreaterThanOrEqual(5000)
  })

  it('never polls early after a resume without real sleep', async () => {
    const base = new FakeClock()
    const clock = createWakeClock(base)
    const { polls } = await run(base, clock, 600, () => clock.resumed())
    expect((polls[1] ?? 0) - (polls[0] ?? 0)).toBeGreaterThanOrEqual(5000)
  })

  it('does not count sleep twice when the monotonic clock already counted it', async () => {
    const base = new FakeClock()
    const clock = createWakeClock(base)
    // Suspend and resume with no wall-clock jump: nothing was missed.
    const { polls } = await run(base, clock, 600, () => {
      clock.suspended()
      clock.resumed()
    })
    expect((polls[1] ?? 0) - (polls[0] ?? 0)).toBeGreaterThanOrEqual(5000)
  })

  it('renews a code that expired while the machine slept', async () => {
    const base = new FakeClock()
    const clock = createWakeClock(base)
    const { codes } = await run(base, clock, 60, () => {
      clock.suspended()
      base.jump(300_000)
      clock.resumed()
    })
    expect(codes).toBe(2)
  })

  it('passes a caller abort on', async () => {
    const base = new FakeClock()
    const clock = createWakeClock(base)
    const controller = new AbortController()
    const sleeping = clock.sleep(10_000, controller.signal)
    controller.abort()
    await expect(sleeping).rejects.toThrow()
  })
})
