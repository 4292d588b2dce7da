/** System sleep and resume, passed to the wake clock (see `wake-clock.ts`). */
import type { PowerMonitor } from 'electron'
import type { WakeClock } from './wake-clock'

export function setupPower(powerMonitor: Pick<PowerMonitor, 'on'>, clock: WakeClock): void {
  powerMonitor.on('suspend', () => clock.suspended())
  powerMonitor.on('resume', () => clock.resumed())
}
