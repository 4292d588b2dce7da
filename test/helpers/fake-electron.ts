/**
 * A stand-in for the `electron` module in unit tests (registered once, in
 * `test/setup/electron.ts`). It records what the app asks of Electron so that tests can check
 * it: handlers registered, window options, permission answers, what the preload exposed.
 *
 * It is never used where a real Electron binary is meant: the end-to-end test
 * (`test/e2e/electron-app.test.ts`) runs the real app or reports itself skipped.
 */
import { EventEmitter } from 'node:events'
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
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

/**
 * `safeStorage`, with a switchable backend and a per-"machine" key: data encrypted under one
 * key does not decrypt under another, as with a store copied from another machine.
 */
class FakeSafeStorage {
  backend: string = 'gnome_libsecret'
  available = true
  /** Key version written into each ciphertext; `rotate()` makes older ones ask for re-encryption. */
  private version = 1
  private machine = 'machine-a'
  encrypted = 0
  decrypted = 0

  setMachine(name: string): void {
    this.machine = name
  }
  rotate(): void {
    this.version += 1
  }
  private key(version: number): Buffer {
    return createHash('sha256').update(`${this.machine}:${version}`).digest()
  }
  async isAsyncEncryptionAvailable(): Promise<boolean> {
    return this.available
  }
  getSelectedStorageBackend(): string {
    return this.backend
  }
  async encryptStringAsync(plain: string): Promise<Buffer> {
    this.encrypted += 1
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key(this.version), iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return Buffer.concat([Buffer.from([this.version]), iv, cipher.getAuthTag(), body])
  }
  async decryptStringAsync(data: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }> {
    this.decrypted += 1
    const version = data[0] ?? 0
    const decipher = createDecipheriv('aes-256-gcm', this.key(version), data.subarray(1, 13))
    decipher.setAuthTag(data.subarray(13, 29))
    // Throws on a wrong key, as Electron does for data from another machine.
    const result = Buffer.concat([decipher.update(data.subarray(29)), decipher.final()]).toString('utf8')
    return { shouldReEncrypt: version !== this.version, result }
  }
}

/** A `webContents` with the events and handlers the app hardens. */
export class FakeWebContents extends EventEmitter {
  readonly mainFrame: { url: string }
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined
  readonly sent: { channel: string; payload: unknown }[] = []
  destroyed = false
  constructor(url = 'app://linkscreen/index.html') {
    super()
    this.mainFrame = { url }
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
  readonly webContents = new FakeWebContents()
  loaded: string | undefined
  constructor(readonly options: Record<string, unknown>) {
    super()
    FakeBrowserWindow.created.push(this)
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

class FakeSession extends EventEmitter {
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
  private readyResolve: (() => void) | undefined
  private readonly ready = new Promise<void>((resolve) => {
    this.readyResolve = resolve
  })
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
    this.readyResolve?.()
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
  const defaultSession = new FakeSession()
  const fake = {
    app: new FakeApp(),
    ipcMain: new FakeIpcMain(),
    ipcRenderer: new FakeIpcRenderer(),
    safeStorage: new FakeSafeStorage(),
    BrowserWindow: FakeBrowserWindow,
    session: { defaultSession },
    protocol: new FakeProtocol(),
    powerMonitor: new EventEmitter(),
    shell: { opened: [] as string[], openExternal: async (url: string) => void fake.shell.opened.push(url) },
    net: { fetch: (input: string, init?: RequestInit) => fetch(input, init) },
    contextBridge: {
      exposed,
      exposeInMainWorld: (key: string, api: unknown) => void exposed.set(key, api),
    },
  }
  return fake
}

export type FakeElectron = ReturnType<typeof createFakeElectron>
