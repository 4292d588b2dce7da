/**
 * The newcomer's path, as the README tells it: `linkscreen login --provider demo --json` in a
 * real child process prints a code at once; a person opens the printed URL in Chromium, enters
 * the code, types a name and approves; the CLI then prints `authorized` and exits 0.
 *
 * Skips (loudly) when /usr/bin/chromium is missing.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CHROMIUM = '/usr/bin/chromium'
const HAS_CHROMIUM = existsSync(CHROMIUM)
const SKIP_REASON = `skipped: no Chromium at ${CHROMIUM}`
if (!HAS_CHROMIUM) console.warn(SKIP_REASON)

const BIN = fileURLToPath(new URL('../../bin/linkscreen.mjs', import.meta.url))

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'npx linkscreen login --provider demo, approved in a browser' : SKIP_REASON, () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
  })
  afterAll(() => browser?.close())

  it('prints a code at once, and authorized after a person approves in Chromium', async () => {
    const emptyConfigHome = await mkdtemp(join(tmpdir(), 'linkscreen-xdg-'))
    const child = spawn(process.execPath, [BIN, 'login', '--provider', 'demo', '--json', '--timeout', '60'], {
      env: { ...process.env, XDG_CONFIG_HOME: emptyConfigHome, LINKSCREEN_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const events = (): Record<string, unknown>[] =>
      stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
    const started = Date.now()
    const code = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no code event; stdout: ${stdout} stderr: ${stderr}`)), 20_000)
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        const found = events().find((e) => e['event'] === 'code')
        if (found) {
          clearTimeout(timer)
          resolve(found)
        }
      })
    })
    expect(Date.now() - started).toBeLessThan(10_000)

    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })
    try {
      const page = await context.newPage()
      page.setDefaultTimeout(10_000)
      await page.goto(String(code['verification_uri']))
      await page.getByLabel('Code').fill(String(code['user_code']))
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.getByLabel('Your name').fill('Living Room')
      await page.getByRole('button', { name: 'Approve' }).click()
      await page.waitForSelector('body[data-page="success"]')
    } finally {
      await context.close()
    }

    expect(await exited).toBe(0)
    const last = events().at(-1)
    expect(last).toMatchObject({ event: 'authorized', provider: 'demo', account: { name: 'Living Room', sub: 'living-room' } })
    expect(last).not.toHaveProperty('tokens')
    expect(events().filter((e) => e['event'] === 'poll').every((e) => e['result'] === 'pending')).toBe(true)
  })
})
