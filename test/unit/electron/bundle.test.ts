/**
 * The BUILT main process (`dist-electron/main.js`, as `npm start` and the packaged app run it)
 * loads, finds its chunks and dependencies, starts the demo provider and shows a code, with
 * `electron` resolved to the stand-in by a module hook, in a child Node process. It runs once
 * per modelled machine (test/helpers/fake-safe-storage.ts) and checks what the built main makes
 * of each keystore, and that its IPC answers only the page's own main frame. This checks the
 * bundle, not Electron: the real app runs only in `test/e2e/electron-app.test.ts`.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_MACHINE, type KeystoreMachine } from '../../helpers/fake-safe-storage'

const dir = await mkdtemp(join(tmpdir(), 'linkscreen-bundle-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

async function runBundle(name: string, machine: KeystoreMachine, allowWeak = false): Promise<Record<string, any>> {
  const config = join(dir, `${name}.json`)
  await writeFile(config, JSON.stringify({ app: { allowWeakTokenStorage: allowWeak }, providers: [] }))
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--import', './test/helpers/bundle/register.mjs', './test/helpers/bundle/run.mjs', resolve('dist-electron/main.js'), join(dir, name), JSON.stringify(machine), config],
    { cwd: process.cwd(), timeout: 60_000 },
  )
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, any>
}

/** Each machine, and where the built main must say the accounts are kept. */
const MACHINES: [string, Partial<KeystoreMachine>, boolean, string][] = [
  ['gnome-keyring', { desktop: 'GNOME', secretService: 'unlocked' }, false, 'encrypted'],
  ['gnome-no-keyring', { desktop: 'GNOME', secretService: 'absent' }, false, 'locked'],
  ['cage', { desktop: 'cage', secretService: 'unlocked' }, false, 'memory'],
  ['cage-weak-allowed', { desktop: 'cage', secretService: 'absent' }, true, 'weak'],
  ['macos', { platform: 'darwin' }, false, 'encrypted'],
]

describe('dist-electron/main.js on the stand-in', () => {
  it.each(MACHINES)('%s: starts, serves its page, reaches a demo code, and reports its storage', async (name, change, allowWeak, storage) => {
    const result = await runBundle(name, { ...DEFAULT_MACHINE, ...change }, allowWeak)
    expect(result['loaded']).toBe('app://linkscreen/index.html')
    expect(result['preload']).toBe(resolve('dist-electron/preload.cjs'))
    expect(result['info']).toMatchObject({ host: 'electron', fixedProvider: 'demo', storage })
    expect(result['state']).toMatchObject({ status: 'waiting', providerId: 'demo' })
    expect(String(result['state']?.verificationUri)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/device$/)
    expect(result['fromChildFrame']).toMatchObject({ ok: false, code: 'forbidden_sender' })
    expect(result['page']).toMatchObject({ status: 200, root: true })
    expect(String(result['page']?.csp)).toContain("default-src 'none'")
    expect(result['quit']).toBe(true)
  }, 90_000)
})
