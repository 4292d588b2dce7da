/**
 * The composition root with a keystore that is locked at start (issue #12, item 2): the saved
 * account stays on disk, the screen says "locked", and, since Electron asks the Keychain once per
 * process, the screen is offered a restart (`app:restart`), which relaunches the app; the
 * restarted app reads the account, with nothing deleted on the way.
 */
import { mkdtemp, writeFile, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import Store from 'electron-store'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openVault } from '../../../electron/adapters/vault'
import type { AppInfo } from '../../../electron/ipc/contract'
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

/** The vault on the app's store file, as a run of the app on this Mac opens it. */
function openVaultOnDisk(): ReturnType<typeof openVault> {
  return openVault({
    safeStorage: fake.safeStorage,
    storePath: join(userData, 'accounts.json'),
    openStore: () => new Store({ name: 'accounts', cwd: userData, clearInvalidConfig: false }),
    platform: 'darwin',
    allowWeak: false,
    now: () => Date.now(),
  })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-main-locked-'))
  userData = join(dir, 'user-data')
  Object.defineProperty(process, 'platform', { value: 'darwin' })
  fake.app.becomeReady()
  // A previous run saved one account under the Keychain's key.
  fake.safeStorage.startOn({ ...DEFAULT_MACHINE, platform: 'darwin' })
  const earlier = await openVaultOnDisk()
  await earlier.vault.put({
    view: { id: 'demo:ada', providerId: 'demo', providerName: 'Linkscreen demo', sub: 'ada', name: 'Ada', email: null, picture: null, scope: 'openid', signedInAt: 1, status: 'active', expiresAt: null, canApprove: false },
    tokens: { access_token: 'at-ada-5e4d3c2b1a09', token_type: 'Bearer', extra: {} },
  })
  before = await readFile(join(userData, 'accounts.json'), 'utf8')
  // This run: the user dismissed the Keychain prompt.
  fake.safeStorage.startOn({ ...DEFAULT_MACHINE, platform: 'darwin', osKeystore: 'locked' })
  await writeFile(join(dir, 'none.json'), '{"providers": []}')
  // This run is itself the restart the app made for the keystore (`--keystore-restart`).
  process.argv = ['/opt/linkscreen', '.', '--user-data-dir', userData, '--config', join(dir, 'none.json'), '--keystore-restart']
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

it('asking again in the run gets the same answer, so the screen is offered a restart, which relaunches the app', async () => {
  // The user allows Linkscreen in Keychain Access meanwhile: this run's encryptor was made
  // without the key and stays so (os_crypt_async.cc), so "Try again" cannot help here.
  fake.safeStorage.changeWhileRunning({ osKeystore: 'ok' })
  const info = (await invoke('app:retryKeystore')) as AppInfo
  expect(info.storage).toBe('locked')
  expect(info.keystoreRetry).toBe('restart')
  expect(info.unsavedAccounts).toBe(0)
  // A restart already did not help: the screen says so beside the button.
  expect(info.keystoreRestarted).toBe(true)
  expect(await invoke('accounts:list')).toEqual([])
  expect(fake.app.relaunches).toEqual([])
  const quitsBefore = fake.app.quitCalls
  expect(await invoke('app:restart', { discardUnsaved: 0 })).toEqual({ ok: true, value: null })
  // docs/api/app.md: relaunch only schedules the new instance; quitting is what ends this one.
  // Its arguments are this run's, marked once as the keystore's restart.
  expect(fake.app.relaunches).toEqual([{ args: ['.', '--user-data-dir', userData, '--config', join(dir, 'none.json'), '--keystore-restart'] }])
  expect(fake.app.quitCalls).toBe(quitsBefore + 1)
  expect(await readFile(join(userData, 'accounts.json'), 'utf8')).toBe(before)
})

it('a packaged AppImage cannot restart itself (its relauncher runs from the mount): the screen is told to start it again', async () => {
  fake.app.isPackaged = true
  process.env['APPIMAGE'] = '/home/user/Linkscreen.AppImage'
  try {
    const info = (await invoke('app:info')) as AppInfo
    expect(info.keystoreRetry).toBe('start-again')
    const relaunches = fake.app.relaunches.length
    expect(await invoke('app:restart', { discardUnsaved: 0 })).toMatchObject({ ok: false, code: 'unavailable' })
    expect(fake.app.relaunches).toHaveLength(relaunches)
  } finally {
    fake.app.isPackaged = false
    delete process.env['APPIMAGE']
  }
})

it('the restarted app (a fresh process, the Keychain allowed) reads the account that waited on disk', async () => {
  fake.safeStorage.startOn({ ...DEFAULT_MACHINE, platform: 'darwin' })
  const restarted = await openVaultOnDisk()
  expect(restarted.storage).toBe('encrypted')
  expect((await restarted.vault.load()).map((r) => r.view.id)).toEqual(['demo:ada'])
})
