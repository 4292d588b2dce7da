/**
 * The screens as a person sees them (issue #15), in Chromium through `linkscreen serve`: every
 * screen at 1280×720, 1920×1080, 3840×2160 and 1080×1920 (portrait) compared with the baseline
 * PNGs in test/e2e/baselines/, plus geometry: everything inside the 5 % overscan-safe area,
 * nothing scrolling or spilling, the content centred, the code's glyphs at least a tenth of the
 * screen's shorter side and the sign-in filling at least 55 % of the safe area's height, text
 * contrast ≥ 4.5:1 (the code ≥ 7:1). Then the hard cases: a 64-character code, a 300-character
 * URL, a 120-character and a right-to-left provider name, a window turned from landscape to
 * portrait while a code is shown, and the three moments (new code, renewal, success).
 *
 * Time, code, QR and person are fixed: the service's clock is frozen (a code's lifetime is
 * exact), the page's clock is Playwright's fake one, paused; the provider answers the same code
 * and URLs every time; the avatar is served by the test. Animations are off for the pictures
 * (reduced motion) and checked on their own.
 *
 * Update the baselines after an intended change to the screen (then look at them):
 *   npm run build && UPDATE_BASELINES=1 npx vitest run test/e2e/screenshots.test.ts
 *
 * Skips (loudly) when /usr/bin/chromium is missing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import type { ProviderConfig } from '../../electron/core/config'
import type { Clock } from '../../electron/core/types'
import { loadBranding } from '../../electron/services/branding'
import type { ProviderEntry } from '../../electron/services/flow-service'
import { en } from '../../renderer/i18n/catalogue'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'
import { UPDATE, compareWithBaseline, drawPng, type Compared } from './support/baselines'
import { PERSON, startFixedProvider, type FixedProvider } from './support/fixed-provider'
import { HAS_CHROMIUM, SKIP_REASON, entry, launchChromium, openScreen, type Screen } from './support/screen-harness'

if (!HAS_CHROMIUM) console.warn(SKIP_REASON)

const SIZES = [
  { name: '720p', width: 1280, height: 720 },
  { name: '1080p', width: 1920, height: 1080 },
  { name: '2160p', width: 3840, height: 2160 },
  { name: 'portrait', width: 1080, height: 1920 },
] as const
type Size = (typeof SIZES)[number]

/** 2 November 2026, 19:30 UTC: the page's and the service's wall clock. */
const WALL = Date.UTC(2026, 10, 2, 19, 30)
/**
 * The service's clock. Held, its time stands still: a code's 600 s stay 600 s and no poll falls
 * due, so nothing on screen changes while it is pictured. Running, polls go on (the provider is
 * told to approve, expire… and the next poll sees it). The wall clock always says {@link WALL}.
 */
function heldClock(): { clock: Clock; hold: () => void; run: () => void } {
  let base = 5_000_000
  let since: number | null = null
  return {
    clock: { now: () => WALL, monotonic: () => (since === null ? base : base + (performance.now() - since)), sleep: systemClock.sleep },
    hold: () => {
      if (since !== null) base += performance.now() - since
      since = null
    },
    run: () => {
      since ??= performance.now()
    },
  }
}

/** A neutral round avatar: a warm circle with a lighter ring, on transparency. */
const AVATAR = drawPng(160, 160, (x, y) => {
  const d = Math.hypot(x - 79.5, y - 79.5)
  if (d > 80) return [0, 0, 0, 0]
  if (d > 70) return [250, 214, 165, 255]
  return [196 - Math.round(y / 4), 120, 92 + Math.round(x / 5), 255]
})
/** A made-up provider's logo: two overlapping squares (no one's trademark). */
const LOGO = drawPng(128, 128, (x, y) => {
  if (x >= 16 && x < 80 && y >= 16 && y < 80) return [255, 180, 84, 255]
  if (x >= 48 && x < 112 && y >= 48 && y < 112) return [34, 56, 88, 255]
  return [255, 255, 255, 255]
})

/** Before serve's page opens: the fake clock, paused; the avatar; no animations in pictures. */
async function prepare(page: Page): Promise<void> {
  await page.clock.install({ time: WALL })
  await page.clock.pauseAt(WALL + 1000)
  await page.emulateMedia({ reducedMotion: 'reduce' })
  await page.route('https://avatars.linkscreen.test/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: AVATAR }))
}

/** What one screen looks like, measured in the page. */
interface Geometry {
  readonly outside: string[]
  readonly scroll: { w: number; h: number; vw: number; vh: number }
  /** The content's bounding box (main's children) as shares of the safe area. */
  readonly fill: { height: number; width: number }
  /** How far the content's centre is from the safe area's centre, as shares of the viewport. */
  readonly offCentre: { x: number; y: number }
  readonly glyph: { height: number; contrast: number } | null
  readonly lowContrast: string[]
}

/** Measures the screen on show (see {@link Geometry}). Runs in the page. */
function measure(): Geometry {
  const vw = innerWidth
  const vh = innerHeight
  const safe = { left: vw * 0.05, top: vh * 0.05, right: vw * 0.95, bottom: vh * 0.95 }
  const outside: string[] = []
  const name = (el: Element) => `${el.tagName.toLowerCase()}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`
  const check = (r: DOMRect, what: string) => {
    if (r.width <= 0 || r.height <= 0) return
    if (r.left < safe.left - 1 || r.top < safe.top - 1 || r.right > safe.right + 1 || r.bottom > safe.bottom + 1) {
      outside.push(`${what} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`)
    }
  }
  const main = document.querySelector('main')
  if (!main) throw new Error('no main')
  const hidden = (el: Element | null) => !!el?.closest('.sr-only')
  for (const el of [main, ...Array.from(main.querySelectorAll('*')), ...Array.from(document.querySelectorAll('.app-banner, .app-banner *'))]) if (!hidden(el)) check(el.getBoundingClientRect(), name(el))
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  const texts: Text[] = []
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.textContent?.trim() && !hidden(n.parentElement)) texts.push(n as Text)
  for (const text of texts) {
    const range = document.createRange()
    range.selectNodeContents(text)
    for (const r of Array.from(range.getClientRects())) check(r, `text "${text.textContent!.trim().slice(0, 40)}"`)
  }

  const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number)
  const lum = ([r, g, b]: readonly number[]) => {
    const f = (v = 0) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
  }
  const ratio = (a: readonly number[], b: readonly number[]) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number]
    return (hi + 0.05) / (lo + 0.05)
  }
  const background = (el: Element | null): number[] => {
    for (let node = el; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor)
      if (c.length < 4 || (c[3] ?? 1) > 0.5) return c.slice(0, 3)
    }
    return parse(getComputedStyle(document.body).backgroundColor).slice(0, 3)
  }
  const lowContrast: string[] = []
  for (const text of texts) {
    const el = text.parentElement!
    if (el.closest('.qr-code')) continue
    const r = ratio(parse(getComputedStyle(el).color), background(el))
    if (r < 4.5) lowContrast.push(`"${text.textContent!.trim().slice(0, 30)}" ${r.toFixed(2)}:1`)
  }

  const boxes = Array.from(main.children).map((c) => c.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0)
  const top = Math.min(...boxes.map((r) => r.top))
  const bottom = Math.max(...boxes.map((r) => r.bottom))
  const left = Math.min(...boxes.map((r) => r.left))
  const right = Math.max(...boxes.map((r) => r.right))
  const glyphEl = document.querySelector('.user-code__text .glyph')
  const glyph = glyphEl ? { height: glyphEl.getBoundingClientRect().height, contrast: ratio(parse(getComputedStyle(glyphEl).color), background(glyphEl)) } : null
  return {
    outside,
    scroll: { w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight, vw, vh },
    fill: { height: (bottom - top) / (safe.bottom - safe.top), width: (right - left) / (safe.right - safe.left) },
    offCentre: { x: Math.abs((left + right) / 2 - vw / 2) / vw, y: Math.abs((top + bottom) / 2 - vh / 2) / vh },
    glyph,
    lowContrast,
  }
}

/** Fonts loaded and a frame laid out (the page's clock is paused, so no requestAnimationFrame). */
async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await document.fonts.ready
    document.body.getBoundingClientRect()
  })
}

/** The checks every screen passes at every size. */
function expectComposed(g: Geometry, where: string, { fill = 0 } = {}): void {
  expect(g.outside, `${where}: outside the overscan-safe area`).toEqual([])
  expect(g.scroll.w, `${where}: no horizontal overflow`).toBeLessThanOrEqual(g.scroll.vw)
  expect(g.scroll.h, `${where}: no vertical overflow`).toBeLessThanOrEqual(g.scroll.vh)
  expect(g.lowContrast, `${where}: text under 4.5:1`).toEqual([])
  expect(g.offCentre.x, `${where}: centred across`).toBeLessThanOrEqual(0.02)
  expect(g.offCentre.y, `${where}: centred down`).toBeLessThanOrEqual(0.03)
  if (fill > 0) expect(g.fill.height, `${where}: content height / safe area height`).toBeGreaterThanOrEqual(fill)
}

/** The code's checks: glyphs ≥ 10 % of the shorter side, contrast ≥ 7:1. */
function expectHeroCode(g: Geometry, size: { width: number; height: number }, where: string): void {
  expect(g.glyph, `${where}: a code on screen`).not.toBeNull()
  expect(g.glyph!.height, `${where}: glyph height vs the shorter side`).toBeGreaterThanOrEqual(0.1 * Math.min(size.width, size.height))
  expect(g.glyph!.contrast, `${where}: code contrast`).toBeGreaterThanOrEqual(7)
}

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'the screens, pictured and measured' : SKIP_REASON, { timeout: 240_000 }, () => {
  let browser: Browser
  let provider: FixedProvider
  let ba: BetterAuthServer
  let screen: Screen | undefined
  let northwind: ProviderEntry
  const compared: Compared[] = []

  beforeAll(async () => {
    browser = await launchChromium()
    provider = await startFixedProvider()
    ba = await startBetterAuthServer({ interval: 1 })
    // The logo and colour go through main's checks, as the app's and serve's do.
    const dir = mkdtempSync(join(tmpdir(), 'linkscreen-shots-'))
    writeFileSync(join(dir, 'northwind.png'), LOGO)
    const config = provider.config('northwind', 'Northwind TV', { branding: { logo: 'northwind.png', accent: '#ffb454' } } as Partial<ProviderConfig>)
    const branding = await loadBranding([config], { baseDir: dir, warn: (m) => expect.fail(m) })
    northwind = { ...entry(config), view: { ...entry(config).view, ...branding.get('northwind') } }
  })
  afterAll(async () => {
    await screen?.close()
    await browser?.close()
    await provider?.close()
    await ba?.close()
    if (compared.length > 0) console.info(compared.map((c) => `${c.name}: ${c.result}${c.differing ? ` (${c.differing} px)` : ''}`).join('\n'))
  })

  /** Pictures and measures the screen on show at every size; `check` adds the screen's own checks. */
  async function capture(page: Page, state: string, check?: (g: Geometry, size: Size) => void): Promise<void> {
    const failed: Compared[] = []
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height })
      await settle(page)
      const g = await page.evaluate(measure)
      expectComposed(g, `${state} at ${size.name}`)
      check?.(g, size)
      const result = compareWithBaseline(`${state}-${size.name}`, await page.screenshot({ animations: 'disabled', caret: 'hide' }))
      compared.push(result)
      if (result.result !== 'same' && result.result !== 'written') failed.push(result)
    }
    expect(failed, `${state}: differs from its baselines (see test-results/screenshots/; if intended: UPDATE_BASELINES=1)`).toEqual([])
  }

  const presets = () => [entry({ id: 'octo', name: 'GitHub', dialect: 'github', clientId: 'c' } as ProviderConfig), entry({ id: 'ba', name: 'Better Auth', dialect: 'better-auth', baseUrl: ba.baseUrl, clientId: ba.clientId })]

  it('picker, sign-in, the last minute, success and accounts', async () => {
    provider.mode = 'pending'
    const time = heldClock()
    screen = await openScreen(browser, [northwind, ...presets()], { clock: time.clock, prepare })
    const { page } = screen
    await page.waitForSelector('main.screen--picker')
    await capture(page, 'picker')

    await page.setViewportSize({ width: 1920, height: 1080 })
    await page.keyboard.press('Enter') // the first tile: Northwind TV
    await page.waitForSelector('main.screen--sign-in .qr-code svg')
    expect(await page.locator('.countdown__time').innerText()).toBe('10:00')
    await capture(page, 'sign-in', (g, size) => {
      expectComposed(g, `sign-in at ${size.name}`, { fill: 0.55 })
      expectHeroCode(g, size, `sign-in at ${size.name}`)
    })

    // The last minute: the same line, urgent.
    await page.clock.runFor(555_000)
    expect(await page.locator('.countdown__time').innerText()).toBe('00:45')
    expect(await page.locator('.countdown').getAttribute('class')).toContain('countdown--low')
    await capture(page, 'sign-in-last-minute', (g, size) => expectHeroCode(g, size, `last minute at ${size.name}`))

    provider.mode = 'approved'
    time.run()
    await page.waitForSelector('main.screen--success .avatar')
    expect(await page.locator('.avatar').evaluate((img) => img instanceof HTMLImageElement && img.complete && img.naturalWidth === 160)).toBe(true)
    const text = await page.locator('main').innerText()
    for (const shown of [PERSON.name, PERSON.email, 'Northwind TV']) expect(text).toContain(shown)
    await capture(page, 'success', (g, size) => {
      // Who signed in reads from the sofa: the name at least 5 % of the shorter side.
      expect(g.fill.height).toBeGreaterThan(0.4)
      void size
    })
    const nameHeight = await page.locator('.account-summary__name').evaluate((el) => parseFloat(getComputedStyle(el).fontSize) / Math.min(innerWidth, innerHeight))
    expect(nameHeight).toBeGreaterThanOrEqual(0.05)

    await page.keyboard.press('Enter') // Done → accounts
    await page.waitForSelector('main.screen--accounts .accounts__item')
    await capture(page, 'accounts')
    await screen.close()
    screen = undefined
  })

  it('expired and error', async () => {
    provider.mode = 'pending'
    const time = heldClock()
    screen = await openScreen(browser, [northwind], { clock: time.clock, prepare, info: { fixedProvider: 'northwind' } })
    const { page } = screen
    await page.waitForSelector('main.screen--sign-in .user-code')
    provider.mode = 'expired'
    time.run()
    await page.waitForSelector('main.screen--expired')
    await capture(page, 'expired')

    provider.mode = 'broken'
    await page.keyboard.press('Enter') // Get a new code → the client is refused
    await page.waitForSelector('main.screen--error')
    await capture(page, 'error')
    await screen.close()
    screen = undefined
    provider.mode = 'pending'
  })

  it('approve (a better-auth account approving another screen’s code)', async () => {
    const time = heldClock()
    time.run()
    screen = await openScreen(browser, presets().slice(1), { clock: time.clock, prepare, info: { fixedProvider: 'ba' } })
    const { page, service } = screen
    await page.waitForSelector('main.screen--sign-in .user-code')
    const approver = await ba.signUp('Grace Hopper')
    await ba.approve(String(service.state().userCode), approver.token)
    await page.waitForSelector('main.screen--success')
    await page.keyboard.press('Enter') // Done → accounts
    await page.waitForSelector('main.screen--accounts .accounts__item')
    await page.getByRole('button', { name: en['accounts.approveLabel'].replace('{name}', 'Grace Hopper') }).click()
    await page.waitForSelector('main.screen--approve .code-input__field')
    await capture(page, 'approve')
    await screen.close()
    screen = undefined
  })

  it.skipIf(UPDATE)((UPDATE ? 'skipped while UPDATE_BASELINES is set (only the pictures are rewritten): ' : '') + 'a 64-character code, a 300-character URL, a 120-character or right-to-left provider name: nothing leaves the screen', async () => {
    const longCode = [...'BCDFGHJKLMNPQ'].map((c, i) => `${c}${i % 10}${c}${c}`).join('-')
    expect(longCode).toHaveLength(64)
    const longUri = `https://tv.northwind.example/${'activate/'.repeat(31)}`.slice(0, 300)
    expect(longUri).toHaveLength(300)
    const hard = await startFixedProvider({ userCode: longCode, verificationUri: longUri, verificationUriComplete: `${longUri}?c=1` })
    const longName = `Northwind ${'Television and Streaming '.repeat(5)}`.slice(0, 120)
    const rtlName = 'שירות הטלוויזיה של המשפחה'
    try {
      for (const [id, name] of [
        ['long', longName],
        ['rtl', rtlName],
      ] as const) {
        screen = await openScreen(browser, [entry(hard.config(id, name))], { clock: heldClock().clock, prepare, info: { fixedProvider: id } })
        const { page } = screen
        await page.waitForSelector('main.screen--sign-in .qr-code svg')
        for (const size of SIZES) {
          await page.setViewportSize({ width: size.width, height: size.height })
          await settle(page)
          const g = await page.evaluate(measure)
          expectComposed(g, `${id} at ${size.name}`)
          expect(g.glyph, 'the code is shown').not.toBeNull()
        }
        // Every character of the code and the URL is on screen.
        expect((await page.locator('.user-code__text').innerText()).replace(/\s/g, '')).toBe(longCode)
        expect(await page.locator('.verification-url').innerText()).toContain('activate/activate/')
        const title = await page.locator('h1').innerText()
        expect(title.startsWith('Sign in to'), 'the sentence keeps its order around a right-to-left name').toBe(true)
        expect(title).toContain(name)
        await page.screenshot({ path: `test-results/screenshots/hard-${id}.png` })
        await screen.close()
        screen = undefined
      }
    } finally {
      await hard.close()
    }
  })

  it.skipIf(UPDATE)((UPDATE ? 'skipped while UPDATE_BASELINES is set (only the pictures are rewritten): ' : '') + 'a window turned from landscape to portrait while a code is shown: the code stays whole and on screen, and does not arrive again', async () => {
    screen = await openScreen(browser, [northwind], { clock: heldClock().clock, prepare, info: { fixedProvider: 'northwind' } })
    const { page } = screen
    await page.waitForSelector('main.screen--sign-in .qr-code svg')
    await page.locator('.user-code').evaluate((el) => ((el as HTMLElement & { mark?: number }).mark = 1))
    // From 1920×1080 through squarer windows to 1080×1920, one step at a time.
    for (let i = 0; i <= 8; i++) {
      const width = Math.round(1920 - (840 * i) / 8)
      const height = Math.round(1080 + (840 * i) / 8)
      await page.setViewportSize({ width, height })
      await settle(page)
      const g = await page.evaluate(measure)
      expectComposed(g, `${width}×${height}`)
      expectHeroCode(g, { width, height }, `${width}×${height}`)
      const code = await page.locator('.user-code__text').boundingBox()
      expect(code!.x).toBeGreaterThanOrEqual(width * 0.05 - 1)
      expect(code!.x + code!.width).toBeLessThanOrEqual(width * 0.95 + 1)
      expect(code!.y + code!.height).toBeLessThanOrEqual(height * 0.95 + 1)
    }
    expect(await page.locator('.user-code').evaluate((el) => (el as HTMLElement & { mark?: number }).mark), 'the same element: the code did not re-mount').toBe(1)
    await screen.close()
    screen = undefined
  })

  it.skipIf(UPDATE)((UPDATE ? 'skipped while UPDATE_BASELINES is set (only the pictures are rewritten): ' : '') + 'a new code, a renewal and success are different moments; with reduced motion nothing moves', async () => {
    const renewing = await startFixedProvider({ expiresIn: 2 })
    try {
      screen = await openScreen(browser, [entry(renewing.config('renewing', 'Northwind TV'))], { renewals: 1, info: { fixedProvider: 'renewing' } })
      const { page } = screen
      await page.waitForSelector('main.screen--sign-in .user-code')
      const animation = (selector: string) => page.locator(selector).evaluate((el) => getComputedStyle(el).animationName)
      expect(await animation('.user-code')).toBe('code-arrive')
      // The code runs out (2 s) and the service renews it once: the new code arrives differently.
      await page.waitForSelector('main.screen--sign-in .user-code--renewed', { timeout: 10_000 })
      expect(await animation('.user-code')).toBe('code-renew')
      expect(await page.locator('.sign-in__renewed').innerText()).toContain('1×')
      renewing.mode = 'approved'
      await page.waitForSelector('main.screen--success')
      expect(await animation('.screen__tone--good')).toBe('success-pop')
      expect(await animation('.account-summary')).toBe('success-rise')
      await page.emulateMedia({ reducedMotion: 'reduce' })
      expect(await animation('.screen__tone--good')).toBe('none')
      expect(await animation('.account-summary')).toBe('none')
      await screen.close()
      screen = undefined
    } finally {
      await renewing.close()
    }
  })
})
