/**
 * The window's hardening (options, navigation, new windows, permissions), the files served
 * under the app's scheme, and which URLs may be opened in the system browser.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hardenContents, hardenSession, isAppUrl, windowOptions } from '../../../electron/adapters/window'
import { APP_CSP, resolveRendererFile, serveRendererFile } from '../../../electron/app/renderer-files'
import { isOpenableVerificationUrl } from '../../../electron/app/urls'
import { FakeWebContents, type FakeElectron } from '../../helpers/fake-electron'

const fake = electron as unknown as FakeElectron

describe('window options', () => {
  it('spell out the security checklist', () => {
    const prefs = windowOptions({ preload: '/app/preload.cjs', kiosk: false, fullscreen: false }).webPreferences
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    })
  })

  it('enable no Blink features and no webviews', () => {
    const prefs = windowOptions({ preload: 'p', kiosk: false, fullscreen: false }).webPreferences ?? {}
    expect(prefs.enableBlinkFeatures).toBeUndefined()
    expect(prefs.webviewTag).toBe(false)
  })

  it('follow kiosk and full-screen settings; kiosk screens get no dev tools', () => {
    expect(windowOptions({ preload: 'p', kiosk: true, fullscreen: true })).toMatchObject({ kiosk: true, fullscreen: true, webPreferences: { devTools: false } })
    expect(windowOptions({ preload: 'p', kiosk: false, fullscreen: true })).toMatchObject({ kiosk: false, fullscreen: true, webPreferences: { devTools: true } })
  })

  it('pass fullscreen only when asked: an explicit false would disable the green button on macOS', () => {
    const windowed = windowOptions({ preload: 'p', kiosk: false, fullscreen: false })
    expect(Object.hasOwn(windowed, 'fullscreen')).toBe(false)
    const platform = Object.getOwnPropertyDescriptor(process, 'platform') as PropertyDescriptor
    Object.defineProperty(process, 'platform', { ...platform, value: 'darwin' })
    try {
      const win = new fake.BrowserWindow(windowed as Record<string, unknown>)
      expect(win.isFullScreenable()).toBe(true)
      expect(win.isFullScreen()).toBe(false)
      // The stand-in follows native_window.cc: the same window with `fullscreen: false` spelled out is not.
      expect(new fake.BrowserWindow({ ...windowed, fullscreen: false }).isFullScreenable()).toBe(false)
      expect(new fake.BrowserWindow(windowOptions({ preload: 'p', kiosk: false, fullscreen: true }) as Record<string, unknown>).isFullScreen()).toBe(true)
    } finally {
      Object.defineProperty(process, 'platform', platform)
    }
  })
})

describe('web contents hardening', () => {
  const contents = new FakeWebContents()
  const blocked: string[] = []
  hardenContents(contents as unknown as Electron.WebContents, (what, url) => blocked.push(`${what} ${url}`))
  const event = () => {
    const e = { prevented: false, preventDefault: () => void (e.prevented = true) }
    return e
  }

  it('denies every navigation, even to the app itself', () => {
    for (const url of ['https://evil.example/', 'app://linkscreen/index.html', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const e = event()
      contents.emit('will-navigate', e, url)
      expect(e.prevented).toBe(true)
    }
  })

  it('denies redirects away from the app', () => {
    const away = event()
    contents.emit('will-redirect', away, 'https://evil.example/')
    expect(away.prevented).toBe(true)
    const home = event()
    contents.emit('will-redirect', home, 'app://linkscreen/index.html')
    expect(home.prevented).toBe(false)
  })

  it('denies window.open and webviews', () => {
    expect(contents.windowOpenHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    const e = event()
    contents.emit('will-attach-webview', e)
    expect(e.prevented).toBe(true)
    expect(blocked).toContain('window.open https://example.com')
  })

  it('recognises only app://linkscreen as the app', () => {
    expect(isAppUrl('app://linkscreen/x.js')).toBe(true)
    expect(isAppUrl('app://evil/x.js')).toBe(false)
    expect(isAppUrl('https://linkscreen/')).toBe(false)
  })
})

describe('session hardening', () => {
  it('denies every permission and download', () => {
    const session = fake.session.defaultSession
    hardenSession(session as unknown as Electron.Session)
    const answers: boolean[] = []
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'clipboard-sanitized-write']) session.permissionRequest?.({}, permission, (granted) => answers.push(granted))
    expect(answers).toEqual([false, false, false, false, false])
    expect(session.permissionCheck?.()).toBe(false)
    const e = { prevented: false, preventDefault: () => void (e.prevented = true) }
    session.emit('will-download', e)
    expect(e.prevented).toBe(true)
  })

  it("so the page's own navigator.clipboard.writeText fails (Copy goes through main instead)", async () => {
    const session = fake.session.defaultSession
    hardenSession(session as unknown as Electron.Session)
    await expect(session.pageClipboardWrite(new FakeWebContents(), 'WDJB-MJHT')).rejects.toMatchObject({ name: 'NotAllowedError', message: 'Write permission denied.' })
    expect(await fake.clipboard.readText()).toBe('')
  })
})

describe('the app scheme', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'linkscreen-renderer-'))
    await mkdir(join(root, 'assets'))
    await writeFile(join(root, 'index.html'), '<!doctype html><title>x</title>')
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(root, '..', 'linkscreen-secret.txt'), 'outside').catch(() => undefined)
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('serves the built files with the CSP', async () => {
    const page = await serveRendererFile(root, 'app://linkscreen/index.html', 'GET')
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['content-security-policy']).toBe(APP_CSP)
    const script = await serveRendererFile(root, 'app://linkscreen/assets/app.js', 'GET')
    expect(script.headers['content-type']).toMatch(/^text\/javascript/)
    expect((await serveRendererFile(root, 'app://linkscreen/', 'GET')).status).toBe(200)
  })

  it('has a CSP that allows no remote script, no inline script, no network', () => {
    expect(APP_CSP).toContain("default-src 'none'")
    expect(APP_CSP).toContain("script-src 'self';")
    expect(APP_CSP).toContain("connect-src 'none'")
    expect(APP_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/)
  })

  it('never serves anything outside the renderer folder', async () => {
    for (const url of [
      'app://linkscreen/../linkscreen-secret.txt',
      'app://linkscreen/%2e%2e/linkscreen-secret.txt',
      'app://linkscreen/assets/%2e%2e%2f%2e%2e%2flinkscreen-secret.txt',
      'app://linkscreen/..%5clinkscreen-secret.txt',
      'app://linkscreen/%00index.html',
      'app://other/index.html',
      'file:///etc/passwd',
      'https://linkscreen/index.html',
      'app://linkscreen/%E0%A4%A',
    ]) {
      const answer = await serveRendererFile(root, url, 'GET')
      expect(answer.status, url).toBe(404)
      expect(answer.body).not.toContain('outside')
    }
    expect(resolveRendererFile(root, 'app://linkscreen/missing.js')).toBe(join(root, 'missing.js'))
    expect((await serveRendererFile(root, 'app://linkscreen/missing.js', 'GET')).status).toBe(404)
  })

  it('answers only GET and HEAD', async () => {
    expect((await serveRendererFile(root, 'app://linkscreen/index.html', 'POST')).status).toBe(405)
  })
})

describe('opening a verification URL in the browser', () => {
  it('allows https and loopback http only', () => {
    expect(isOpenableVerificationUrl('https://example.com/device')).toBe(true)
    expect(isOpenableVerificationUrl('http://127.0.0.1:4000/device')).toBe(true)
    expect(isOpenableVerificationUrl('http://localhost:4000/device')).toBe(true)
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'http://example.com/device', 'data:text/html,hi', 'https://user:pw@example.com/', 'not a url', 'ms-settings:']) {
      expect(isOpenableVerificationUrl(url), url).toBe(false)
    }
  })
})
