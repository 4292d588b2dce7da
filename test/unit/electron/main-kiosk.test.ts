/**
 * The composition root in kiosk mode on the stand-in (issue #12, items 4 and 5): Electron's
 * default menu is refused while the main script loads, the window has no menu, and the keys of
 * that menu (close, reload, full screen, developer tools, quit) do nothing. Copy is not offered.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeElectron } from '../../helpers/fake-electron'
import type { FakeInput } from '../../helpers/fake-menu'
import { bootMain } from '../../helpers/boot-main'

const fake = electron as unknown as FakeElectron
let dir: string
const savedArgv = process.argv
let menuAtWindow: unknown = 'not yet'


function win() {
  const w = fake.BrowserWindow.created[0]
  if (!w) throw new Error('no window')
  return w
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-kiosk-'))
  ;({ menuAtWindow } = await bootMain(fake, ['/opt/linkscreen', '.', '--kiosk', '--user-data-dir', join(dir, 'user-data'), '--config', join(dir, 'none.json')]))
})

afterAll(async () => {
  process.argv = savedArgv
  fake.app.emit('before-quit', { preventDefault: () => undefined })
  await rm(dir, { recursive: true, force: true })
})

describe('the kiosk app', () => {
  it('has no menu: not the default one, not one of its own', () => {
    expect(menuAtWindow).toBeNull()
    expect(fake.Menu.getApplicationMenu()).toBeNull()
    expect(win().menu).toBeNull()
    expect(win().options).toMatchObject({ kiosk: true, fullscreen: true, webPreferences: { devTools: false } })
  })

  it('ignores close, reload, full-screen, developer-tools and quit keys', () => {
    const quits = fake.app.quitCalls
    const keys: FakeInput[] = [
      { key: 'w', control: true },
      { key: 'r', control: true },
      { key: 'R', control: true, shift: true },
      { key: 'F5' },
      { key: 'F11' },
      { key: 'I', control: true, shift: true },
      { key: 'q', control: true },
    ]
    for (const key of keys) expect(win().webContents.pressKey(key), JSON.stringify(key)).toBeNull()
    expect(win().closed).toBe(false)
    expect(win().webContents.reloads).toBe(0)
    expect(win().webContents.devToolsOpened).toBe(false)
    expect(win().isFullScreen()).toBe(true)
    expect(fake.app.quitCalls).toBe(quits)
  })

  it('does not copy in kiosk mode', async () => {
    const contents = win().webContents
    const handler = fake.ipcMain.handlers.get('clipboard:copy-code')
    expect(await handler?.({ sender: contents, senderFrame: contents.mainFrame }, null)).toMatchObject({ ok: false })
    expect(fake.clipboard.writes).toEqual([])
  })
})
