/**
 * What the sign-in screen costs: the production bundle (gzip), Chromium's CPU while the
 * countdown runs, and the time from a `code` event leaving the core to the code being painted.
 * Through `linkscreen serve` and Debian's Chromium, against a local provider that keeps the code
 * pending for the whole measurement.
 */
import { readdir, readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { systemClock } from '../electron/adapters/system-clock'
import { RENDERER_DIR, startServe } from '../electron/cli/serve'
import { createHttp } from '../electron/core/http'
import { FlowService } from '../electron/services/flow-service'

export interface ScreenResult {
  /**
   * `totalGzip`: scripts, styles and the page (gzip); `jsGzip`: the scripts alone; `fontBytes`:
   * the bundled font files (woff2, already compressed), counted apart from the rest.
   */
  readonly bundle: { readonly files: Record<string, { raw: number; gzip: number }>; readonly totalGzip: number; readonly jsGzip: number; readonly fontBytes: number }
  /** Share of one core Chromium's renderer spent on tasks while the countdown ran. */
  readonly countdownCpu: { readonly seconds: number; readonly taskSeconds: number; readonly percentOfOneCore: number }
  /** `waiting` snapshot published by the core → user code painted, per sample (ms). */
  readonly codeToPaintMs: { readonly samples: number[]; readonly p50: number; readonly p95: number }
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN

async function bundleSizes(): Promise<ScreenResult['bundle']> {
  const assets = join(RENDERER_DIR, 'assets')
  const files: Record<string, { raw: number; gzip: number }> = {}
  let totalGzip = 0
  let jsGzip = 0
  let fontBytes = 0
  for (const name of await readdir(assets)) {
    const body = await readFile(join(assets, name))
    if (/\.(woff2?|ttf|otf)$/.test(name)) {
      fontBytes += body.length
      files[name] = { raw: body.length, gzip: body.length }
      continue
    }
    const gzip = gzipSync(body, { level: 9 }).length
    files[name] = { raw: body.length, gzip }
    totalGzip += gzip
    if (name.endsWith('.js')) jsGzip += gzip
  }
  const html = await readFile(join(RENDERER_DIR, 'index.html'))
  files['index.html'] = { raw: html.length, gzip: gzipSync(html, { level: 9 }).length }
  totalGzip += files['index.html'].gzip
  return { files, totalGzip, jsGzip, fontBytes }
}

/** A provider that hands out a ten-minute code and answers every poll with "pending". */
async function pendingProvider(): Promise<{ origin: string; server: Server }> {
  let n = 0
  const server = createServer((req, res) => {
    req.resume()
    res.setHeader('content-type', 'application/json')
    if (req.url === '/device') {
      n++
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      return void res.end(JSON.stringify({ device_code: `dc-${n}`, user_code: `BNCH-${String(n).padStart(4, '0')}`, verification_uri: `${origin}/activate`, verification_uri_complete: `${origin}/activate?c=${n}`, expires_in: 600, interval: 5 }))
    }
    res.statusCode = 400
    res.end('{"error":"authorization_pending"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

export async function runScreenBench(options: { countdownSeconds?: number; paintSamples?: number } = {}): Promise<ScreenResult> {
  const bundle = await bundleSizes()
  const provider = await pendingProvider()
  const service = new FlowService({
    providers: [
      {
        view: { id: 'bench', name: 'Bench', dialect: 'oauth2', builtIn: false },
        resolve: async () => ({ id: 'bench', dialect: 'oauth2', clientId: 'c', endpoints: { deviceAuthorization: `${provider.origin}/device`, token: `${provider.origin}/token` } }),
      },
    ],
    deps: { http: createHttp({ fetch, clock: systemClock }), clock: systemClock },
  })
  const serve = await startServe({ service, info: { kiosk: true, fixedProvider: null, locale: 'en-US', host: 'serve', storage: 'memory', notices: [] } })
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await page.goto(serve.url)
    await page.waitForSelector('main.screen--picker')

    // Code event → paint: the core publishes `waiting`; the page notes when the code is painted.
    const samples: number[] = []
    for (let i = 0; i < (options.paintSamples ?? 15); i++) {
      await page.evaluate(() => {
        const w = window as unknown as { __painted?: number | undefined }
        w.__painted = undefined
        const observer = new MutationObserver(() => {
          if (document.querySelector('.user-code__text')) {
            observer.disconnect()
            requestAnimationFrame(() => requestAnimationFrame(() => (w.__painted = performance.timeOrigin + performance.now())))
          }
        })
        observer.observe(document.body, { childList: true, subtree: true })
      })
      const published = new Promise<number>((resolve) => {
        const off = service.onSnapshot((s) => {
          if (s.status === 'waiting') {
            off()
            resolve(Date.now())
          }
        })
      })
      await service.start('bench')
      const sent = await published
      await page.waitForFunction(() => (window as unknown as { __painted?: number }).__painted !== undefined)
      const painted = await page.evaluate(() => (window as unknown as { __painted: number }).__painted)
      samples.push(Math.max(0, painted - sent))
      await service.cancel()
      await page.waitForSelector('main.screen--picker')
    }

    // CPU while counting down: task duration from Chromium's own metrics.
    await service.start('bench')
    await page.waitForSelector('main.screen--sign-in .user-code')
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    const taskDuration = async (): Promise<number> => {
      const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }
      return metrics.find((m) => m.name === 'TaskDuration')?.value ?? Number.NaN
    }
    const seconds = options.countdownSeconds ?? 30
    const before = await taskDuration()
    const started = performance.now()
    await page.waitForTimeout(seconds * 1000)
    const elapsed = (performance.now() - started) / 1000
    const taskSeconds = (await taskDuration()) - before
    const sorted = [...samples].sort((a, b) => a - b)
    return {
      bundle,
      countdownCpu: { seconds: elapsed, taskSeconds, percentOfOneCore: (100 * taskSeconds) / elapsed },
      codeToPaintMs: { samples, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) },
    }
  } finally {
    await browser.close()
    await service.close()
    await serve.close()
    provider.server.closeAllConnections()
    provider.server.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runScreenBench().then((r) => console.log(JSON.stringify(r, null, 2)))
}
