/**
 * A stand-in for the `electron` module in unit tests (registered once, in
 * `test/setup/electron.ts`). It records what the app asks of Electron so that tests can check
 * it: handlers registered, window options, permission answers, what the preload exposed.
 *
 * It is never used where a real Electron binary is meant: the end-to-end test
 * (`test/e2e/electron-app.test.ts`) runs the real app or reports itself skipped.
 */
import { EventEmitter } from 'node:events'
import { FakeSafeStorage } from './fake-safe-storage'
import { FakeClipboard, pageWritesClipboard } from './fake-clipboard'
import { FakeMenu, FakeMenuItem, connectMenuWindows, effectiveMenu, findShortcut, installDefaultMenu, type FakeInput } from './fake-menu'
import { FakeNetSession, createFakeNet } from './fake-net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Electron types the event per channel; the stand-in takes any.
type Handler = (event: any, ...args: any[]) => unknown

/** `ipcMain`: keeps the registered handlers so that tests can call them as Electron would. */
class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, Handler>()
  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    this.handlers.set(channel, handler)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
}

/** A `webContents` with the events and handlers the app hardens. */
export class FakeWebContents extends EventEmitter {
  readonly mainFrame: { url: string }
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined
  readonly sent: { channel: string; payload: unknown }[] = []
  destroyed = false
  /** The window showing these contents, when a stand-in window made them. */
  owner: FakeBrowserWindow | undefined
  reloads = 0
  devToolsOpened = false
  constructor(url = 'app://linkscreen/index.html') {
    super()
    this.mainFrame = { url }
  }
  reload(): void {
    this.reloads += 1
  }
  /** Does nothing when the window's `webPreferences.devTools` is false (docs/api/structures/web-preferences.md). */
  toggleDevTools(): void {
    const prefs = this.owner?.options['webPreferences'] as { devTools?: boolean } | undefined
    if (prefs?.devTools === false) return
    this.devToolsOpened = !this.devToolsOpened
  }
  /**
   * Test control: a key pressed in the window. `before-input-event` comes first; unless it was
   * prevented, a menu item with that accelerator runs (docs/api/web-contents.md; see
   * fake-menu.ts). Answers the role (or label) of the item that ran, else null.
   */
  pressKey(input: FakeInput): string | null {
    let prevented = false
    const full = { type: 'keyDown' as const, control: false, shift: false, alt: false, meta: false, ...input }
    this.emit('before-input-event', { preventDefault: () => void (prevented = true) }, full)
    if (prevented) return null
    const item = findShortcut(effectiveMenu(this.owner?.menu ?? null), full)
    if (!item) return null
    this.owner?.runMenuItem(item)
    return item.role ?? item.label
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload })
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
}

class FakeBrowserWindow extends EventEmitter {
  static readonly created: FakeBrowserWindow[] = []
  /** What the app does when a role asks it (set by `createFakeElectron`). */
  static hooks = { quit: (): void => undefined, allClosed: (): void => undefined }
  readonly webContents = new FakeWebContents()
  loaded: string | undefined
  /** The window's menu bar (Windows, Linux). */
  menu: FakeMenu | null = null
  closed = false
  private fullScreen: boolean
  private readonly fullScreenable: boolean
  constructor(readonly options: Record<string, unknown>) {
    super()
    this.webContents.owner = this
    // shell/browser/native_window.cc: `fullscreen` passed as false makes the window not
    // full-screenable on macOS (the green button is disabled), unless `fullscreenable` is given.
    const explicitlyNotFull = options['fullscreen'] === false && process.platform === 'darwin'
    this.fullScreenable = typeof options['fullscreenable'] === 'boolean' ? options['fullscreenable'] : !explicitlyNotFull
    this.fullScreen = options['fullscreen'] === true
    // lib/browser/api/base-window.ts: off macOS a new window takes the application menu.
    const menu = FakeMenu.getApplicationMenu()
    if (process.platform !== 'darwin' && menu) this.setMenu(menu)
    FakeBrowserWindow.created.push(this)
  }
  setMenu(menu: FakeMenu | null): void {
    this.menu = menu
  }
  isFullScreenable(): boolean {
    return this.fullScreenable
  }
  isFullScreen(): boolean {
    return this.fullScreen
  }
  setFullScreen(flag: boolean): void {
    if (flag && !this.fullScreenable) return
    this.fullScreen = flag
  }
  /** `close()`: 'close' (preventable), then 'closed'; the last one closed ends in 'window-all-closed'. */
  close(): void {
    if (this.closed) return
    let prevented = false
    this.emit('close', { preventDefault: () => void (prevented = true) })
    if (prevented) return
    this.closed = true
    this.webContents.destroyed = true
    this.emit('closed')
    if (FakeBrowserWindow.created.every((w) => w.closed)) FakeBrowserWindow.hooks.allClosed()
  }
  /** What a menu item does when chosen or its accelerator pressed (lib/browser/api/menu-item-roles.ts). */
  runMenuItem(item: FakeMenuItem): void {
    if (item.click) return item.click(item, this)
    switch (item.role) {
      case 'reload':
      case 'forcereload':
        return this.webContents.reload()
      case 'toggledevtools':
        return this.webContents.toggleDevTools()
      case 'togglefullscreen':
        return this.setFullScreen(!this.isFullScreen())
      case 'close':
        return this.close()
      case 'quit':
        return FakeBrowserWindow.hooks.quit()
      default:
        return undefined
    }
  }
  async loadURL(url: string): Promise<void> {
    this.loaded = url
    this.webContents.mainFrame.url = url
  }
  show(): void {}
  focus(): void {}
  restore(): void {}
  isMinimized(): boolean {
    return false
  }
}

/** A `Session`; its network side (cookies, `fetch`, `isPersistent`) is modelled in fake-net.ts. */
class FakeSession extends FakeNetSession {
  constructor(private readonly clipboard: FakeClipboard) {
    super()
  }
  /** Test control: the page calls `navigator.clipboard.writeText(text)` (see fake-clipboard.ts). */
  pageClipboardWrite(contents: FakeWebContents, text: string): Promise<void> {
    return pageWritesClipboard(this, this.clipboard, contents, contents.mainFrame.url, text)
  }
  permissionRequest: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined
  permissionCheck: ((...args: unknown[]) => boolean) | undefined
  devicePermission: ((...args: unknown[]) => boolean) | undefined
  setPermissionRequestHandler(handler: FakeSession['permissionRequest']): void {
    this.permissionRequest = handler
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheck']): void {
    this.permissionCheck = handler
  }
  setDevicePermissionHandler(handler: FakeSession['devicePermission']): void {
    this.devicePermission = handler
  }
}

class FakeApp extends EventEmitter {
  readonly paths = new Map<string, string>([['userData', join(tmpdir(), 'linkscreen-fake-user-data')]])
  lock = true
  quitCalls = 0
  /** `app.isPackaged`: false when run from a development checkout. */
  isPackaged = false
  private readyResolve: (() => void) | undefined
  private readonly ready = new Promise<void>((resolve) => {
    this.readyResolve = resolve
  })
  /** Whether `ready` has been emitted (what `app.isReady()` answers). */
  emittedReady = false
  isReady(): boolean {
    return this.emittedReady
  }
  getPath(name: string): string {
    return this.paths.get(name) ?? join(tmpdir(), `linkscreen-fake-${name}`)
  }
  setPath(name: string, value: string): void {
    this.paths.set(name, value)
  }
  getAppPath(): string {
    return process.cwd()
  }
  getVersion(): string {
    return '0.0.0-test'
  }
  getLocale(): string {
    return 'en-US'
  }
  requestSingleInstanceLock(): boolean {
    return this.lock
  }
  whenReady(): Promise<void> {
    return this.ready
  }
  /** Test control: Electron emits `ready`. */
  becomeReady(): void {
    // lib/browser/init.ts: 'will-finish-launching' comes before 'ready' (the default menu is made then).
    this.emit('will-finish-launching')
    this.emittedReady = true
    this.readyResolve?.()
  }
  /** `app.relaunch` calls (docs/api/app.md: it only schedules a start after this instance exits). */
  readonly relaunches: unknown[] = []
  relaunch(options?: unknown): void {
    this.relaunches.push(options)
  }
  quit(): void {
    this.quitCalls += 1
  }
  exit(): void {
    this.quitCalls += 1
  }
}

class FakeProtocol {
  privileged: unknown[] = []
  readonly handlers = new Map<string, (request: Request) => Promise<Response>>()
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    this.privileged.push(...schemes)
  }
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    this.handlers.set(scheme, handler)
  }
}

class FakeIpcRenderer extends EventEmitter {
  readonly invoked: { channel: string; args: unknown[] }[] = []
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args })
    return { channel }
  }
}

export function createFakeElectron() {
  const exposed = new Map<string, unknown>()
  const clipboard = new FakeClipboard()
  const defaultSession = new FakeSession(clipboard)
  const app = new FakeApp()
  // Electron's `net` and the sessions' network: see fake-net.ts.
  const network = createFakeNet({ isReady: () => app.isReady(), defaultSession, createSession: () => new FakeSession(clipboard) })
  // lib/browser/init.ts: `app.once('will-finish-launching', setDefaultApplicationMenu)`.
  app.once('will-finish-launching', installDefaultMenu)
  connectMenuWindows(() => FakeBrowserWindow.created.filter((w) => !w.closed))
  FakeBrowserWindow.hooks = { quit: () => app.quit(), allClosed: () => void app.emit('window-all-closed') }
  const fake = {
    app,
    ipcMain: new FakeIpcMain(),
    ipcRenderer: new FakeIpcRenderer(),
    safeStorage: new FakeSafeStorage(() => app.isReady()),
    BrowserWindow: FakeBrowserWindow,
    Menu: FakeMenu,
    MenuItem: FakeMenuItem,
    clipboard,
    session: { defaultSession, fromPartition: network.fromPartition },
    protocol: new FakeProtocol(),
    powerMonitor: new EventEmitter(),
    shell: { opened: [] as string[], openExternal: async (url: string) => void fake.shell.opened.push(url) },
    net: network.net,
    contextBridge: {
      exposed,
      exposeInMainWorld: (key: string, api: unknown) => void exposed.set(key, api),
    },
    /**
     * The page's `ipcRenderer.invoke(channel, request)` as Electron delivers it to the handler
     * that `ipcMain.handle` registered: `event.sender` is the window's webContents and
     * `event.senderFrame` the frame that sent it (docs/api/structures/ipc-main-invoke-event.md;
     * lib/browser/api/web-contents.ts sets both from the message's frame). By default that is
     * the main frame, whose URL is what `loadURL` loaded; `frame` sends from a child frame or
     * another page instead. Tests never build the event themselves.
     */
    invokeFromPage(contents: FakeWebContents, channel: string, request: unknown = null, frame: { url: string } = contents.mainFrame): Promise<unknown> {
      const handler = fake.ipcMain.handlers.get(channel)
      if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`))
      return Promise.resolve(handler({ sender: contents, senderFrame: frame }, request))
    },
  }
  return fake
}

export type FakeElectron = ReturnType<typeof createFakeElectron>
