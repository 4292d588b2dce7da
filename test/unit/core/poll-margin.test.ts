/** The default safety margin follows the interval in force, also after slow_down raises it. */
import { describe, expect, it } from 'vitest'
import { afterPoll, defaultPollMargin, startPolling, type PollState } from '../../../electron/core/poll-policy'

const at = (mono: number) => ({ wall: 1_000_000 + mono, mono })

function next(state: PollState, kind: 'pending' | 'slow_down', mono: number): PollState {
  const decision = afterPoll(state, { kind }, at(mono))
  if (decision.kind !== 'continue') throw new Error('ended')
  return decision.state
}

describe('the poll margin', () => {
  it('is 2.5 % of the interval, 25 to 500 ms', () => {
    expect(defaultPollMargin(5000)).toBe(125)
    expect(defaultPollMargin(500)).toBe(25)
    expect(defaultPollMargin(60_000)).toBe(500)
  })

  it('grows with the interval after slow_down', () => {
    let state = startPolling({ interval: 5, expires_at: 10_000_000 }, at(0))
    expect(state.nextPollAt).toBe(5125)
    state = next(state, 'slow_down', 5200)
    expect(state.intervalMs).toBe(10_000)
    expect(state.nextPollAt).toBe(5200 + 10_000 + 250)
    state = next(state, 'slow_down', 20_000)
    expect(state.nextPollAt).toBe(20_000 + 15_000 + 375)
  })

  it('stays as given when the caller fixed it', () => {
    let state = startPolling({ interval: 5, expires_at: 10_000_000 }, at(0), 0)
    state = next(state, 'slow_down', 5000)
    expect(state.nextPollAt).toBe(15_000)
  })
})
