/**
 * The composition root with a keystore that is locked at start (issue #12, item 2): the saved
 * account stays on disk, the screen says "locked", and "Try again" (`app:retryKeystore`) after
 * the user unlocks it brings the account back, with nothing deleted on the way.
 */
import { mkdtemp, writeFile, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import Store from 'electron-store'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openVault } from '../../../electron/adapters/vault'
import type { AccountView, AppInfo } from '../../../electron/ipc/contract'
import type { FakeElectron, FakeWebContents } from '../../helpers/fake-electron'
import { DEFAULT_MACHINE } from '../../helpers/fake-safe-storage'
import { until } from '../../helpers/until'

const fake = electron as unknown as FakeElectron
let dir: string
let userData: string
let before: string
const savedArgv = process.argv
const savedPlatform = process.platform


/** What the page's preload would send on `channel` (the stand-in's `invokeFromPage`, main frame). */
function invoke(channel: string, request: unknown = null): Promise<unknown> {
  return fake.invokeFromPage((fake.BrowserWindow.created[0] as unknown as { webContents: FakeWebContents }).webContents, channel, request)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-main-locked-'))
  userData = join(dir, 'user-data')
  Object.defineProperty(process, 'platform', { value: 'darwin' })
  fake.app.becomeReady()
  // A previous run saved one account under the Keychain's key.
  fake.safeStorage.startOn({ ...DEFAULT_MACHINE, platform: 'darwin' })
  const earlier = await openVault({
    safeStorage: fake.safeStorage,
    storePath: join(userData, 'accounts.json'),
    openStore: () => new Store({ name: 'accounts', cwd: userData, clearInvalidConfig: false }),
    platform: 'darwin',
    allowWeak: false,
    now: () => Date.now(),
  })
  await earlier.vault.put({
    view: { id: 'demo:ada', providerId: 'demo', providerName: 'Linkscreen demo', sub: 'ada', name: 'Ada', email: null, picture: null, scope: 'openid', signedInAt: 1, status: 'active', expiresAt: null, canApprove: false },
    tokens: { access_token: 'at-ada-5e4d3c2b1a09', token_type: 'Bearer', extra: {} },
  })
  before = await readFile(join(userData, 'accounts.json'), 'utf8')
  // This run: the user dismissed the Keychain prompt.
  fake.safeStorage.startOn({ ...DEFAULT_MACHINE, platform: 'darwin', osKeystore: 'locked' })
  await writeFile(join(dir, 'none.json'), '{"providers": []}')
  process.argv = ['/opt/linkscreen', '.', '--user-data-dir', userData, '--config', join(dir, 'none.json')]
  await import('../../../electron/main')
})

afterAll(async () => {
  fake.app.emit('before-quit', { preventDefault() {} })
  Object.defineProperty(process, 'platform', { value: savedPlatform })
  process.argv = savedArgv
  await rm(dir, { recursive: true, force: true })
})

it('says the keystore is locked, shows no account, and leaves the store as it was', async () => {
  await until('the window', () => (fake.BrowserWindow.created[0] as unknown as { loaded?: string } | undefined)?.loaded)
  const info = await until('the locked state', async () => {
    const value = (await invoke('app:info')) as AppInfo
    return value.storage === 'locked' ? value : undefined
  })
  expect(info.keystore).toMatch(/Keychain/)
  expect(info.notices.map((n) => n.code)).toContain('keystore_locked')
  expect(await invoke('accounts:list')).toEqual([])
  expect(await readFile(join(userData, 'accounts.json'), 'utf8')).toBe(before)
  expect((await readdir(userData)).filter((f) => f.includes('corrupt'))).toEqual([])
})

it('"Try again" after the user unlocks it brings the account back', async () => {
  fake.safeStorage.changeWhileRunning({ osKeystore: 'ok' })
  const info = (await invoke('app:retryKeystore')) as AppInfo
  expect(info.storage).toBe('encrypted')
  expect(info.notices).toEqual([])
  const accounts = await until('the account', async () => {
    const list = (await invoke('accounts:list')) as AccountView[]
    return list.length > 0 ? list : undefined
  })
  expect(accounts.map((a) => a.id)).toEqual(['demo:ada'])
  const sent = (fake.BrowserWindow.created[0] as unknown as { webContents: FakeWebContents }).webContents.sent
  expect(sent.some((s) => s.channel === 'app:changed' && (s.payload as AppInfo).storage === 'encrypted')).toBe(true)
})
