/**
 * The stand-in's `Menu` and `MenuItem`, and what a key press does: enough of Electron's menu
 * behaviour for tests to see which shortcuts a window really has.
 *
 * Modelled on Electron's own source (the mirror of electron/electron):
 * - lib/browser/default-menu.ts: unless the app called `Menu.setApplicationMenu` first, Electron
 *   installs a default menu (appMenu on macOS, fileMenu, editMenu, viewMenu, windowMenu);
 * - lib/browser/init.ts: it does so on `app.once('will-finish-launching')`, before `ready`;
 * - lib/browser/api/menu.ts: `setApplicationMenu(menu)` remembers the menu and marks it set; on
 *   macOS a `null` returns early (the menu already installed stays), elsewhere every open
 *   window gets the menu (`null` removes it);
 * - lib/browser/api/base-window.ts: on Windows and Linux a new window takes the application menu;
 * - lib/browser/api/menu-item-roles.ts: each role's accelerator and the role submenus;
 * - docs/api/web-contents.md, "before-input-event": `preventDefault()` stops the page's key
 *   events and the menu shortcuts.
 */

/** The part of a template item the stand-in reads. */
export interface FakeMenuItemOptions {
  readonly role?: string
  readonly label?: string
  readonly type?: string
  readonly accelerator?: string
  readonly submenu?: readonly FakeMenuItemOptions[] | FakeMenu
  readonly click?: (...args: unknown[]) => void
  readonly visible?: boolean
}

const isMac = (): boolean => process.platform === 'darwin'

/** Accelerators of the roles, from lib/browser/api/menu-item-roles.ts (read at use, for the platform). */
function roleAccelerator(role: string): string | undefined {
  const mac = isMac()
  const table: Record<string, string | undefined> = {
    close: 'CommandOrControl+W',
    copy: 'CommandOrControl+C',
    cut: 'CommandOrControl+X',
    paste: 'CommandOrControl+V',
    selectall: 'CommandOrControl+A',
    undo: 'CommandOrControl+Z',
    redo: process.platform === 'win32' ? 'Control+Y' : 'Shift+CommandOrControl+Z',
    forcereload: 'Shift+CmdOrCtrl+R',
    reload: 'CmdOrCtrl+R',
    hide: 'Command+H',
    hideothers: 'Command+Alt+H',
    minimize: 'CommandOrControl+M',
    quit: process.platform === 'win32' ? undefined : 'CommandOrControl+Q',
    resetzoom: 'CommandOrControl+0',
    toggledevtools: mac ? 'Alt+Command+I' : 'Ctrl+Shift+I',
    togglefullscreen: mac ? 'Control+Command+F' : 'F11',
    zoomin: 'CommandOrControl+Plus',
    zoomout: 'CommandOrControl+-',
  }
  return table[role]
}

/** The submenus of the menu roles (menu-item-roles.ts), where the template gives none. */
function roleSubmenu(role: string): FakeMenuItemOptions[] | undefined {
  const mac = isMac()
  switch (role) {
    case 'appmenu':
      return [{ role: 'about' }, { role: 'services' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { role: 'quit' }]
    case 'filemenu':
      return [mac ? { role: 'close' } : { role: 'quit' }]
    case 'editmenu':
      return [{ role: 'undo' }, { role: 'redo' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'delete' }, { role: 'selectAll' }]
    case 'viewmenu':
      return [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { role: 'togglefullscreen' }]
    case 'windowmenu':
      return [{ role: 'minimize' }, { role: 'zoom' }, ...(mac ? [{ role: 'front' }] : [{ role: 'close' }])]
    default:
      return undefined
  }
}

export class FakeMenuItem {
  /** Lower-cased, as Electron compares roles. */
  readonly role: string | undefined
  readonly label: string
  readonly type: string
  readonly accelerator: string | undefined
  readonly submenu: FakeMenu | undefined
  readonly click: ((...args: unknown[]) => void) | undefined
  readonly visible: boolean
  constructor(options: FakeMenuItemOptions) {
    this.role = options.role?.toLowerCase()
    this.label = options.label ?? ''
    this.type = options.type ?? (options.submenu || (this.role && roleSubmenu(this.role)) ? 'submenu' : 'normal')
    this.accelerator = options.accelerator ?? (this.role ? roleAccelerator(this.role) : undefined)
    const sub = options.submenu ?? (this.role ? roleSubmenu(this.role) : undefined)
    this.submenu = sub === undefined ? undefined : sub instanceof FakeMenu ? sub : FakeMenu.buildFromTemplate(sub)
    this.click = options.click
    this.visible = options.visible ?? true
  }
}

/** Where the stand-in keeps the application menu (module state, as in menu.ts). */
const state: { applicationMenu: FakeMenu | null; wasSet: boolean; macMenu: FakeMenu | null; windows: () => readonly { setMenu(menu: FakeMenu | null): void }[] } = {
  applicationMenu: null,
  wasSet: false,
  macMenu: null,
  windows: () => [],
}

export class FakeMenu {
  readonly items: FakeMenuItem[] = []
  append(item: FakeMenuItem): void {
    this.items.push(item)
  }
  static buildFromTemplate(template: readonly (FakeMenuItemOptions | FakeMenuItem)[]): FakeMenu {
    const menu = new FakeMenu()
    for (const entry of template) menu.append(entry instanceof FakeMenuItem ? entry : new FakeMenuItem(entry))
    return menu
  }
  static getApplicationMenu(): FakeMenu | null {
    return state.applicationMenu
  }
  static setApplicationMenu(menu: FakeMenu | null): void {
    if (menu && !(menu instanceof FakeMenu)) throw new TypeError('Invalid menu')
    state.applicationMenu = menu
    state.wasSet = true
    if (isMac()) {
      // menu.ts: `if (!menu) return;` on macOS: the menu bar installed before stays.
      if (menu) state.macMenu = menu
      return
    }
    for (const window of state.windows()) window.setMenu(menu)
  }
  /** Test view: every item, submenus flattened. */
  flat(): FakeMenuItem[] {
    return this.items.flatMap((item) => [item, ...(item.submenu?.flat() ?? [])])
  }
}

/** The stand-in's wiring: which windows exist (for `setApplicationMenu` off macOS). */
export function connectMenuWindows(windows: () => readonly { setMenu(menu: FakeMenu | null): void }[]): void {
  state.windows = windows
}

/** Test control: a fresh process, before any menu was set (for tests that model several starts). */
export function resetMenuState(): void {
  state.applicationMenu = null
  state.wasSet = false
  state.macMenu = null
}

/** default-menu.ts `setDefaultApplicationMenu`, run by init.ts on `will-finish-launching`. */
export function installDefaultMenu(): void {
  if (state.wasSet) return
  const template: FakeMenuItemOptions[] = [...(isMac() ? [{ role: 'appMenu' }] : []), { role: 'fileMenu' }, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }]
  FakeMenu.setApplicationMenu(FakeMenu.buildFromTemplate(template))
}

/** The menu whose shortcuts a window has: the menu bar on macOS, the window's own menu elsewhere. */
export function effectiveMenu(windowMenu: FakeMenu | null): FakeMenu | null {
  return isMac() ? state.macMenu : windowMenu
}

/** A key as `before-input-event` describes it (docs/api/web-contents.md). */
export interface FakeInput {
  readonly type?: 'keyDown' | 'keyUp'
  readonly key: string
  readonly control?: boolean
  readonly shift?: boolean
  readonly alt?: boolean
  readonly meta?: boolean
}

/** Whether `input` is the accelerator `accelerator` (docs/api/accelerator.md), on this platform. */
export function matchesAccelerator(accelerator: string, input: FakeInput): boolean {
  const want = { control: false, shift: false, alt: false, meta: false }
  let key = ''
  for (const part of accelerator.split('+')) {
    const p = part.toLowerCase()
    if (p === 'cmdorctrl' || p === 'commandorcontrol') want[isMac() ? 'meta' : 'control'] = true
    else if (p === 'ctrl' || p === 'control') want.control = true
    else if (p === 'cmd' || p === 'command' || p === 'super' || p === 'meta') want.meta = true
    else if (p === 'shift') want.shift = true
    else if (p === 'alt' || p === 'option') want.alt = true
    else key = p === 'plus' ? '+' : p
  }
  return (
    key === input.key.toLowerCase() &&
    want.control === (input.control ?? false) &&
    want.shift === (input.shift ?? false) &&
    want.alt === (input.alt ?? false) &&
    want.meta === (input.meta ?? false)
  )
}

/** The visible item whose accelerator is `input`, if any (a key down fires menu shortcuts). */
export function findShortcut(menu: FakeMenu | null, input: FakeInput): FakeMenuItem | undefined {
  if (!menu || (input.type ?? 'keyDown') !== 'keyDown') return undefined
  return menu.flat().find((item) => item.visible && item.accelerator !== undefined && matchesAccelerator(item.accelerator, input))
}
