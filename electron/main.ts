/**
 * The Electron main process: the composition root. It builds the adapters (Electron's
 * `net.fetch`, a clock that knows about system sleep, the encrypted vault), hands them to the
 * same `FlowService` the CLI's serve mode uses, connects that to IPC, and opens one hardened
 * window. Everything below is a list of `setupX()` steps; the work is in the modules named.
 */
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BrowserWindow, Menu, app, clipboard, dialog, ipcMain, net, powerMonitor, protocol, safeStorage, session, shell } from 'electron'
import Store from 'electron-store'
import { loadConfig, type LoadedConfig } from './adapters/config-file'
import { watchConfigFile, type ConfigWatch } from './adapters/config-watch'
import { installMenu, lockKioskKeys, suppressDefaultMenu } from './adapters/menu'
import { PROVIDER_PARTITION, createNetFetch } from './adapters/net-fetch'
import { setupPower } from './adapters/power'
import { createNetConnectivity } from './adapters/connectivity'
import { systemClock } from './adapters/system-clock'
import { AppVault } from './adapters/vault'
import { createWakeClock, type WakeClock } from './adapters/wake-clock'
import { hardenContents, hardenSession, windowOptions } from './adapters/window'
import { parseLaunchFlags, resolveAppOptions, type AppOptions, type LaunchFlags } from './app/options'
import { keystoreInfo, relaunchArgs } from './app/keystore-info'
import { APP_ENTRY, APP_ORIGIN, APP_SCHEME, serveRendererFile } from './app/renderer-files'
import { isOpenableVerificationUrl } from './app/urls'
import type { Config } from './core/config'
import { createHttp } from './core/http'
import { cleanText } from './core/redact'
import type { AppInfo, AppNotice } from './ipc/contract'
import { setupIpc } from './ipc/handlers'
import { FlowService } from './services/flow-service'
import { loadBranding, type Branding } from './services/branding'
import { lazyDemo, providerEntries, type LazyDemo } from './services/providers'

const here = fileURLToPath(new URL('.', import.meta.url))
const flags = parseLaunchFlags(process.argv)
let window: BrowserWindow | undefined

/** Logs a message; error messages from the core are already free of tokens and codes. */
function log(message: string, error?: unknown): void {
  const detail = error === undefined ? '' : `: ${error instanceof Error ? error.message : String(error)}`
  console.error(`linkscreen: ${cleanText(`${message}${detail}`, 2000)}`)
}

/** The app's info: the vault's state and notices (live), and notices of its own. */
class Info {
  private readonly listeners = new Set<() => void>()
  private notices: AppNotice[] = []
  /** This run is the keystore's restart (`--keystore-restart`) until the keystore opens once. */
  private restartedForKeystore = flags.keystoreRestart === true
  constructor(
    private readonly options: AppOptions,
    private readonly vault: AppVault,
  ) {
    vault.onChange((status) => {
      if (status.storage === 'encrypted' || status.storage === 'weak') this.restartedForKeystore = false
      this.changed()
    })
  }
  get value(): AppInfo {
    const status = this.vault.status
    return {
      kiosk: this.options.kiosk,
      fixedProvider: this.options.provider,
      locale: app.getLocale() || 'en-US',
      host: 'electron',
      storage: status.storage,
      keystore: status.keystore,
      ...keystoreInfo(status, { canRelaunch: canRelaunch(this.options), restartedForKeystore: this.restartedForKeystore }),
      notices: [...status.notices, ...this.notices],
    }
  }
  /** Adds (or, with the same code, replaces) a notice; `message: null` removes it. */
  notice(code: string, message: string | null): void {
    this.notices = [...this.notices.filter((n) => n.code !== code), ...(message === null ? [] : [{ code, message }])]
    this.changed()
  }
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  private changed(): void {
    for (const listener of this.listeners) listener()
  }
}

/**
 * Whether the app can restart itself: not in a kiosk (something else owns its process), nor in
 * an AppImage: Electron's relauncher runs from the current executable (shell/browser/
 * relauncher.cc, `CHILD_PROCESS_EXE`), which lives in the image's mount that goes away as this
 * process exits (electron-userland/electron-builder#1727, #4650).
 */
function canRelaunch(options: AppOptions): boolean {
  return !options.kiosk && !(app.isPackaged && process.env['APPIMAGE'])
}

// --- Before `ready` ---

/** `--user-data-dir` isolates a run (QA): the vault and Chromium's data go there. */
function setupUserData(launch: LaunchFlags): void {
  if (launch.userDataDir !== undefined) app.setPath('userData', resolve(launch.userDataDir))
}

/** One instance per user-data folder; a second start focuses the first window. */
function setupSingleInstance(): boolean {
  if (!app.requestSingleInstanceLock()) return false
  app.on('second-instance', () => {
    if (!window) return
    if (window.isMinimized()) window.restore()
    window.focus()
  })
  return true
}

/** The app's page is served from `app://linkscreen/`, a secure, standard scheme. */
function setupScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }])
}

// --- After `ready` ---

function setupProtocol(): void {
  const root = join(app.getAppPath(), 'dist', 'renderer')
  protocol.handle(APP_SCHEME, async (request) => {
    const answer = await serveRendererFile(root, request.url, request.method)
    return new Response(answer.body as BodyInit, { status: answer.status, headers: answer.headers })
  })
}

/** Loads the configuration; a bad file is a notice, not a crash: the demo provider remains. */
async function setupConfig(): Promise<{ loaded: LoadedConfig; error: string | undefined }> {
  try {
    return { loaded: await loadConfig({ configPath: flags.config }), error: undefined }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { loaded: { config: { providers: [] }, path: flags.config ?? (process.env['LINKSCREEN_CONFIG'] || undefined) }, error: message }
  }
}

/**
 * The vault, not yet open: the window shows "opening the keystore" while it asks (a Keychain
 * or keyring prompt may wait for someone), and a sign-in can start meanwhile. When a locked
 * keystore opens later (asked again, the screen unlocked, the machine resumed), the accounts
 * it holds join those of this run.
 */
function setupVault(options: AppOptions): AppVault {
  const cwd = app.getPath('userData')
  return new AppVault({
    safeStorage,
    storePath: join(cwd, 'accounts.json'),
    openStore: () => new Store({ name: 'accounts', cwd, clearInvalidConfig: false }),
    platform: process.platform,
    allowWeak: options.allowWeakTokenStorage,
    now: () => Date.now(),
  })
}

/** Opens the vault in the background and retries a locked one on unlock and resume. */
function openVaultInBackground(vault: AppVault, service: FlowService): void {
  let restored = false
  vault.onChange((status) => {
    if (!restored || (status.storage !== 'encrypted' && status.storage !== 'weak')) return
    void service.accountManager.restore().catch((error: unknown) => log('saved accounts could not be loaded', error))
  })
  for (const event of ['unlock-screen', 'resume'] as const) powerMonitor.on(event as 'resume', () => void vault.retry())
  void vault
    .open()
    .then(() => service.restore())
    .then(() => void (restored = true))
    .catch((error: unknown) => log('the account store could not be opened', error))
}

/** The providers' checked logos and colours; a problem is logged, never fatal. */
function brandingFor(config: Config, path: string | undefined): Promise<ReadonlyMap<string, Branding>> {
  return loadBranding(config.providers, { baseDir: path === undefined ? process.cwd() : resolve(path, '..'), warn: (message) => log(message) })
}

function setupService(config: Config, demo: LazyDemo, clock: WakeClock, vault: AppVault, info: () => Info, branding: ReadonlyMap<string, Branding>): FlowService {
  return new FlowService({
    providers: providerEntries(config, demo, branding),
    vault,
    onVaultError: (error) => {
      log('an account change could not be saved', error)
      info().notice('vault_write_failed', 'An account change could not be saved; it holds until the app quits.')
    },
    // Provider traffic goes through Chromium's stack (system proxy, certificates) in a session
    // of its own, cookies off; `net.fetch` itself would reject redirects and drop error codes.
    deps: { http: createHttp({ fetch: createNetFetch({ net, session: session.fromPartition(PROVIDER_PARTITION) }), clock }), clock },
    // Started before the network is up (boot, Wi-Fi joining): wait for it, then ask for the code.
    connectivity: createNetConnectivity(net),
  })
}

/**
 * Re-reads the configuration when its file is saved, replaced, deleted or created again
 * (`adapters/config-watch.ts` watches its folder); a bad edit or a deleted file keeps the last
 * good providers, with a notice.
 */
function setupConfigWatch(path: string | undefined, service: FlowService, demo: LazyDemo, info: Info): ConfigWatch | undefined {
  if (path === undefined) return undefined
  const reload = async (): Promise<void> => {
    try {
      const { config } = await loadConfig({ configPath: path })
      await service.setProviders(providerEntries(config, demo, await brandingFor(config, path)))
      info.notice('config_invalid', null)
    } catch (error) {
      info.notice('config_invalid', `${error instanceof Error ? error.message : String(error)} (the providers from before the change are still offered)`)
    }
  }
  return watchConfigFile(path, reload, { onError: (error) => log('the configuration file cannot be watched; changes apply at the next start', error) })
}

/** Asks where to save a flow log and writes it there (the log holds no secret). */
async function saveLog(json: string): Promise<string | null> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const options = { defaultPath: join(app.getPath('documents'), `linkscreen-flow-${stamp}.json`), filters: [{ name: 'JSON', extensions: ['json'] }] }
  const choice = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options)
  if (choice.canceled || !choice.filePath) return null
  await writeFile(choice.filePath, json, { mode: 0o600 })
  return choice.filePath
}

/** The menu comes first (a window takes the application menu when it is made); a kiosk has none, and no shortcuts. */
function setupWindow(options: AppOptions): BrowserWindow {
  installMenu(Menu, { kiosk: options.kiosk, packaged: app.isPackaged, platform: process.platform, appName: 'Linkscreen' })
  const win = new BrowserWindow(windowOptions({ preload: join(here, 'preload.cjs'), kiosk: options.kiosk, fullscreen: options.fullscreen }))
  hardenContents(win.webContents, (what, url) => log(`blocked ${what}${url ? ` to ${url}` : ''}`))
  if (options.kiosk) lockKioskKeys(win.webContents)
  win.once('ready-to-show', () => win.show())
  win.on('closed', () => {
    window = undefined
  })
  return win
}

/** Quitting cancels the flow under way and stops the demo provider before the process ends. */
function setupQuit(service: FlowService, demo: LazyDemo, stop: () => void): void {
  let closing = false
  app.on('before-quit', (event) => {
    if (closing) return
    closing = true
    event.preventDefault()
    stop()
    void Promise.allSettled([service.close(), demo.stop()]).then(() => app.quit())
  })
  app.on('window-all-closed', () => app.quit())
}

async function onReady(): Promise<void> {
  setupProtocol()
  hardenSession(session.defaultSession)
  const { loaded, error } = await setupConfig()
  const options = resolveAppOptions(flags, loaded.config)
  const clock = createWakeClock(systemClock)
  setupPower(powerMonitor, clock)
  const vault = setupVault(options)
  const current = new Info(options, vault)
  if (error !== undefined) current.notice('config_invalid', error)
  const demo = lazyDemo()
  // Logos are small local files (checked before they are read): read them before the first list.
  const service = setupService(loaded.config, demo, clock, vault, () => current, await brandingFor(loaded.config, loaded.path))
  window = setupWindow(options)
  const undoIpc = setupIpc(
    ipcMain,
    {
      service,
      get info() {
        return current.value
      },
      onInfo: (listener) => current.onChange(listener),
      openExternal: async (url) => {
        if (!isOpenableVerificationUrl(url)) throw new Error('refused to open a URL that is not https: (or loopback http:)')
        await shell.openExternal(url)
      },
      saveLog: (json) => saveLog(json),
      copyText: (text) => clipboard.writeText(text),
      retryKeystore: async () => void (await vault.retry()),
      // docs/api/app.md `app.relaunch`: starts the app again once this instance has exited, with
      // the same arguments; it does not quit by itself. `app.quit` runs the usual shutdown first.
      // The new instance is told it is that restart (`--keystore-restart`), so that a keystore
      // still refusing there is not offered the same restart as if it might help for sure.
      restart: () => {
        app.relaunch({ args: relaunchArgs(process.argv) })
        app.quit()
      },
    },
    { contents: () => window?.webContents, origin: APP_ORIGIN },
    (failure) => log('an IPC request failed', failure),
  )
  const watcher = setupConfigWatch(loaded.path, service, demo, current)
  setupQuit(service, demo, () => {
    watcher?.close()
    undoIpc()
  })
  await window.loadURL(APP_ENTRY)
  openVaultInBackground(vault, service)
}

setupUserData(flags)
if (!setupSingleInstance()) {
  app.quit()
} else {
  setupScheme()
  suppressDefaultMenu(Menu)
  app
    .whenReady()
    .then(onReady)
    .catch((error: unknown) => {
      log('the app could not start', error)
      app.exit(1)
    })
}
