/**
 * The composition root's shell on the stand-in, outside kiosk mode (issue #12, items 4, 5, 7):
 * the app's own menu is in place before the window exists, Copy puts the code on screen on the
 * clipboard although the page itself may not write it, and a configuration file replaced by
 * rename, deleted and created again applies each time. (Kiosk mode: main-kiosk.test.ts.)
 */
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppInfo, FlowSnapshot, ProviderView } from '../../../electron/ipc/contract'
import type { FakeElectron, FakeWebContents } from '../../helpers/fake-electron'
import { bootMain } from '../../helpers/boot-main'
import { until } from '../../helpers/until'

const fake = electron as unknown as FakeElectron
let dir: string
let configPath: string
const savedArgv = process.argv
const PROVIDER = (id: string) => ({ id, name: id, dialect: 'oauth2', clientId: 'tv', endpoints: { deviceAuthorization: `https://${id}.test/device`, token: `https://${id}.test/token` } })
const config = (...ids: string[]) => JSON.stringify({ providers: ids.map(PROVIDER) })
/** The menu at the moment the window was made (a window takes the application menu then). */
let menuAtWindow: unknown = 'not yet'


function win() {
  const w = fake.BrowserWindow.created[0]
  if (!w) throw new Error('no window')
  return w
}

/** What the page's preload would send on `channel` (the stand-in's `invokeFromPage`, main frame). */
function invoke(channel: string, request: unknown = null): Promise<unknown> {
  return fake.invokeFromPage(win().webContents, channel, request)
}

const providerIds = async () => ((await invoke('providers:list')) as ProviderView[]).map((p) => p.id)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-shell-'))
  configPath = join(dir, 'providers.json')
  await writeFile(configPath, config('acme'))
  ;({ menuAtWindow } = await bootMain(fake, ['/opt/linkscreen', '.', '--user-data-dir', join(dir, 'user-data'), '--config', configPath]))
})

afterAll(async () => {
  process.argv = savedArgv
  fake.app.emit('before-quit', { preventDefault: () => undefined })
  await rm(dir, { recursive: true, force: true })
})

describe('the desktop app', () => {
  it("sets its own menu before the window, never Electron's default", () => {
    expect(menuAtWindow).not.toBe('not yet')
    expect(menuAtWindow).toBe(fake.Menu.getApplicationMenu())
    const roles = fake.Menu.getApplicationMenu()?.flat().flatMap((item) => (item.role ? [item.role] : []))
    // Not packaged (a development run): reload and developer tools are there.
    expect(roles).toEqual(['quit', 'togglefullscreen', 'reload', 'forcereload', 'toggledevtools'])
    expect(win().menu).toBe(fake.Menu.getApplicationMenu())
    expect(win().webContents.pressKey({ key: 'w', control: true })).toBeNull()
    expect(win().closed).toBe(false)
  })

  it('does not disable the macOS full-screen button', () => {
    expect(Object.hasOwn(win().options, 'fullscreen')).toBe(false)
    expect(win().options['kiosk']).toBe(false)
  })

  it('copies the code on screen through main, where the page itself may not', async () => {
    const sent = (win().webContents as FakeWebContents).sent
    expect(await invoke('auth:start', { providerId: 'demo' })).toMatchObject({ ok: true })
    const waiting = await until('a code on screen', () => sent.filter((s) => s.channel === 'auth:snapshot').map((s) => s.payload as FlowSnapshot).find((s) => s.status === 'waiting'))
    expect(waiting.userCode).toMatch(/\S/)
    await expect(fake.session.defaultSession.pageClipboardWrite(win().webContents, waiting.userCode as string)).rejects.toMatchObject({ name: 'NotAllowedError' })
    expect(await fake.clipboard.readText()).toBe('')
    expect(await invoke('clipboard:copy-code')).toEqual({ ok: true, value: null })
    expect(await fake.clipboard.readText()).toBe(waiting.userCode)
    expect(await invoke('clipboard:copy-code', { text: 'something else' })).toMatchObject({ ok: false, code: 'invalid_request' })
    expect(fake.clipboard.writes).toEqual([waiting.userCode])
    await invoke('auth:cancel')
  })

  it('applies a configuration replaced by rename, each time; keeps it when deleted; applies it again when created', async () => {
    const sent = (win().webContents as FakeWebContents).sent
    const notices = () => (sent.filter((s) => s.channel === 'app:changed').at(-1)?.payload as AppInfo | undefined)?.notices ?? []
    for (const [n, ids] of [['acme', 'b'], ['c'], ['acme', 'd']].entries()) {
      const temporary = join(dir, `providers.json.${n}.tmp`)
      await writeFile(temporary, config(...ids))
      await rename(temporary, configPath)
      const want = ['demo', ...ids].join()
      await until(`save ${n + 1} to apply`, () => sent.some((s) => s.channel === 'providers:changed' && (s.payload as ProviderView[]).map((p) => p.id).join() === want))
    }
    await unlink(configPath)
    await until('a notice about the deleted file', () => notices().some((n) => n.code === 'config_invalid' && n.message.includes('file not found')))
    expect(await providerIds()).toEqual(['demo', 'acme', 'd'])
    await writeFile(configPath, config('e'))
    await until('the re-created file to apply', () => notices().length === 0 || undefined)
    expect(await providerIds()).toEqual(['demo', 'e'])
  })
})
