/**
 * The machine's network as the main process can tell, for `FlowService` (its `connectivity`):
 * Electron's `net.isOnline()` (docs/api/net.md). The main process gets no `online` event (only
 * a renderer's `window` does, docs/tutorial/online-offline-events.md, which advises
 * `net.isOnline()` in the main process instead), so while someone waits for the network this
 * asks `net.isOnline()` every few seconds, and stops asking when no one waits.
 *
 * `false` is a strong sign of no network; `true` is not a promise that a provider is reachable
 * (a captive portal is "online"): the flow's own retries cover the rest.
 */
import type { Connectivity } from '../services/flow-service'

/** How often `net.isOnline()` is asked while someone waits for the network. */
export const ONLINE_CHECK_MS = 3_000

export interface NetConnectivityOptions {
  /** Runs `tick` every `ms` until the returned function is called; default `setInterval` (unref'd). */
  readonly every?: (ms: number, tick: () => void) => () => void
  readonly intervalMs?: number
}

const defaultEvery = (ms: number, tick: () => void): (() => void) => {
  const timer = setInterval(tick, ms)
  timer.unref?.()
  return () => clearInterval(timer)
}

export function createNetConnectivity(net: { isOnline(): boolean }, options: NetConnectivityOptions = {}): Connectivity {
  const listeners = new Set<() => void>()
  const every = options.every ?? defaultEvery
  let stop: (() => void) | undefined
  let last = net.isOnline()
  const tick = (): void => {
    const now = net.isOnline()
    if (now === last) return
    last = now
    for (const listener of [...listeners]) listener()
  }
  return {
    online: () => (last = net.isOnline()),
    onChange(listener) {
      listeners.add(listener)
      stop ??= every(options.intervalMs ?? ONLINE_CHECK_MS, tick)
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) {
          stop?.()
          stop = undefined
        }
      }
    },
  }
}
