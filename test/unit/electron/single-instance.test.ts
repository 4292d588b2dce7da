/** A second start of the app (same user-data folder) quits at once and opens no window. */
import * as electron from 'electron'
import { expect, it } from 'vitest'
import type { FakeElectron } from '../../helpers/fake-electron'

const fake = electron as unknown as FakeElectron

it('quits when another instance holds the lock', async () => {
  fake.app.lock = false
  await import('../../../electron/main')
  fake.app.becomeReady()
  await new Promise((r) => setTimeout(r, 50))
  expect(fake.app.quitCalls).toBe(1)
  expect(fake.BrowserWindow.created).toHaveLength(0)
  expect(fake.ipcMain.handlers.size).toBe(0)
})
