/**
 * The packaged app end to end, with Playwright's `_electron.launch` on a real Electron binary:
 * start on the demo provider, read the code from the window, approve it over HTTP as a phone
 * would, see the signed-in account; quit, start again on the same user-data folder, and find
 * the account still there (kept encrypted by the vault).
 *
 * It needs the Electron binary, which `electron` downloads on first use. Where there is none
 * (this project's build machines cannot download it) the test reports itself skipped, loudly;
 * it never runs against a stand-in. `ELECTRON_OVERRIDE_DIST_PATH` points at a binary elsewhere.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import type { FlowSnapshot, PreloadApi } from '../../electron/ipc/contract'
import { actOnDemoCode } from '../servers/demo-approve'

/** The Electron executable, as `electron`'s own index.js would find it, without downloading. */
function electronBinary(): string | undefined {
  const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  const pathTxt = join(pkgDir, 'path.txt')
  const fallback = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron'
  const relative = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : fallback
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH']
  const candidate = override ? join(override, relative) : join(pkgDir, 'dist', relative)
  return existsSync(candidate) ? candidate : undefined
}

const binary = electronBinary()

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function launch(userData: string, config: string): Promise<{ app: ElectronApplication; page: Page }> {
  const app = await electron.launch({
    executablePath: String(binary),
    args: ['.', `--user-data-dir=${userData}`, `--config=${config}`, '--provider', 'demo', ...(process.platform === 'linux' ? ['--no-sandbox', '--disable-gpu'] : [])],
    env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' },
    timeout: 60_000,
  })
  const page = await app.firstWindow()
  page.setDefaultTimeout(20_000)
  return { app, page }
}

const state = (page: Page) => page.evaluate(() => (window as unknown as { linkscreen: PreloadApi }).linkscreen['auth:state'](null)) as Promise<FlowSnapshot>

const SKIP_REASON = 'skipped: no Electron binary (none in node_modules/electron/dist, ELECTRON_OVERRIDE_DIST_PATH unset)'

describe.skipIf(!binary)(binary ? 'the Electron app' : SKIP_REASON, () => {
  it('signs in on the demo provider and keeps the account across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'linkscreen-e2e-electron-'))
    dirs.push(dir)
    const userData = join(dir, 'user-data')
    const config = join(dir, 'providers.json')
    // Test machines rarely have a keyring; the administrator's switch keeps the vault on disk.
    await writeFile(config, JSON.stringify({ app: { allowWeakTokenStorage: true }, providers: [] }))

    const first = await launch(userData, config)
    try {
      await first.page.locator('.user-code__text').waitFor()
      const snapshot = await state(first.page)
      expect(snapshot.status).toBe('waiting')
      const drawn = (await first.page.locator('.user-code__text').innerText()).replace(/[^A-Z0-9]/gi, '')
      expect(drawn.toUpperCase()).toBe(String(snapshot.userCode).replace(/[^A-Z0-9]/gi, '').toUpperCase())
      expect(await first.page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined')
      await actOnDemoCode({ verificationUri: String(snapshot.verificationUri), userCode: String(snapshot.userCode), name: 'Living Room', decision: 'approve' })
      await expect.poll(async () => first.page.locator('main').innerText(), { timeout: 20_000 }).toContain('Living Room')
    } finally {
      await first.app.close()
    }

    // Nothing secret on disk in plaintext.
    for (const file of await readdir(userData, { recursive: true })) {
      const path = join(userData, String(file))
      const text = await readFile(path).then((b) => b.toString('latin1'), () => '')
      expect(text, path).not.toMatch(/"access_token"|"refresh_token"/)
    }

    const second = await launch(userData, config)
    try {
      const accounts = await second.page.evaluate(() => (window as unknown as { linkscreen: PreloadApi }).linkscreen['accounts:list'](null))
      expect(accounts.map((a) => a.name)).toEqual(['Living Room'])
    } finally {
      await second.app.close()
    }
  }, 120_000)
})

// The summary reporter repeats this name as one loud line at the end of `npm test`.
if (!binary) it.skip(SKIP_REASON, () => undefined)
