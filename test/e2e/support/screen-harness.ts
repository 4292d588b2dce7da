/**
 * Runs the real screen for browser tests: `linkscreen serve` (in-process) over a FlowService
 * with the given providers, and Chromium driven by playwright-core. Records every payload the
 * page receives from the server, so tests can scan them for tokens.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { systemClock } from '../../../electron/adapters/system-clock'
import { startServe, type ServeHandle } from '../../../electron/cli/serve'
import type { ProviderConfig } from '../../../electron/core/config'
import { createHttp } from '../../../electron/core/http'
import type { Clock, FetchLike } from '../../../electron/core/types'
import type { AppInfo } from '../../../electron/ipc/contract'
import { FlowService, type ProviderEntry } from '../../../electron/services/flow-service'

export const CHROMIUM = '/usr/bin/chromium'
export const HAS_CHROMIUM = existsSync(CHROMIUM)
export const SKIP_REASON = `skipped: no Chromium at ${CHROMIUM}`

export const SIZES = [
  { name: '720p', width: 1280, height: 720 },
  { name: '1080p', width: 1920, height: 1080 },
  { name: '2160p', width: 3840, height: 2160 },
] as const

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
}

export interface Screen {
  readonly service: FlowService
  readonly serve: ServeHandle
  readonly context: BrowserContext
  readonly page: Page
  /** Every response body and event the page received from the serve process (HTTP and SSE). */
  received(): Promise<string>
  close(): Promise<void>
}

/** One provider for the service: a configuration, with its view. */
export function entry(config: ProviderConfig, name = config.name ?? config.id): ProviderEntry {
  return { view: { id: config.id, name, dialect: config.dialect, builtIn: false }, resolve: async () => config }
}

export async function openScreen(
  browser: Browser,
  providers: readonly ProviderEntry[],
  options: {
    size?: { width: number; height: number }
    info?: Partial<AppInfo>
    renewals?: number
    /** How long the code request is retried (FlowService's default is 2 minutes). */
    codeRetryMs?: number
    /** The fetch the service's HTTP goes through (default: the global one); tests wrap it to see every secret on the wire. */
    fetch?: FetchLike
    /** The service's clock (default: the system's); screenshot tests freeze its time so a code's lifetime is exact. */
    clock?: Clock
    /** Runs on the page before it opens serve's URL (install a fake clock, route requests). */
    prepare?: (page: Page) => Promise<void>
  } = {},
): Promise<Screen> {
  const clock = options.clock ?? systemClock
  const service = new FlowService({ providers, deps: { http: createHttp({ fetch: options.fetch ?? fetch, clock }), clock }, renewals: options.renewals ?? 0, ...(options.codeRetryMs === undefined ? {} : { codeRetryMs: options.codeRetryMs }) })
  const serve = await startServe({ service, info: { kiosk: false, fixedProvider: null, locale: 'en-US', host: 'serve', storage: 'memory', notices: [], ...options.info } })
  const context = await browser.newContext({ viewport: options.size ?? { width: 1920, height: 1080 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const bodies: string[] = []
  // SSE bodies never finish, so read the stream from inside the page as well.
  await page.addInitScript(() => {
    const Original = window.EventSource
    ;(window as unknown as { __received: string[] }).__received = []
    window.EventSource = class extends Original {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init)
        for (const type of ['auth:snapshot', 'accounts:changed']) {
          this.addEventListener(type, (e) => (window as unknown as { __received: string[] }).__received.push((e as MessageEvent<string>).data))
        }
      }
    }
  })
  page.on('response', (response) => {
    if (!response.url().includes('/api/events')) response.text().then((t) => bodies.push(t), () => undefined)
  })
  await options.prepare?.(page)
  await page.goto(serve.url)
  return {
    service,
    serve,
    context,
    page,
    received: async () => {
      const streamed = await page.evaluate(() => (window as unknown as { __received?: string[] }).__received ?? [])
      return [...bodies, ...streamed].join('\n')
    },
    close: async () => {
      await context.close()
      await service.close()
      await serve.close()
    },
  }
}
