/**
 * The app end to end on a real Electron binary, with Playwright's `_electron.launch`: start on
 * the demo provider, read the code from the window, approve it over HTTP as a phone would, see
 * the signed-in account; quit, start again on the same user-data folder, and find the account
 * there exactly when the keystore kept it.
 *
 * It runs twice: on the **packaged** QA build (`npm run dist:qa`: the app inside its asar, the
 * fuses flipped, the binary named `linkscreen`), made in `beforeAll` from the local Electron
 * binary (`-c.electronDist`, so nothing is downloaded), and on the development build (`electron .`).
 *
 * The keystore is the real one: no `allowWeakTokenStorage`. The test gives the app the keystore
 * this machine can give and checks that the app reports that storage, not an assumed one:
 * - macOS: `--use-mock-keychain` (Chromium's switch: a Keychain that never prompts) → encrypted;
 * - Windows: DPAPI → encrypted;
 * - Linux: under `dbus-run-session` with an unlocked gnome-keyring and
 *   `--password-store=gnome-libsecret` where both exist → encrypted; otherwise no keystore can
 *   be proven → memory (the app fails closed, and the account is gone after a restart).
 *   Without a display it runs under `xvfb-run`. The renderer sandbox stays on where this machine
 *   lets Chromium's sandbox run (unprivileged user namespaces); elsewhere it says so loudly.
 *
 * Where there is no Electron binary (this project's build machines cannot download it) the test
 * prints one loud `!!! skipped: no Electron binary …` line and never runs against a stand-in.
 * `ELECTRON_OVERRIDE_DIST_PATH` points at a binary elsewhere.
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppInfo, FlowSnapshot, PreloadApi, StorageMode } from '../../electron/ipc/contract'
import { actOnDemoCode } from '../servers/demo-approve'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** The Electron executable and its folder, as `electron`'s own index.js would find them, without downloading. */
function electronBinary(): { executable: string; distDir: string } | undefined {
  const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  const pathTxt = join(pkgDir, 'path.txt')
  const fallback = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron'
  const relative = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : fallback
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH']
  const distDir = override ? override : join(pkgDir, 'dist')
  const executable = join(distDir, relative)
  return existsSync(executable) ? { executable, distDir } : undefined
}

const binary = electronBinary()
const SKIP_REASON = 'skipped: no Electron binary (none in node_modules/electron/dist, ELECTRON_OVERRIDE_DIST_PATH unset)'

/** True when `name` runs from PATH. */
function has(name: string, ...args: string[]): boolean {
  return spawnSync(name, args.length > 0 ? args : ['--help'], { stdio: 'ignore' }).error === undefined
}

/** Runs a command; resolves with its status and the tail of its output. */
function run(command: string, args: string[], timeoutMs: number): Promise<{ status: number | null; tail: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: ROOT, shell: process.platform === 'win32', stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const timer = setTimeout(() => child.kill(), timeoutMs)
    child.on('error', (error) => keep(Buffer.from(String(error))))
    child.on('close', (status) => {
      clearTimeout(timer)
      done({ status, tail: output.trim().split('\n').slice(-6).join(' | ') })
    })
  })
}

/**
 * The QA build's executable, as electron-builder lays it out: `release-qa/<platform>[-arch]-unpacked/linkscreen`
 * (Linux), `…/linkscreen.exe` (Windows), `release-qa/mac[-arch]/Linkscreen.app/Contents/MacOS/Linkscreen`.
 */
function qaExecutable(): string | undefined {
  const out = join(ROOT, 'release-qa')
  if (!existsSync(out)) return undefined
  const inside =
    process.platform === 'win32' ? ['linkscreen.exe'] : process.platform === 'darwin' ? ['Linkscreen.app', 'Contents', 'MacOS', 'Linkscreen'] : ['linkscreen']
  return readdirSync(out)
    .map((dir) => join(out, dir, ...inside))
    .find((file) => existsSync(file))
}

/** Where a keystore can be had on this machine, and what the app should then report. */
interface KeystorePlan {
  readonly args: readonly string[]
  readonly expected: StorageMode
  readonly describe: string
}

function keystorePlan(): KeystorePlan {
  if (process.platform === 'darwin') return { args: ['--use-mock-keychain'], expected: 'encrypted', describe: 'mock Keychain' }
  if (process.platform === 'win32') return { args: [], expected: 'encrypted', describe: 'DPAPI' }
  if (has('dbus-run-session', '--version') && has('gnome-keyring-daemon', '--version')) {
    return { args: ['--password-store=gnome-libsecret'], expected: 'encrypted', describe: 'gnome-keyring in a private D-Bus session' }
  }
  return { args: [], expected: 'memory', describe: 'no keyring: the app must fail closed' }
}

/** Whether Chromium's Linux sandbox can run here without a setuid helper (unprivileged user namespaces). */
function sandboxWorks(): boolean {
  if (process.platform !== 'linux') return true
  return spawnSync('unshare', ['--user', '--map-root-user', 'true'], { stdio: 'ignore' }).status === 0
}

const KEYRING_PASSWORD = 'linkscreen-e2e'

/**
 * On Linux, a launcher script that gives the app a display (`xvfb-run` when there is none) and,
 * where the plan has one, a private D-Bus session with an unlocked gnome-keyring. Playwright
 * passes its own arguments first (`--inspect=0 --remote-debugging-port=0`); the script hands
 * them all on. Elsewhere the binary is launched as it is.
 */
async function launcher(dir: string, executable: string, plan: KeystorePlan): Promise<string> {
  if (process.platform !== 'linux') return executable
  const needsDisplay = !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']
  if (needsDisplay && !has('xvfb-run', '--help')) throw new Error('no DISPLAY and no xvfb-run: install xvfb (apt-get install xvfb) to run this test headless')
  const inner = join(dir, `inner-${basename(executable)}.sh`)
  await writeFile(
    inner,
    [
      '#!/bin/sh',
      ...(plan.expected === 'encrypted'
        ? [`printf '%s' '${KEYRING_PASSWORD}' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1`]
        : []),
      `exec '${executable.replace(/'/g, `'\\''`)}' "$@"`,
      '',
    ].join('\n'),
  )
  chmodSync(inner, 0o755)
  const outer = join(dir, `launch-${basename(executable)}.sh`)
  const wrap = [...(needsDisplay ? ['xvfb-run', '-a', '-s', "'-screen 0 1280x800x24'"] : []), ...(plan.expected === 'encrypted' ? ['dbus-run-session', '--'] : [])]
  await writeFile(outer, ['#!/bin/sh', `exec ${[...wrap, `'${inner}'`].join(' ')} "$@"`, ''].join('\n'))
  chmodSync(outer, 0o755)
  return outer
}

interface Target {
  readonly executable: string
  /** Arguments before ours: `.` for the development build, nothing for the packaged one. */
  readonly appArgs: readonly string[]
}

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function launch(target: Target, dir: string, userData: string, config: string, plan: KeystorePlan): Promise<{ app: ElectronApplication; page: Page }> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
  if (process.platform === 'linux') {
    // No desktop's keyring choice leaks in: the plan alone decides (a private HOME holds the keyring).
    // Every variable Chromium's GetDesktopEnvironment reads (base/nix/xdg_util.cc), and the keyring's.
    for (const key of ['XDG_CURRENT_DESKTOP', 'DESKTOP_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'KDE_FULL_SESSION', 'KDE_SESSION_VERSION', 'GNOME_KEYRING_CONTROL', 'DBUS_SESSION_BUS_ADDRESS']) delete env[key]
    env['HOME'] = join(dir, 'home')
    env['XDG_DATA_HOME'] = join(dir, 'home', '.local', 'share')
  }
  env['ELECTRON_ENABLE_LOGGING'] = '1'
  const app = await electron.launch({
    executablePath: await launcher(dir, target.executable, plan),
    args: [...target.appArgs, `--user-data-dir=${userData}`, `--config=${config}`, '--provider', 'demo', ...plan.args, ...(process.platform === 'linux' ? ['--disable-gpu'] : [])],
    cwd: ROOT,
    env,
    // Playwright adds --no-sandbox on Linux unless told otherwise; the sandbox stays on where it can run.
    chromiumSandbox: sandboxWorks(),
    timeout: 60_000,
  })
  const page = await app.firstWindow()
  page.setDefaultTimeout(20_000)
  return { app, page }
}

const state = (page: Page) => page.evaluate(() => (window as unknown as { linkscreen: PreloadApi }).linkscreen['auth:state'](null)) as Promise<FlowSnapshot>
const info = (page: Page) => page.evaluate(() => (window as unknown as { linkscreen: PreloadApi }).linkscreen['app:info'](null)) as Promise<AppInfo>

/** The whole story on one build: sign in, check the storage, restart, check what was kept. */
async function signInAndRestart(target: Target): Promise<void> {
  const plan = keystorePlan()
  if (!sandboxWorks()) console.warn('!!! electron-app: this machine cannot run Chromium’s sandbox (no unprivileged user namespaces); the app runs with --no-sandbox in this test only')
  const dir = await mkdtemp(join(tmpdir(), 'linkscreen-e2e-electron-'))
  dirs.push(dir)
  const userData = join(dir, 'user-data')
  const config = join(dir, 'providers.json')
  await writeFile(config, JSON.stringify({ providers: [] }))

  const first = await launch(target, dir, userData, config, plan)
  try {
    await first.page.locator('.user-code__text').waitFor()
    const snapshot = await state(first.page)
    expect(snapshot.status).toBe('waiting')
    const drawn = (await first.page.locator('.user-code__text').innerText()).replace(/[^A-Z0-9]/gi, '')
    expect(drawn.toUpperCase()).toBe(String(snapshot.userCode).replace(/[^A-Z0-9]/gi, '').toUpperCase())
    expect(await first.page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined')
    // The storage the app reports once the keystore has answered is the one this machine gives.
    await expect.poll(async () => (await info(first.page)).storage, { timeout: 30_000 }).not.toBe('opening')
    expect((await info(first.page)).storage, plan.describe).toBe(plan.expected)
    await actOnDemoCode({ verificationUri: String(snapshot.verificationUri), userCode: String(snapshot.userCode), name: 'Living Room', decision: 'approve' })
    await expect.poll(async () => first.page.locator('main').innerText(), { timeout: 20_000 }).toContain('Living Room')
  } finally {
    await first.app.close()
  }

  // Nothing secret on disk in plaintext, whatever the storage.
  for (const file of await readdir(userData, { recursive: true })) {
    const path = join(userData, String(file))
    const text = await readFile(path).then((b) => b.toString('latin1'), () => '')
    expect(text, path).not.toMatch(/"access_token"|"refresh_token"/)
  }

  const second = await launch(target, dir, userData, config, plan)
  try {
    await expect.poll(async () => (await info(second.page)).storage, { timeout: 30_000 }).toBe(plan.expected)
    const accounts = await second.page.evaluate(() => (window as unknown as { linkscreen: PreloadApi }).linkscreen['accounts:list'](null))
    // Kept under the keystore's key, or, failing closed, kept by no one.
    expect(accounts.map((a) => a.name)).toEqual(plan.expected === 'encrypted' ? ['Living Room'] : [])
  } finally {
    await second.app.close()
  }
}

describe.skipIf(!binary)(binary ? 'the Electron app' : SKIP_REASON, () => {
  let packaged: { executable: string } | { problem: string } = { problem: 'not built' }

  beforeAll(async () => {
    // The QA build from the local binary: electron-builder copies it instead of downloading one.
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const build = await run(npm, ['run', 'dist:qa', '--', `-c.electronDist=${binary!.distDir}`], 15 * 60_000)
    const executable = qaExecutable()
    packaged = build.status === 0 && executable ? { executable } : { problem: `npm run dist:qa failed (exit ${build.status}): ${build.tail}` }
  }, 16 * 60_000)

  it('the packaged QA build (asar, fuses, binary named linkscreen) signs in and keeps the account as its keystore allows', async (ctx) => {
    if ('problem' in packaged) {
      console.warn(`!!! skipped: the packaged QA build could not be made: ${packaged.problem}`)
      ctx.skip(packaged.problem)
    }
    const { executable } = packaged as { executable: string }
    expect(basename(executable).replace(/\.exe$/, '')).toBe(process.platform === 'darwin' ? 'Linkscreen' : 'linkscreen')
    const resources = process.platform === 'darwin' ? join(dirname(executable), '..', 'Resources') : join(dirname(executable), 'resources')
    expect(existsSync(join(resources, 'app.asar')), 'the app is packed in an asar').toBe(true)
    await signInAndRestart({ executable, appArgs: [] })
  }, 240_000)

  it('the development build (electron .) signs in and keeps the account as its keystore allows', async () => {
    expect(existsSync(join(ROOT, 'dist-electron', 'main.js')), 'dist-electron/main.js (run npm run build)').toBe(true)
    await signInAndRestart({ executable: binary!.executable, appArgs: ['.'] })
  }, 240_000)
})

// The summary reporter repeats this name as one loud line at the end of `npm test`.
if (!binary) it.skip(SKIP_REASON, () => undefined)
