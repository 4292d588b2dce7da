/**
 * The composition root with a keystore that has not answered (issue #12, item 3): the window
 * opens at once and says it is opening the keystore, and a sign-in can start and reach its code
 * meanwhile. Main used to await the vault before creating the window, so a Keychain prompt
 * nobody answered left a TV with no window at all.
 *
 * The stand-in is a Mac whose Keychain prompt is never answered (`osKeystore: 'hang'`): every
 * async `safeStorage` call stays pending until someone answers (`answerPrompt`, never here), as Electron's do while the OS keystore waits
 * (test/helpers/fake-safe-storage.ts).
 */
import { mkdtemp, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { AppInfo, FlowSnapshot, Result } from '../../../electron/ipc/contract'
import type { FakeElectron, FakeWebContents } from '../../helpers/fake-electron'
import { DEFAULT_MACHINE } from '../../helpers/fake-safe-storage'
import { until } from '../../helpers/until'

const fake = electron as unknown as FakeElectron
let dir: string
const savedArgv = process.argv
const savedPlatform = process.platform


/** What the page's preload would send on `channel` (the stand-in's `invokeFromPage`, main frame). */
function invoke(channel: string, request: unknown = null): Promise<unknown> {
  return fake.invokeFromPage((fake.BrowserWindow.created[0] as unknown as { webContents: FakeWebContents }).webContents, channel, request)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-main-keystore-'))
  Object.defineProperty(process, 'platform', { value: 'darwin' })
  fake.safeStorage.startOn({ ...DEFAULT_MACHINE, platform: 'darwin', osKeystore: 'hang' })
  await writeFile(join(dir, 'none.json'), '{"providers": []}')
  process.argv = ['/opt/linkscreen', '.', '--user-data-dir', join(dir, 'user-data'), '--config', join(dir, 'none.json')]
  await import('../../../electron/main')
  fake.app.becomeReady()
})

afterAll(async () => {
  fake.app.emit('before-quit', { preventDefault() {} })
  Object.defineProperty(process, 'platform', { value: savedPlatform })
  process.argv = savedArgv
  await rm(dir, { recursive: true, force: true })
})

it('opens the window before the keystore answers, and says it is opening it', async () => {
  const loaded = await until('the window to load', () => (fake.BrowserWindow.created[0] as unknown as { loaded?: string } | undefined)?.loaded)
  expect(loaded).toBe('app://linkscreen/index.html')
  const info = (await invoke('app:info')) as AppInfo
  expect(info.storage).toBe('opening')
})

it('reaches a code on the demo provider while the keystore still has not answered', async () => {
  const started = (await invoke('auth:start', { providerId: 'demo' })) as Result<FlowSnapshot>
  expect(started.ok).toBe(true)
  const waiting = await until('a code', async () => {
    const state = (await invoke('auth:state')) as FlowSnapshot
    return state.status === 'waiting' ? state : undefined
  })
  expect(waiting.userCode).toMatch(/\S{4,}/)
  expect(((await invoke('app:info')) as AppInfo).storage).toBe('opening')
}, 30_000)

it('the prompt answered "Deny" at last: locked until a restart, and (no --keystore-restart here) not called a failed restart', async () => {
  fake.safeStorage.answerPrompt('locked')
  const info = await until('the locked state', async () => {
    const value = (await invoke('app:info')) as AppInfo
    return value.storage === 'locked' ? value : undefined
  })
  expect(info.keystoreRetry).toBe('restart')
  expect(info).not.toHaveProperty('keystoreRestarted')
})
