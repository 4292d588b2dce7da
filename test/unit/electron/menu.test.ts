/**
 * The menu and the keyboard (issue #12, item 5), against the stand-in's model of Electron's
 * menus (test/helpers/fake-menu.ts): the default menu Electron installs on
 * `will-finish-launching` unless the app set one, windows taking the application menu, and
 * accelerators that fire unless `before-input-event` prevents them.
 */
import * as electron from 'electron'
import { afterEach, describe, expect, it } from 'vitest'
import { installMenu, isKioskBlockedKey, lockKioskKeys, menuTemplate, suppressDefaultMenu, type MenuApi, type MenuSettings } from '../../../electron/adapters/menu'
import { windowOptions } from '../../../electron/adapters/window'
import type { FakeElectron } from '../../helpers/fake-electron'
import { installDefaultMenu, resetMenuState, type FakeInput } from '../../helpers/fake-menu'

const fake = electron as unknown as FakeElectron
const Menu = fake.Menu as unknown as MenuApi
const linux: MenuSettings = { kiosk: false, packaged: false, platform: 'linux', appName: 'Linkscreen' }

const CTRL_W: FakeInput = { key: 'w', control: true }
const CTRL_R: FakeInput = { key: 'r', control: true }
const CTRL_SHIFT_R: FakeInput = { key: 'R', control: true, shift: true }
const CTRL_SHIFT_I: FakeInput = { key: 'I', control: true, shift: true }
const CTRL_Q: FakeInput = { key: 'q', control: true }
const F11: FakeInput = { key: 'F11' }

const savedPlatform = Object.getOwnPropertyDescriptor(process, 'platform') as PropertyDescriptor
function asPlatform(platform: NodeJS.Platform): void {
  Object.defineProperty(process, 'platform', { ...savedPlatform, value: platform })
}
afterEach(() => {
  Object.defineProperty(process, 'platform', savedPlatform)
})

/**
 * One start of the app, in Electron's order: the main script runs (`suppressDefaultMenu`),
 * Electron's `will-finish-launching` (the default menu, unless a menu was set), then `ready`,
 * where main installs its menu and creates the window.
 */
function start(settings: MenuSettings, early = true) {
  resetMenuState()
  if (early) suppressDefaultMenu(Menu)
  installDefaultMenu()
  installMenu(Menu, settings)
  const win = new fake.BrowserWindow(windowOptions({ preload: 'p', kiosk: settings.kiosk, fullscreen: settings.kiosk }) as Record<string, unknown>)
  if (settings.kiosk) lockKioskKeys(win.webContents as unknown as Electron.WebContents)
  return win
}

/** What each dangerous key did to the window and the app. */
function pressAll(win: ReturnType<typeof start>) {
  const quits = fake.app.quitCalls
  const ran = [CTRL_W, CTRL_R, CTRL_SHIFT_R, CTRL_SHIFT_I, F11, CTRL_Q].map((key) => win.webContents.pressKey(key))
  return { ran, closed: win.closed, reloads: win.webContents.reloads, devTools: win.webContents.devToolsOpened, fullScreen: win.isFullScreen(), quit: fake.app.quitCalls > quits }
}

describe("Electron's default menu, as the stand-in models it", () => {
  it('gives a kiosk window Ctrl+R, F11 and Ctrl+W when the app sets no menu (the bug)', () => {
    resetMenuState()
    installDefaultMenu()
    const win = new fake.BrowserWindow(windowOptions({ preload: 'p', kiosk: true, fullscreen: true }) as Record<string, unknown>)
    expect(win.webContents.pressKey(CTRL_R)).toBe('reload')
    expect(win.webContents.reloads).toBe(1)
    expect(win.webContents.pressKey(F11)).toBe('togglefullscreen')
    expect(win.isFullScreen()).toBe(false)
    expect(win.webContents.pressKey(CTRL_W)).toBe('close')
    expect(win.closed).toBe(true)
  })
})

describe('kiosk mode', () => {
  it('has no application menu, so no menu shortcuts at all', () => {
    const win = start({ ...linux, kiosk: true })
    expect(fake.Menu.getApplicationMenu()).toBeNull()
    expect(win.menu).toBeNull()
    expect(pressAll(win)).toEqual({ ran: [null, null, null, null, null, null], closed: false, reloads: 0, devTools: false, fullScreen: true, quit: false })
  })

  it('swallows the keys even if a menu came back (defence in depth)', () => {
    resetMenuState()
    installDefaultMenu()
    const win = new fake.BrowserWindow(windowOptions({ preload: 'p', kiosk: true, fullscreen: true }) as Record<string, unknown>)
    lockKioskKeys(win.webContents as unknown as Electron.WebContents)
    expect(pressAll(win)).toMatchObject({ closed: false, reloads: 0, fullScreen: true, quit: false })
    // Ordinary typing still reaches the page; Ctrl+C still copies.
    expect(win.webContents.pressKey({ key: 'c', control: true })).toBe('copy')
  })

  it('on macOS, has no menu bar only because the default menu was refused before ready', () => {
    asPlatform('darwin')
    const late = start({ ...linux, platform: 'darwin', kiosk: true }, false)
    expect(late.webContents.listenerCount('before-input-event')).toBe(1)
    // A `null` after the default menu exists leaves macOS's menu bar (menu.ts); only the key lock saves it.
    late.webContents.removeAllListeners('before-input-event')
    expect(late.webContents.pressKey({ key: 'q', meta: true })).toBe('quit')

    const early = start({ ...linux, platform: 'darwin', kiosk: true })
    early.webContents.removeAllListeners('before-input-event')
    expect(early.webContents.pressKey({ key: 'q', meta: true })).toBeNull()
    expect(early.webContents.pressKey({ key: 'r', meta: true })).toBeNull()
  })

  it('blocks reload, developer tools, close, quit and full-screen keys, and nothing else', () => {
    const blocked: FakeInput[] = [CTRL_W, CTRL_R, CTRL_SHIFT_R, CTRL_SHIFT_I, CTRL_Q, F11, { key: 'F5' }, { key: 'F12' }, { key: 'F4', control: true }, { key: 'i', meta: true, alt: true }, { key: 'J', control: true, shift: true }, { key: 'f', control: true, meta: true }, { key: 'w', meta: true }, { key: 'h', meta: true }]
    const allowed: FakeInput[] = [{ key: 'a' }, { key: 'Enter' }, { key: 'ArrowDown' }, { key: 'Escape' }, { key: 'c', control: true }, { key: 'v', control: true }, { key: 'r' }, { key: 'Tab', shift: true }]
    const full = (k: FakeInput) => ({ control: false, shift: false, alt: false, meta: false, ...k })
    for (const key of blocked) expect(isKioskBlockedKey(full(key)), JSON.stringify(key)).toBe(true)
    for (const key of allowed) expect(isKioskBlockedKey(full(key)), JSON.stringify(key)).toBe(false)
  })
})

describe('outside kiosk mode', () => {
  it('in development: quit, full screen, reload and developer tools', () => {
    const win = start(linux)
    expect(win.menu?.flat().flatMap((item) => (item.role ? [item.role] : []))).toEqual(['quit', 'togglefullscreen', 'reload', 'forcereload', 'toggledevtools'])
    expect(win.webContents.pressKey(CTRL_R)).toBe('reload')
    expect(win.webContents.pressKey(CTRL_SHIFT_I)).toBe('toggledevtools')
    expect(win.webContents.devToolsOpened).toBe(true)
    expect(win.webContents.pressKey(F11)).toBe('togglefullscreen')
    expect(win.isFullScreen()).toBe(true)
    expect(win.webContents.pressKey(CTRL_W)).toBeNull()
    expect(win.closed).toBe(false)
  })

  it('packaged: quit and full screen only; no reload, no developer tools', () => {
    const win = start({ ...linux, packaged: true })
    expect(win.menu?.flat().flatMap((item) => (item.role ? [item.role] : []))).toEqual(['quit', 'togglefullscreen'])
    expect(win.webContents.pressKey(CTRL_R)).toBeNull()
    expect(win.webContents.pressKey(CTRL_SHIFT_I)).toBeNull()
    expect(win.webContents.reloads).toBe(0)
    const quits = fake.app.quitCalls
    expect(win.webContents.pressKey(CTRL_Q)).toBe('quit')
    expect(fake.app.quitCalls).toBe(quits + 1)
  })

  it("on macOS: the app's menu with Quit, an Edit menu (Cmd+V in the code field), full screen", () => {
    expect(menuTemplate({ ...linux, platform: 'darwin', packaged: true })).toEqual([
      { label: 'Linkscreen', submenu: [{ role: 'quit' }] },
      { role: 'editMenu' },
      { label: 'View', submenu: [{ role: 'togglefullscreen' }] },
    ])
    expect(menuTemplate({ ...linux, platform: 'darwin', kiosk: true })).toBeNull()
  })
})
