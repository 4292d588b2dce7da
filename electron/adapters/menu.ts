/**
 * The app's menu and keyboard shortcuts. Electron installs a default menu of its own unless the
 * app sets one before `will-finish-launching` (lib/browser/default-menu.ts, installed from
 * lib/browser/init.ts), and that menu's accelerators work even with the menu bar hidden:
 * Ctrl+W closes the window (and so quits), Ctrl+R reloads, F11 leaves full screen,
 * Ctrl+Shift+I opens the developer tools. A kiosk must have none of these.
 *
 * So: no default menu ever (`suppressDefaultMenu` before `ready`); in kiosk mode no menu at all
 * and the dangerous keys swallowed in `before-input-event` as well; elsewhere a small menu of
 * our own: quit, full screen, and reload and developer tools only in development.
 * @see https://www.electronjs.org/docs/latest/api/menu
 */
import type { Input, Menu as MenuType, MenuItemConstructorOptions, WebContents } from 'electron'

/** The part of Electron's `Menu` this module uses (the stand-in provides the same). */
export interface MenuApi {
  setApplicationMenu(menu: MenuType | null): void
  buildFromTemplate(template: MenuItemConstructorOptions[]): MenuType
}

export interface MenuSettings {
  readonly kiosk: boolean
  /** `app.isPackaged`: reload and developer tools are offered only when false (development). */
  readonly packaged: boolean
  readonly platform: NodeJS.Platform
  /** The app's name, for the macOS application menu. */
  readonly appName: string
}

/**
 * Before `ready`: tells Electron not to build its default menu. Called later, `null` would not
 * remove a menu bar macOS already shows (lib/browser/api/menu.ts returns early for `null` on
 * macOS), so this must run while the main script loads (docs/tutorial/performance.md, item 8).
 */
export function suppressDefaultMenu(menu: Pick<MenuApi, 'setApplicationMenu'>): void {
  menu.setApplicationMenu(null)
}

/** The menu outside kiosk mode; null in kiosk mode (no menu, so no menu shortcuts). */
export function menuTemplate(settings: MenuSettings): MenuItemConstructorOptions[] | null {
  if (settings.kiosk) return null
  const development: MenuItemConstructorOptions[] = settings.packaged ? [] : [{ type: 'separator' }, { role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }]
  const view: MenuItemConstructorOptions = { label: 'View', submenu: [{ role: 'togglefullscreen' }, ...development] }
  if (settings.platform === 'darwin') {
    // On macOS, Cmd+C / Cmd+V in the approve screen's code field work only through Edit menu roles.
    return [{ label: settings.appName, submenu: [{ role: 'quit' }] }, { role: 'editMenu' }, view]
  }
  return [{ label: 'File', submenu: [{ role: 'quit' }] }, view]
}

/** Sets the application menu for `settings`; call it before the window is created. */
export function installMenu(menu: MenuApi, settings: MenuSettings): void {
  const template = menuTemplate(settings)
  menu.setApplicationMenu(template === null ? null : menu.buildFromTemplate(template))
}

/** The key as `before-input-event` gives it, and whether Ctrl (or Cmd on macOS) is down. */
type Key = Pick<Input, 'key' | 'control' | 'meta' | 'shift' | 'alt'>

/**
 * Keys a kiosk swallows: reload (Ctrl/Cmd+R, Shift too, F5), developer tools (Ctrl+Shift+I/J/C,
 * Cmd+Alt+I/J/C, F12), close and quit (Ctrl/Cmd+W, Ctrl/Cmd+Q, Ctrl+F4), full screen (F11,
 * Ctrl+Cmd+F), and macOS's hide and minimize (Cmd+H, Cmd+M).
 */
export function isKioskBlockedKey(input: Key): boolean {
  const key = input.key.toLowerCase()
  const command = input.control || input.meta
  if (key === 'f5' || key === 'f11' || key === 'f12') return true
  if (key === 'f4' && (input.control || input.alt)) return true
  if (command && (key === 'r' || key === 'w' || key === 'q')) return true
  if (input.meta && (key === 'h' || key === 'm')) return true
  if (input.control && input.meta && key === 'f') return true
  if (['i', 'j', 'c'].includes(key) && ((input.control && input.shift) || (input.meta && input.alt))) return true
  return false
}

/**
 * Defence in depth for kiosk mode: even if some menu came back (a platform that adds one, a
 * later change), its shortcuts never fire, because `preventDefault` in `before-input-event`
 * stops the page's key events and the menu's accelerators (docs/api/web-contents.md).
 */
export function lockKioskKeys(contents: Pick<WebContents, 'on'>, onBlocked: (key: string) => void = () => undefined): void {
  contents.on('before-input-event', (event, input) => {
    if (!isKioskBlockedKey(input)) return
    event.preventDefault()
    if (input.type === 'keyDown') onBlocked(input.key)
  })
}
