/**
 * The 10-foot screen end to end, in Chromium, through `linkscreen serve` and the real core:
 * against the demo provider (oidc-provider) and a real better-auth server, keyboard only.
 * Screenshots of every screen at 720p, 1080p and 2160p go to test-results/screens/.
 *
 * Skips (loudly) when /usr/bin/chromium is missing.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync } from 'node:fs'
import jsQR from 'jsqr'
import { PNG } from 'pngjs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer, type DemoServer } from '../../electron/demo/demo-server'
import { actOnDemoCode } from '../servers/demo-approve'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'
import { HAS_CHROMIUM, SIZES, SKIP_REASON, entry, launchChromium, openScreen, type Screen } from './support/screen-harness'

if (!HAS_CHROMIUM) console.warn(SKIP_REASON)

const SHOTS = 'test-results/screens'
mkdirSync(SHOTS, { recursive: true })

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png` })
}

/** What a viewer can check at once: nothing scrolls or spills over the viewport. */
async function expectFits(page: Page): Promise<void> {
  const box = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight, vw: innerWidth, vh: innerHeight }))
  expect(box.w, 'no horizontal overflow').toBeLessThanOrEqual(box.vw)
  expect(box.h, 'no vertical overflow').toBeLessThanOrEqual(box.vh)
}

/** Decodes the QR code on screen from a screenshot of it. */
async function readQr(page: Page): Promise<string | undefined> {
  const png = PNG.sync.read(await page.locator('.qr-code').screenshot())
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data
}

/** The user code as drawn (dashes and all). */
const drawnCode = (page: Page) => page.locator('.user-code__text').innerText()
const normalize = (code: string) => code.replace(/[^A-Za-z0-9]/g, '').toUpperCase()

/** Relative luminance contrast of two `rgb(…)` colours. */
function contrast(a: string, b: string): number {
  const lum = (rgb: string) => {
    const [r, g, bl] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((c) => {
      const s = c / 255
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
    })
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0)
  }
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'the sign-in screen in Chromium' : SKIP_REASON, () => {
  let browser: Browser
  let demo: DemoServer
  let ba: BetterAuthServer
  let screen: Screen | undefined

  beforeAll(async () => {
    browser = await launchChromium()
    demo = await startDemoServer({ intervalSeconds: 1, quiet: true })
    ba = await startBetterAuthServer({ interval: 1 })
  })
  afterAll(async () => {
    await screen?.close()
    await browser?.close()
    await demo?.close()
    await ba?.close()
  })

  const demoEntry = () => entry({ id: 'demo', name: 'Linkscreen demo', dialect: 'oidc', issuer: demo.issuer, clientId: demo.clientId, scope: 'openid profile email' })
  const baEntry = (server = ba) => entry({ id: 'ba', name: 'Better Auth', dialect: 'better-auth', baseUrl: server.baseUrl, clientId: server.clientId })

  it('demo provider, keyboard only: the code and QR match the server, the countdown runs, approval shows the account', async () => {
    screen = await openScreen(browser, [demoEntry(), baEntry()])
    const { page, service } = screen
    await page.waitForSelector('main.screen--picker')
    await expectFits(page)
    await shot(page, 'picker-1080p')
    await page.keyboard.press('Enter') // the first tile has first focus: the demo
    await page.waitForSelector('main.screen--sign-in .user-code')
    const snapshot = service.state()
    expect(snapshot.status).toBe('waiting')
    expect(normalize(await drawnCode(page))).toBe(normalize(String(snapshot.userCode)))
    expect(await readQr(page)).toBe(snapshot.qrTarget)
    // Screen readers get the code one character at a time, never as one word.
    const spoken = String(await page.locator('.user-code').getAttribute('aria-label'))
    const first = normalize(String(snapshot.userCode)).slice(0, 4)
    expect(spoken).not.toContain(first)
    expect(spoken).toContain([...first].join(' '))
    const before = await page.locator('.countdown__time').innerText()
    await page.waitForTimeout(2100)
    const after = await page.locator('.countdown__time').innerText()
    const seconds = (t: string) => t.split(':').reduce((m, s) => m * 60 + Number(s), 0)
    expect(seconds(after)).toBeLessThan(seconds(before))

    // Legibility at 1920×1080: glyphs at least a tenth of the height, contrast at least 7:1.
    const code = await page.locator('.user-code__text .glyph').first().evaluate((el) => {
      const style = getComputedStyle(el)
      let bg = 'rgba(0, 0, 0, 0)'
      for (let node: Element | null = el; node && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); node = node.parentElement) bg = getComputedStyle(node).backgroundColor
      if (/rgba\(0, 0, 0, 0\)|transparent/.test(bg)) bg = getComputedStyle(document.body).backgroundColor
      return { height: el.getBoundingClientRect().height, color: style.color, bg }
    })
    expect(code.height).toBeGreaterThanOrEqual(108)
    expect(contrast(code.color, code.bg)).toBeGreaterThanOrEqual(7)
    await expectFits(page)
    await shot(page, 'sign-in-1080p')

    await actOnDemoCode({ verificationUri: String(snapshot.verificationUri), userCode: String(snapshot.userCode), name: 'Living Room', decision: 'approve' })
    await page.waitForSelector('main.screen--success')
    expect(await page.locator('main').innerText()).toContain('Living Room')
    await expectFits(page)
    await shot(page, 'success-1080p')
    await screen.close()
    screen = undefined
  })

  it('better-auth: approve shows the account and the page never receives a token; deny and expiry show their screens', async () => {
    screen = await openScreen(browser, [baEntry()], { info: { fixedProvider: 'ba' } })
    const { page, service } = screen
    await page.waitForSelector('main.screen--sign-in .user-code')
    const user = await ba.signUp('Grace Hopper')
    await ba.approve(String(service.state().userCode), user.token)
    await page.waitForSelector('main.screen--success')
    expect(await page.locator('main').innerText()).toContain(user.email)
    const sessions = (await (await fetch(`${ba.baseUrl}/list-sessions`, { headers: { authorization: `Bearer ${user.token}` } })).json()) as { token: string }[]
    const received = await screen.received()
    expect(received).toContain(user.email)
    expect(sessions.length).toBeGreaterThan(1)
    for (const session of sessions) expect(received).not.toContain(session.token)

    // Another account, denied this time: OK retries from the denied screen.
    await page.keyboard.press('Escape')
    await screen.close()
    screen = await openScreen(browser, [baEntry()], { info: { fixedProvider: 'ba' } })
    await screen.page.waitForSelector('main.screen--sign-in .user-code')
    await ba.deny(String(screen.service.state().userCode), (await ba.signUp('Mallory')).token)
    await screen.page.waitForSelector('main.screen--denied')
    await expectFits(screen.page)
    await shot(screen.page, 'denied-1080p')
    await screen.page.keyboard.press('Enter')
    await screen.page.waitForSelector('main.screen--sign-in .user-code')
    await screen.close()

    const short = await startBetterAuthServer({ interval: 1, expiresIn: 2 })
    try {
      screen = await openScreen(browser, [baEntry(short)], { info: { fixedProvider: 'ba' } })
      await screen.page.waitForSelector('main.screen--expired', { timeout: 20_000 })
      await expectFits(screen.page)
      await shot(screen.page, 'expired-1080p')
      await screen.page.keyboard.press('Enter') // "Press OK for a new code"
      await screen.page.waitForSelector('main.screen--sign-in .user-code')
      await screen.close()
      screen = undefined
    } finally {
      await short.close()
    }
  })

  it('every screen fits 720p, 1080p and 2160p with hostile input: a 64-character code, a 300-character URL, HTML and emoji in the name', async () => {
    let server: Server | undefined
    try {
      server = createServer((req, res) => {
        const origin = `http://127.0.0.1:${(server?.address() as AddressInfo).port}`
        req.resume()
        res.setHeader('content-type', 'application/json')
        if (req.url === '/device') {
          return void res.end(JSON.stringify({ device_code: 'd'.repeat(40), user_code: 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'.repeat(2), verification_uri: `${origin}/activate/${'x'.repeat(300 - origin.length - 10)}`, expires_in: 86_400, interval: 5 }))
        }
        res.statusCode = 400
        res.end(JSON.stringify({ error: 'authorization_pending' }))
      })
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const hostile = entry({ id: 'odd', dialect: 'oauth2', clientId: 'c', endpoints: { deviceAuthorization: `${origin}/device`, token: `${origin}/token` } }, '<b>Bold</b> 📺 Provider')
      for (const size of SIZES) {
        screen = await openScreen(browser, [hostile, baEntry()], { size })
        const { page } = screen
        await page.waitForSelector('main.screen--picker')
        expect(await page.locator('main b').count()).toBe(0)
        expect(await page.locator('main').innerText()).toContain('<b>Bold</b> 📺 Provider')
        await expectFits(page)
        await shot(page, `picker-hostile-${size.name}`)
        await page.keyboard.press('Enter')
        await page.waitForSelector('main.screen--sign-in .user-code')
        expect(normalize(await drawnCode(page))).toHaveLength(64)
        await expectFits(page)
        await shot(page, `sign-in-hostile-${size.name}`)
        await screen.close()
        screen = undefined
      }
    } finally {
      server?.closeAllConnections()
      server?.close()
    }
  })

  it('every screen at 720p, 1080p and 2160p fits inside the overscan margins, keyboard only', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer()
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo
        probe.close(() => resolve(port))
      })
    })
    const broken = entry({ id: 'down', dialect: 'oidc', issuer: `http://127.0.0.1:${closedPort}`, clientId: 'x' }, 'Unreachable provider')
    /** Every visible element lies inside the 5 % overscan margins. */
    const insideOverscan = (page: Page) =>
      page.evaluate(() => {
        const mx = innerWidth * 0.05 - 1
        const my = innerHeight * 0.05 - 1
        return Array.from(document.querySelectorAll('main *'))
          .map((el) => ({ el, r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0 && r.height > 0)
          .filter(({ r }) => r.left < mx || r.top < my || r.right > innerWidth - mx || r.bottom > innerHeight - my)
          .map(({ el }) => `${el.tagName}.${el.className}`)
      })
    for (const size of SIZES) {
      // No code-request retries here: the unreachable provider must reach its error screen (the
      // retrying screen is checked in test/unit/renderer/network-status.test.ts and the fault matrix).
      screen = await openScreen(browser, [baEntry(), broken], { size, codeRetryMs: 0 })
      const { page, service } = screen
      const check = async (name: string) => {
        await expectFits(page)
        expect(await insideOverscan(page), `${name} at ${size.name}`).toEqual([])
        await shot(page, `${name}-${size.name}`)
      }
      await page.waitForSelector('main.screen--picker')
      await check('picker')
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--sign-in .user-code')
      await check('sign-in')
      const user = await ba.signUp(`Viewer ${size.name}`)
      await ba.approve(String(service.state().userCode), user.token)
      await page.waitForSelector('main.screen--success')
      await check('success')
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--accounts')
      await check('accounts')
      await page.keyboard.press('Escape')
      await page.waitForSelector('main.screen--picker')
      await page.keyboard.press('ArrowRight') // the second tile: the unreachable provider
      expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText)).toContain('Unreachable provider')
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--error')
      await check('error')
      await screen.close()
      screen = undefined
    }
  }, 90_000)

  it('honours prefers-reduced-motion: the countdown bar does not animate', async () => {
    screen = await openScreen(browser, [baEntry()], { info: { fixedProvider: 'ba' } })
    await screen.page.emulateMedia({ reducedMotion: 'reduce' })
    await screen.page.waitForSelector('main.screen--sign-in .countdown__fill')
    const motion = await screen.page.locator('.countdown__fill').evaluate((el) => {
      const style = getComputedStyle(el)
      return { transition: style.transitionDuration, animation: style.animationName }
    })
    expect(motion).toEqual({ transition: '0s', animation: 'none' })
    await screen.close()
    screen = undefined
  })

  it('an event stream that drops shows "reconnecting", then resyncs from a fresh snapshot', async () => {
    screen = await openScreen(browser, [baEntry()], { info: { fixedProvider: 'ba' } })
    const { page, serve, service } = screen
    await page.waitForSelector('main.screen--sign-in .user-code')
    serve.disconnectEvents()
    await page.waitForFunction(() => /Reconnecting/.test(document.body.innerText), undefined, { timeout: 10_000 })
    await shot(page, 'sign-in-reconnecting-1080p')
    const user = await ba.signUp('Back Online')
    await ba.approve(String(service.state().userCode), user.token)
    await page.waitForSelector('main.screen--success', { timeout: 20_000 })
    expect(await page.locator('main').innerText()).toContain(user.email)
    await screen.close()
    screen = undefined
  })

  it('the accounts screen lists every account with sign-out, by keyboard', async () => {
    screen = await openScreen(browser, [baEntry()], { info: { fixedProvider: 'ba' } })
    const { page, service } = screen
    await page.waitForSelector('main.screen--sign-in .user-code')
    const user = await ba.signUp('Ada Accounts')
    await ba.approve(String(service.state().userCode), user.token)
    await page.waitForSelector('main.screen--success')
    await page.keyboard.press('Enter') // "Done" → accounts
    await page.waitForSelector('main.screen--accounts')
    expect(await page.locator('main').innerText()).toContain(user.email)
    for (const size of SIZES) {
      await page.setViewportSize(size)
      await expectFits(page)
      await shot(page, `accounts-${size.name}`)
    }
    await page.setViewportSize({ width: 1920, height: 1080 })
    await page.keyboard.press('ArrowUp') // from "Sign in another account" up to the account's "Sign out"
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText)).toBe('Sign out')
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => !document.body.innerText.includes('Ada Accounts'))
    expect(service.listAccounts()).toHaveLength(0)
  })
})
