/**
 * The composition root on the `electron` stand-in: flags and configuration are honoured, one
 * hardened window shows the app's page, every channel is served, a configuration edited while
 * the app runs is picked up (and a bad edit keeps the last good providers), and quitting
 * cancels cleanly.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INVOKE_CHANNELS, type AppInfo, type ProviderView } from '../../../electron/ipc/contract'
import type { FakeElectron, FakeWebContents } from '../../helpers/fake-electron'
import { until } from '../../helpers/until'

const fake = electron as unknown as FakeElectron
let dir: string
let configPath: string
const savedArgv = process.argv

const config = (providers: object[]) => JSON.stringify({ app: { kiosk: true }, providers })
const PROVIDER = { id: 'acme', name: 'Acme TV', dialect: 'oauth2', clientId: 'tv', endpoints: { deviceAuthorization: 'https://id.acme.test/device', token: 'https://id.acme.test/token' } }


function window() {
  const win = fake.BrowserWindow.created[0]
  if (!win) throw new Error('no window')
  return win as unknown as { options: Record<string, unknown>; loaded: string | undefined; webContents: FakeWebContents }
}

/** What the page's preload would send on `channel` (the stand-in's `invokeFromPage`, main frame). */
function invoke(channel: string, request: unknown = null): Promise<unknown> {
  return fake.invokeFromPage(window().webContents, channel, request)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-main-'))
  configPath = join(dir, 'providers.json')
  await writeFile(configPath, config([PROVIDER]))
  process.argv = ['/opt/linkscreen', '.', '--user-data-dir', join(dir, 'user-data'), '--config', configPath, '--no-sandbox']
  await import('../../../electron/main')
  fake.app.becomeReady()
  await until('the page to load', () => (fake.BrowserWindow.created[0] as unknown as { loaded?: string } | undefined)?.loaded)
})

afterAll(async () => {
  process.argv = savedArgv
  await rm(dir, { recursive: true, force: true })
})

describe('the app', () => {
  it('takes the single-instance lock and registers its scheme before ready', () => {
    expect(fake.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true } }])
    expect(fake.app.listenerCount('second-instance')).toBe(1)
  })

  it('honours --user-data-dir', () => {
    expect(fake.app.getPath('userData')).toBe(join(dir, 'user-data'))
  })

  it('opens one hardened window on the app page, in kiosk mode from the configuration', () => {
    expect(fake.BrowserWindow.created).toHaveLength(1)
    const win = window()
    expect(win.loaded).toBe('app://linkscreen/index.html')
    expect(win.options).toMatchObject({ kiosk: true, fullscreen: true, webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true } })
    expect(String((win.options['webPreferences'] as { preload: string }).preload)).toMatch(/preload\.cjs$/)
    expect(win.webContents.windowOpenHandler?.({ url: 'https://x.test' })).toEqual({ action: 'deny' })
  })

  it('serves the built renderer with the CSP on its scheme', async () => {
    const handler = fake.protocol.handlers.get('app')
    const response = await handler?.(new Request('app://linkscreen/index.html'))
    expect(response?.status).toBe(200)
    expect(response?.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(await response?.text()).toContain('<div id="root">')
  })

  it('serves every contract channel, to its own window only', async () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort())
    const info = (await invoke('app:info')) as AppInfo
    expect(info).toMatchObject({ host: 'electron', kiosk: true, storage: 'encrypted', notices: [] })
    const providers = (await invoke('providers:list')) as ProviderView[]
    expect(providers.map((p) => p.id)).toEqual(['demo', 'acme'])
  })

  it('picks up an edited configuration, and keeps the last good one after a bad edit', async () => {
    const sent = window().webContents.sent
    await writeFile(configPath, config([PROVIDER, { ...PROVIDER, id: 'beta', name: 'Beta' }]))
    const changed = await until('providers:changed', () => sent.find((s) => s.channel === 'providers:changed'))
    expect((changed.payload as ProviderView[]).map((p) => p.id)).toEqual(['demo', 'acme', 'beta'])

    await writeFile(configPath, '{"providers": [ {"id": "broken", ')
    const notice = await until('a config notice', () => sent.find((s) => s.channel === 'app:changed' && (s.payload as AppInfo).notices.length > 0))
    expect((notice.payload as AppInfo).notices[0]).toMatchObject({ code: 'config_invalid', message: expect.stringContaining(configPath) })
    expect(((await invoke('providers:list')) as ProviderView[]).map((p) => p.id)).toEqual(['demo', 'acme', 'beta'])

    await writeFile(configPath, config([PROVIDER]))
    await until('the notice to clear', () => ((sent.at(-1)?.channel === 'app:changed' && (sent.at(-1)?.payload as AppInfo).notices.length === 0) || undefined))
  })

  it('creates its account store in the user-data folder, with no account in it yet', async () => {
    const store = JSON.parse(await readFile(join(dir, 'user-data', 'accounts.json'), 'utf8'))
    expect(store).toEqual({ version: 1 })
  })

  it('cancels cleanly on quit', async () => {
    const quits = fake.app.quitCalls
    let prevented = false
    fake.app.emit('before-quit', { preventDefault: () => void (prevented = true) })
    expect(prevented).toBe(true)
    await until('app.quit', () => fake.app.quitCalls > quits)
    expect(fake.ipcMain.handlers.size).toBe(0)
  })
})
