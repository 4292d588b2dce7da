/**
 * `linkscreen serve` from process start to the user code painted in Chromium (issue #16): the
 * built CLI started as `node bin/linkscreen.mjs serve --provider demo --json --kiosk` with an
 * empty config folder (the built-in demo provider only, as on a newcomer's machine), and a
 * Chromium that is already running (a kiosk's browser is) opening the one-time URL it prints in
 * a fresh context (no cache, no cookie). Bound to the demo, the screen starts its sign-in as soon
 * as it loads; the figure ends when the code is on screen (two animation frames after it entered
 * the page).
 *
 * Each run is split at what both sides can see:
 * - `serve`: spawn → the URL printed (Node, the CLI's modules, the HTTP server, the runtime file);
 * - `page`: the URL printed → the page's DOMContentLoaded (the 303 that swaps the ticket for a
 *   cookie, the HTML, the scripts and styles);
 * - `screen`: → the sign-in screen drawn, still without a code (React, the app info);
 * - `code`: → the code in the page (`auth:start`, the demo provider started in the serve process,
 *   discovery, the device authorization request, the snapshot over server-sent events);
 * - `paint`: → painted.
 * Times on both sides are wall-clock milliseconds (Chromium's `timeOrigin + now()` and ours).
 * Needs `npm run build` and /usr/bin/chromium. Printed by `bench/run.ts`; alone:
 * `npx tsx bench/serve-start.ts`.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = join(root, 'bin', 'linkscreen.mjs')
const CHROMIUM = '/usr/bin/chromium'

/** One run, in milliseconds from the spawn. */
export interface ServeStartRun {
  readonly urlPrinted: number
  readonly domContentLoaded: number
  readonly screenShown: number
  readonly codeInPage: number
  readonly painted: number
}

export interface ServeStartResult {
  readonly runs: readonly ServeStartRun[]
  /** Medians of each mark over the runs (ms from the spawn). */
  readonly median: ServeStartRun
}

/** The goal this bench checks (the issue names none for serve): the code on screen within the first second. */
export const SERVE_GOAL_MS = 1000

/** How long the fresh page is left to settle before serve starts. */
const SETTLE_MS = Number(process.env['SERVE_BENCH_SETTLE_MS'] ?? 500)

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** One run against `browser` (already running), serve started with `env` (from `bin`: another build to compare). */
export async function oneRun(browser: Browser, env: NodeJS.ProcessEnv, bin = cli): Promise<ServeStartRun> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  // Marks taken inside the page, on its wall clock. A string, not a function: tsx would wrap
  // a function's named inner functions in a helper the page does not have.
  await page.addInitScript(`(() => {
    const marks = (window.__marks = {})
    const observer = new MutationObserver(() => {
      const at = performance.timeOrigin + performance.now()
      if (marks.screen === undefined && document.querySelector('main.screen--sign-in')) marks.screen = at
      if (marks.code === undefined && document.querySelector('.user-code__text')) {
        marks.code = at
        observer.disconnect()
        requestAnimationFrame(() => requestAnimationFrame(() => (marks.painted = performance.timeOrigin + performance.now())))
      }
    })
    document.addEventListener('DOMContentLoaded', () => (marks.dcl = performance.timeOrigin + performance.now()))
    observer.observe(document, { childList: true, subtree: true })
  })()`)
  // A kiosk's browser is up before serve starts: let this page's renderer settle first, so
  // that its start-up is not counted against serve's.
  await page.waitForTimeout(SETTLE_MS)
  const started = performance.timeOrigin + performance.now()
  const child = spawn(process.execPath, [bin, 'serve', '--provider', 'demo', '--json', '--kiosk'], { cwd: root, env, stdio: ['ignore', 'pipe', 'ignore'] })
  try {
    const url = await new Promise<{ url: string; at: number }>((resolve, reject) => {
      let seen = ''
      const limit = setTimeout(() => reject(new Error('serve printed no URL within 20 s')), 20_000)
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString()
        const line = seen.split('\n')[0]
        if (seen.includes('\n') && line !== undefined) {
          clearTimeout(limit)
          resolve({ url: (JSON.parse(line) as { url: string }).url, at: performance.timeOrigin + performance.now() })
        }
      })
      child.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing its URL`)))
    })
    await page.goto(url.url, { waitUntil: 'commit' })
    await page.waitForFunction(() => (window as unknown as { __marks: Record<string, number> }).__marks['painted'] !== undefined)
    const marks = await page.evaluate(() => (window as unknown as { __marks: Record<string, number> }).__marks)
    const since = (t: number | undefined): number => (t === undefined ? Number.NaN : t - started)
    return {
      urlPrinted: url.at - started,
      domContentLoaded: since(marks['dcl']),
      screenShown: since(marks['screen']),
      codeInPage: since(marks['code']),
      painted: since(marks['painted']),
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    await context.close()
  }
}

export async function runServeStartBench(runs = 7): Promise<ServeStartResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`)
  const home = await mkdtemp(join(tmpdir(), 'linkscreen-bench-serve-'))
  // An empty config folder: the demo provider only. LINKSCREEN_SERVE_URL must not leak in.
  const env = { ...process.env, XDG_CONFIG_HOME: home, XDG_RUNTIME_DIR: home, LINKSCREEN_CONFIG: '', LINKSCREEN_SERVE_URL: '' }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
  try {
    await oneRun(browser, env) // warm the file caches (and Node's compile cache, where there is one)
    const all: ServeStartRun[] = []
    for (let i = 0; i < runs; i++) all.push(await oneRun(browser, env))
    const pick = (key: keyof ServeStartRun): number => median(all.map((r) => r[key]))
    return {
      runs: all,
      median: { urlPrinted: pick('urlPrinted'), domContentLoaded: pick('domContentLoaded'), screenShown: pick('screenShown'), codeInPage: pick('codeInPage'), painted: pick('painted') },
    }
  } finally {
    await browser.close()
    await rm(home, { recursive: true, force: true })
  }
}

export function serveStartLines(r: ServeStartResult): { table: string[]; goals: string[] } {
  const m = r.median
  const row = (what: string, from: number, to: number): string => `| ${what} | ${(to - from).toFixed(0)} | ${to.toFixed(0)} |`
  return {
    table: [
      `| serve --provider demo → code painted (median of ${r.runs.length}) | ms | at (ms from spawn) |`,
      '| --- | --- | --- |',
      row('serve: spawn → URL printed', 0, m.urlPrinted),
      row('page: → DOMContentLoaded (303, HTML, scripts)', m.urlPrinted, m.domContentLoaded),
      row('screen: → sign-in screen drawn (app info)', m.domContentLoaded, m.screenShown),
      row('code: → code in the page (demo provider, discovery, device authorization, SSE)', m.screenShown, m.codeInPage),
      row('paint: → painted', m.codeInPage, m.painted),
      `| total: spawn → code painted | ${m.painted.toFixed(0)} | |`,
    ],
    goals: [`${m.painted <= SERVE_GOAL_MS ? 'PASS' : 'FAIL'}  serve --provider demo: spawn → code painted in Chromium ≤ ${SERVE_GOAL_MS} ms (${m.painted.toFixed(0)} ms; our goal: the issue names no figure)`],
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = serveStartLines(await runServeStartBench())
  console.log([...lines.table, '', ...lines.goals].join('\n'))
}
