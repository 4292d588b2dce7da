/**
 * The one place where unit tests replace `electron`: the module is swapped for the recording
 * stand-in of `test/helpers/fake-electron.ts` (a fresh one per test file). `electron-store` is
 * inlined by Vitest (see vitest.config.ts) so that it gets the stand-in too, instead of the
 * real package, which would try to download an Electron binary.
 */
import { vi } from 'vitest'

vi.mock('electron', async () => {
  const { createFakeElectron } = await import('../helpers/fake-electron')
  const fake = createFakeElectron()
  return { ...fake, default: fake }
})
