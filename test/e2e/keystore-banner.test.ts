/**
 * The app banner while the keystore is locked, in Chromium, keyboard only. Electron asks the
 * Keychain (or DPAPI, or the Linux key store) once per process, so when it has answered "no"
 * for this run the banner offers a restart instead of "Try again", asks before a restart
 * would lose accounts that only memory holds, and says nothing about restarting on a kiosk.
 *
 * The page is the real renderer, served by `linkscreen serve` with the app's info as the
 * Electron host would give it (`host: 'electron'`); serve itself cannot restart anything, so
 * its refusal is what "Restart anyway" gets here, and the request the page sent is checked.
 * Screenshots of the confirmation, landscape and portrait, go to test-results/screens/.
 *
 * Skips (loudly) when /usr/bin/chromium is missing.
 */
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AppInfo } from '../../electron/ipc/contract'
import { HAS_CHROMIUM, SKIP_REASON, entry, launchChromium, openScreen, type Screen } from './support/screen-harness'

if (!HAS_CHROMIUM) console.warn(SKIP_REASON)

const SHOTS = 'test-results/screens'
mkdirSync(SHOTS, { recursive: true })

/** Refuses connections (port 9, discard): a sign-in started against it stays "starting", retrying. */
const PROVIDER = entry({ id: 'corp', name: 'Corp', dialect: 'oauth2', clientId: 'c', endpoints: { deviceAuthorization: 'http://127.0.0.1:9/device', token: 'http://127.0.0.1:9/token' } })

const LOCKED: Partial<AppInfo> = {
  host: 'electron',
  storage: 'locked',
  keystore: 'the macOS Keychain',
  notices: [{ code: 'keystore_locked', message: 'The macOS Keychain did not give Linkscreen its key. Restart Linkscreen (and allow it if the macOS Keychain asks) to use it.' }],
}

const banner = (page: Page) => page.locator('.app-banner')

/** The label of the focused element. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? null)

/** The focused control: its label and where it is (two controls may share a label). */
const focusedAt = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement
    const box = el?.getBoundingClientRect()
    return { label: el?.textContent?.trim() ?? null, at: box ? `${Math.round(box.x)},${Math.round(box.y)}` : '' }
  })

/**
 * Moves focus with the arrow keys until the named button has it (the screen has no pointer).
 * A search over the controls: from each one reached, every arrow is tried once; when all four
 * have been tried from where focus is, it goes on from there with the arrow tried least.
 */
async function focusButton(page: Page, name: string): Promise<void> {
  const arrows = ['ArrowLeft', 'ArrowUp', 'ArrowRight', 'ArrowDown'] as const
  const tried = new Map<string, Map<string, number>>()
  for (let step = 0; step < 60; step++) {
    const { label, at } = await focusedAt(page)
    if (label === name) return
    const key = `${label}@${at}`
    const counts = tried.get(key) ?? new Map<string, number>()
    tried.set(key, counts)
    const arrow = [...arrows].sort((x, y) => (counts.get(x) ?? 0) - (counts.get(y) ?? 0))[0]!
    counts.set(arrow, (counts.get(arrow) ?? 0) + 1)
    await page.keyboard.press(arrow)
  }
  throw new Error(`no focus reached "${name}" (at "${(await focusedAt(page)).label}")`)
}

/** Reaches the banner's Restart button with the arrows and presses OK. */
async function pressRestart(page: Page): Promise<void> {
  await focusButton(page, 'Restart Linkscreen to open the key store')
  await page.keyboard.press('Enter')
}

/** The name on the focused provider tile, if a tile has focus. */
const focusedTile = (page: Page) => page.evaluate(() => document.activeElement?.querySelector('.provider-tile__name')?.textContent ?? null)

/** Keeps the page's event streams reachable, so a test can deliver an `app:changed` as the back end would. */
const keepEventSources = async (page: Page): Promise<void> => {
  await page.addInitScript(() => {
    const Original = window.EventSource
    window.EventSource = class extends Original {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init)
        ;((window as unknown as { __sources?: EventSource[] }).__sources ??= []).push(this)
      }
    }
  })
}

/** Delivers `info` (without the members in `drop`) to the page as main's `app:changed` event (serve never sends one). */
async function pushInfo(page: Page, info: Partial<AppInfo>, drop: readonly (keyof AppInfo)[] = []): Promise<void> {
  const full: Partial<AppInfo> = { kiosk: false, fixedProvider: null, locale: 'en-US', host: 'electron', storage: 'locked', notices: [], ...LOCKED, ...info }
  for (const key of drop) delete full[key]
  const delivered = await page.evaluate((data) => {
    const sources = (window as unknown as { __sources?: EventSource[] }).__sources ?? []
    const open = sources.filter((source) => source.readyState !== EventSource.CLOSED)
    for (const source of open) source.dispatchEvent(new MessageEvent('app:changed', { data }))
    return open.length
  }, JSON.stringify(full))
  if (delivered === 0) throw new Error('the page has no open event stream')
}

/** The bodies of the `app:restart` calls the page makes from now on. */
function restartRequests(page: Page): unknown[] {
  const sent: unknown[] = []
  page.on('request', (request) => {
    if (request.url().endsWith('/api/invoke/app:restart')) sent.push(request.postDataJSON())
  })
  return sent
}

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'the keystore banner in Chromium' : SKIP_REASON, () => {
  let browser: Browser
  let screen: Screen | undefined

  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterEach(async () => {
    await screen?.close()
    screen = undefined
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('a keystore a retry may still open: "Try the key store again", no restart', async () => {
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, keystoreRetry: 'now', unsavedAccounts: 0 } })
    await expect.poll(() => banner(screen!.page).textContent()).toContain('The key store is locked')
    await expect.poll(() => banner(screen!.page).getByRole('button').allTextContents()).toEqual(['Try the key store again'])
  })

  it(`only a restart helps, two accounts unsaved: asks first, "Don't restart" goes back, "Restart anyway" sends the consent`, async () => {
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, keystoreRetry: 'restart', unsavedAccounts: 2 } })
    const { page } = screen
    const sent = restartRequests(page)
    await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart Linkscreen to open the key store'])
    expect(await banner(page).textContent()).not.toContain('Try the key store again')

    await pressRestart(page)
    await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart anyway', "Don't restart"])
    expect(await banner(page).textContent()).toContain('a restart signs them out (2)')
    // The safe choice has focus: a second OK does not restart.
    expect(await focused(page)).toBe("Don't restart")
    // Asking is not restarting: nothing was sent yet.
    expect(sent).toEqual([])
    for (const size of [{ name: 'landscape', width: 1920, height: 1080 }, { name: 'portrait', width: 1080, height: 1920 }]) {
      await page.setViewportSize(size)
      const box = await banner(page).boundingBox()
      expect(box && box.y + box.height <= size.height && box.x >= 0 && box.x + box.width <= size.width, `the banner fits ${size.name}`).toBe(true)
      await page.screenshot({ path: `${SHOTS}/keystore-restart-confirm-${size.name}.png` })
    }

    await page.keyboard.press('Enter')
    await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart Linkscreen to open the key store'])
    expect(await focused(page)).toBe('Restart Linkscreen to open the key store')
    expect(sent).toEqual([])

    await page.keyboard.press('Enter')
    await expect.poll(() => focused(page)).toBe("Don't restart")
    await focusButton(page, 'Restart anyway')
    await page.keyboard.press('Enter')
    // The count the user saw is what they agreed to lose.
    await expect.poll(() => sent).toEqual([{ request: { discardUnsaved: 2 } }])
  })

  it(`Back answers the question as "Don't restart" does, and leaves the screen under it where it was`, async () => {
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, keystoreRetry: 'restart', unsavedAccounts: 1 } })
    const { page } = screen
    const sent = restartRequests(page)
    // A screen whose own Back does something: the account list (Back returns to the picker).
    await focusButton(page, 'Signed-in accounts (0)')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Signed-in accounts')

    await pressRestart(page)
    await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart anyway', "Don't restart"])
    for (const back of ['Escape', 'Backspace']) {
      await page.keyboard.press(back)
      await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart Linkscreen to open the key store'])
      expect(await focused(page)).toBe('Restart Linkscreen to open the key store')
      // The screen's own Back (back to the picker) is asynchronous: give it time to show if it ran.
      await page.waitForTimeout(300)
      expect(await page.locator('main h1').textContent()).toBe('Signed-in accounts')
      await page.keyboard.press('Enter')
      await expect.poll(() => focused(page)).toBe("Don't restart")
    }
    await page.keyboard.press('Escape')
    await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart Linkscreen to open the key store'])
    // With the question gone, Back is the screen's again.
    await page.keyboard.press('Escape')
    await expect.poll(() => page.locator('main h1').textContent()).not.toBe('Signed-in accounts')
    expect(sent).toEqual([])
  })

  it('the count changes while asking: asked again with the new count (which is what "Restart anyway" sends); nothing left to lose: the question goes', async () => {
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, keystoreRetry: 'restart', unsavedAccounts: 2 }, prepare: keepEventSources })
    const { page } = screen
    const sent = restartRequests(page)
    await pressRestart(page)
    await expect.poll(() => banner(page).textContent()).toContain('a restart signs them out (2)')
    await expect.poll(() => focused(page)).toBe("Don't restart")
    await focusButton(page, 'Restart anyway')

    // An account signed in meanwhile (main pushes app:changed): the question is asked again, the safe choice focused.
    await pushInfo(page, { keystoreRetry: 'restart', unsavedAccounts: 3 })
    await expect.poll(() => banner(page).textContent()).toContain('a restart signs them out (3)')
    expect(await focused(page)).toBe("Don't restart")
    expect(await banner(page).getByRole('button').allTextContents()).toEqual(['Restart anyway', "Don't restart"])

    // The accounts were signed out meanwhile: nothing to lose, no question; the Restart button has focus.
    await pushInfo(page, { keystoreRetry: 'restart', unsavedAccounts: 0 })
    await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart Linkscreen to open the key store'])
    await expect.poll(() => focused(page)).toBe('Restart Linkscreen to open the key store')

    // Asked again at 1, "Restart anyway" sends 1.
    await pushInfo(page, { keystoreRetry: 'restart', unsavedAccounts: 1 })
    await page.keyboard.press('Enter')
    await expect.poll(() => banner(page).textContent()).toContain('a restart signs them out (1)')
    await expect.poll(() => focused(page)).toBe("Don't restart")
    await focusButton(page, 'Restart anyway')
    await page.keyboard.press('Enter')
    await expect.poll(() => sent).toEqual([{ request: { discardUnsaved: 1 } }])
  })

  it('a sign-in under way, nothing unsaved: the restart asks first, saying the sign-in is cancelled', async () => {
    // The provider refuses connections: the screen keeps asking it for a code ("starting") meanwhile.
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, keystoreRetry: 'restart', unsavedAccounts: 0 } })
    const { page } = screen
    const sent = restartRequests(page)
    // The picker's first tile (Corp's) has focus when the screen opens.
    await expect.poll(() => focusedTile(page)).toBe('Corp')
    await page.keyboard.press('Enter')
    await expect.poll(() => screen!.service.state().status).toBe('starting')
    await expect.poll(() => page.locator('main.screen--sign-in').count()).toBe(1)
    await pressRestart(page)
    await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart anyway', "Don't restart"])
    await expect.poll(() => focused(page)).toBe("Don't restart")
    const text = await banner(page).textContent()
    expect(text).toContain('A sign-in is under way: a restart cancels it')
    expect(text).not.toContain('signs them out')
    expect(sent).toEqual([])
    for (const size of [{ name: 'landscape', width: 1920, height: 1080 }, { name: 'portrait', width: 1080, height: 1920 }]) {
      await page.setViewportSize(size)
      await page.screenshot({ path: `${SHOTS}/keystore-restart-sign-in-${size.name}.png` })
    }
    await focusButton(page, 'Restart anyway')
    await page.keyboard.press('Enter')
    await expect.poll(() => sent).toEqual([{ request: { discardUnsaved: 0 } }])
  })

  it('a sign-in started while asking: asked again, now saying the sign-in is cancelled too', async () => {
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, keystoreRetry: 'restart', unsavedAccounts: 1 } })
    const { page } = screen
    await pressRestart(page)
    await expect.poll(() => focused(page)).toBe("Don't restart")
    expect(await banner(page).textContent()).not.toContain('A sign-in is under way')
    // While the question is open, the user starts a sign-in from the picker.
    await expect.poll(async () => {
      await page.keyboard.press('ArrowUp')
      return focusedTile(page)
    }).toBe('Corp')
    await page.keyboard.press('Enter')
    await expect.poll(() => banner(page).textContent()).toContain('A sign-in is under way: a restart cancels it')
    expect(await banner(page).textContent()).toContain('a restart signs them out (1)')
    // Asked again: the safe choice has focus again.
    await expect.poll(() => focused(page)).toBe("Don't restart")
  })

  it('the key store opens while asking: the question goes, and does not come back by itself if it locks again', async () => {
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, keystoreRetry: 'restart', unsavedAccounts: 2 }, prepare: keepEventSources })
    const { page } = screen
    await pressRestart(page)
    await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart anyway', "Don't restart"])
    await pushInfo(page, { storage: 'encrypted', notices: [] }, ['keystoreRetry', 'unsavedAccounts'])
    await expect.poll(() => banner(page).getByRole('button').count()).toBe(0)
    await pushInfo(page, { keystoreRetry: 'restart', unsavedAccounts: 2 })
    await expect.poll(() => banner(page).getByRole('button').allTextContents()).toEqual(['Restart Linkscreen to open the key store'])
  })

  it('only a restart helps, nothing unsaved, a restart already made: says so, and the button restarts at once', async () => {
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, keystoreRetry: 'restart', unsavedAccounts: 0, keystoreRestarted: true } })
    const { page } = screen
    await expect.poll(() => banner(page).textContent()).toContain('Linkscreen was already restarted for this')
    const sent = restartRequests(page)
    await pressRestart(page)
    await expect.poll(() => sent).toEqual([{ request: { discardUnsaved: 0 } }])
  })

  it('an AppImage (the app cannot restart itself): no button, the banner says to quit and start it again', async () => {
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, keystoreRetry: 'start-again', unsavedAccounts: 0 } })
    await expect.poll(() => banner(screen!.page).textContent()).toContain('Quit Linkscreen and start it again to open the key store.')
    expect(await banner(screen.page).getByRole('button').count()).toBe(0)
  })

  it('a kiosk: no restart button (whatever runs the kiosk owns its process), and the banner says when the key store is asked again', async () => {
    screen = await openScreen(browser, [PROVIDER], { info: { ...LOCKED, kiosk: true, keystoreRetry: 'start-again', unsavedAccounts: 1 } })
    await expect.poll(() => banner(screen!.page).textContent()).toContain('The key store is asked again when this screen restarts.')
    expect(await banner(screen.page).getByRole('button').count()).toBe(0)
  })
})
