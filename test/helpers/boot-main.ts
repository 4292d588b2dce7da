/** Runs the app's main script on the Electron stand-in, as `electron .` with `argv` would. */
import type { FakeElectron } from './fake-electron'
import { until } from './until'

/**
 * Loads electron/main with `argv`, makes the app ready and waits until the first window's page
 * loaded. `menuAtWindow` is the application menu as it stood when that window was made.
 */
export async function bootMain(fake: FakeElectron, argv: string[]): Promise<{ readonly menuAtWindow: unknown }> {
  let menuAtWindow: unknown = 'not yet'
  const created = fake.BrowserWindow.created
  const push = created.push.bind(created)
  created.push = (...windows) => {
    menuAtWindow = fake.Menu.getApplicationMenu()
    return push(...windows)
  }
  process.argv = argv
  await import('../../electron/main')
  fake.app.becomeReady()
  await until('the page to load', () => (fake.BrowserWindow.created[0] as unknown as { loaded?: string } | undefined)?.loaded)
  return { menuAtWindow }
}
