/**
 * The app's one window, hardened along Electron's security checklist: context isolation, the
 * sandbox, no Node in the page, web security on, no navigation, no new windows, no webviews,
 * no permissions, no downloads. The page comes from the app's own scheme only.
 * @see https://www.electronjs.org/docs/latest/tutorial/security
 */
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron'
import { APP_ORIGIN } from '../app/renderer-files'
import { originOf } from '../ipc/handlers'

export interface WindowSettings {
  readonly preload: string
  readonly kiosk: boolean
  readonly fullscreen: boolean
}

/** The window's constructor options; every security-relevant preference is spelled out. */
export function windowOptions(settings: WindowSettings): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 720,
    minWidth: 640,
    minHeight: 360,
    show: false,
    backgroundColor: '#0b1020',
    title: 'Linkscreen',
    autoHideMenuBar: true,
    kiosk: settings.kiosk,
    // Only when asked: an explicit `fullscreen: false` disables the green full-screen button on
    // macOS (docs/api/structures/base-window-options.md; shell/browser/native_window.cc).
    ...(settings.fullscreen ? { fullscreen: true } : {}),
    webPreferences: {
      preload: settings.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !settings.kiosk,
      safeDialogs: true,
    },
  }
}

/** True for a URL of the app's own page. */
export function isAppUrl(url: string): boolean {
  return originOf(url) === APP_ORIGIN
}

/**
 * Denies navigation away from the app, every new window (a link the page opens goes nowhere;
 * "open in browser" is an IPC call that main checks), webviews and redirects elsewhere.
 */
export function hardenContents(contents: WebContents, onBlocked: (what: string, url: string) => void = () => undefined): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault()
    onBlocked('navigation', url)
  })
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault()
      onBlocked('redirect', url)
    }
  })
  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    onBlocked('webview', '')
  })
  contents.setWindowOpenHandler(({ url }) => {
    onBlocked('window.open', url)
    return { action: 'deny' }
  })
}

/**
 * The session refuses every permission (camera, notifications, …) and every download. The
 * clipboard's too (`clipboard-sanitized-write`), so the page's `navigator.clipboard` fails:
 * "copy code" is the `clipboard:copy-code` call, and main writes the code it holds.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler?.(() => false)
  session.on('will-download', (event) => event.preventDefault())
}
