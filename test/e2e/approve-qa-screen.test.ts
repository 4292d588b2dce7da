/**
 * The screen's account actions, the approve screen and the QA panel, end to end in Chromium
 * through `linkscreen serve` and the real core, keyboard only:
 *
 * - a better-auth account approves the code a second device (a plain better-auth dialect in
 *   this test) is waiting on; that device's poll is then authorized; a wrong code and a used
 *   code get their own messages; "Refresh now" shows why it failed; signing out while the
 *   provider is down says so while the account goes;
 * - the QA panel, live during a demo flow and after it: one chart mark and one table row per
 *   logged exchange, the interval drawn, no token or device code anywhere in the page, and
 *   "Export JSON" falling back to a download in serve mode; kiosk mode has no panel.
 *
 * Screenshots at 1920×1080 go to test-results/screens/. Skips (loudly) without Chromium.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import { createBetterAuthDialect } from '../../electron/core/dialects/better-auth'
import { createHttp } from '../../electron/core/http'
import type { DeviceAuthorization, FetchLike, PollOutcome } from '../../electron/core/types'
import { startDemoServer, type DemoServer } from '../../electron/demo/demo-server'
import type { FlowLogView } from '../../electron/ipc/contract'
import { en } from '../../renderer/i18n/catalogue'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'
import { actOnDemoCode } from '../servers/demo-approve'
import { HAS_CHROMIUM, SIZES, SKIP_REASON, entry, launchChromium, openScreen, type Screen } from './support/screen-harness'

if (!HAS_CHROMIUM) console.warn(SKIP_REASON)

const SHOTS = 'test-results/screens'
mkdirSync(SHOTS, { recursive: true })

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` })
const focused = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText ?? null)
const mainText = (page: Page) => page.locator('main').innerText()
const normalize = (code: string) => code.replace(/[^A-Za-z0-9]/g, '').toUpperCase()

async function expectFits(page: Page): Promise<void> {
  const box = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight, vw: innerWidth, vh: innerHeight }))
  expect(box.w, 'no horizontal overflow').toBeLessThanOrEqual(box.vw)
  expect(box.h, 'no vertical overflow').toBeLessThanOrEqual(box.vh)
}

/** Polls like the device would, until it is no longer pending (or `ms` pass). */
async function pollUntilDecided(poll: () => Promise<PollOutcome>, ms = 10_000): Promise<PollOutcome> {
  const deadline = Date.now() + ms
  for (;;) {
    const outcome = await poll()
    if ((outcome.kind !== 'pending' && outcome.kind !== 'slow_down') || Date.now() > deadline) return outcome
    await new Promise((resolve) => setTimeout(resolve, 1100))
  }
}

/** A fetch that remembers every secret value crossing the wire, in requests and responses. */
function recordingFetch(): { fetch: FetchLike; secrets: Set<string> } {
  const secrets = new Set<string>()
  const SECRET_KEYS = /^(device_code|user_code|access_token|refresh_token|id_token|token|code|client_secret)$/
  const note = (text: string) => {
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = Object.fromEntries(new URLSearchParams(text))
    }
    if (typeof body !== 'object' || body === null) return
    for (const [key, value] of Object.entries(body)) if (SECRET_KEYS.test(key) && typeof value === 'string' && value.length >= 6) secrets.add(value)
  }
  const recording: FetchLike = async (input, init) => {
    if (typeof init.body === 'string') note(init.body)
    else if (init.body instanceof URLSearchParams) note(init.body.toString())
    const response = await fetch(input, init)
    note(await response.clone().text())
    return response
  }
  return { fetch: recording, secrets }
}

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'account actions, approve screen and QA panel in Chromium' : SKIP_REASON, () => {
  let browser: Browser
  let demo: DemoServer
  let screen: Screen | undefined

  beforeAll(async () => {
    browser = await launchChromium()
    demo = await startDemoServer({ intervalSeconds: 1, quiet: true })
  })
  afterAll(async () => {
    await screen?.close()
    await browser?.close()
    await demo?.close()
  })

  it('a better-auth account approves another device’s code: wrong and used codes have their own messages, the device’s poll is authorized', async () => {
    const ba: BetterAuthServer = await startBetterAuthServer({ interval: 1 })
    let baOpen = true
    try {
      const baEntry = entry({ id: 'ba', name: 'Better Auth', dialect: 'better-auth', baseUrl: ba.baseUrl, clientId: ba.clientId })
      screen = await openScreen(browser, [baEntry])
      const { page, service } = screen

      // Sign in on this screen, by keyboard.
      await page.waitForSelector('main.screen--picker')
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--sign-in .user-code')
      const approver = await ba.signUp('Ada Approver')
      await ba.approve(String(service.state().userCode), approver.token)
      await page.waitForSelector('main.screen--success')
      await page.keyboard.press('Enter') // Done → accounts
      await page.waitForSelector('main.screen--accounts')
      expect(service.listAccounts()[0]?.canApprove).toBe(true)
      expect(await page.locator('.accounts__item').getAttribute('data-status')).toBe('active')
      await expectFits(page)
      await shot(page, 'accounts-actions-1080p')

      // "Refresh now": the row says it worked.
      await page.keyboard.press('ArrowUp') // → Sign out (alone on the row's lower line)
      expect(await focused(page)).toBe(en['accounts.signOut'])
      await page.keyboard.press('ArrowUp') // → the line above: Approve a code
      expect(await focused(page)).toBe(en['accounts.approve'])
      await page.keyboard.press('ArrowRight')
      expect(await focused(page)).toBe(en['accounts.refresh'])
      await page.keyboard.press('Enter')
      await page.waitForSelector('.accounts__note--good')
      expect(await page.locator('.accounts__note--good').innerText()).toBe(en['accounts.refreshed'])

      // The approve screen; the code field takes first focus.
      await page.keyboard.press('ArrowLeft')
      expect(await focused(page)).toBe(en['accounts.approve'])
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--approve')
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('INPUT')
      expect(await mainText(page)).toContain('Ada Approver')

      // A wrong code: its own message; Backspace edits the field and does not leave the screen.
      await page.keyboard.type('zzzz-zzzx')
      await page.keyboard.press('Backspace')
      await page.keyboard.type('z')
      expect(await page.locator('.code-input__field').inputValue()).toBe('zzzz-zzzz')
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--approve .notice')
      expect(await page.locator('.notice__title').innerText()).toBe(en['approve.failure.invalid_code'])
      expect(await page.locator('.code-input__field').getAttribute('aria-invalid')).toBe('true')
      await expectFits(page)
      await shot(page, 'approve-wrong-code-1080p')

      // A second device asks for a code; it is typed as a person would, lower case.
      const device = createBetterAuthDialect({ id: 'tv', baseUrl: ba.baseUrl, clientId: ba.clientId, scope: 'openid profile' }, { http: createHttp({ fetch, clock: systemClock }), clock: systemClock })
      const authorization: DeviceAuthorization = await device.requestCode()
      expect((await device.poll(authorization)).kind).toBe('pending')
      await page.locator('.code-input__field').focus()
      await page.keyboard.press('Control+A')
      await page.keyboard.type(`${authorization.user_code.slice(0, 4)}-${authorization.user_code.slice(4)}`.toLowerCase())
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--approve-confirm')

      // What asks, before deciding (RFC 8628 §5.4): the code big, the client, scopes, approver, provider.
      const confirm = await mainText(page)
      expect(normalize(await page.locator('.user-code__text').innerText())).toBe(normalize(authorization.user_code))
      expect(confirm).toContain(ba.clientId)
      expect(confirm).toContain('Better Auth')
      expect(confirm).toContain('Ada Approver')
      expect(confirm).toContain(en['approve.warning'])
      expect(await page.locator('.scope-list__item').allInnerTexts()).toEqual(['openid', 'profile'])
      const glyph = await page.locator('.user-code__text .glyph').first().boundingBox()
      expect(glyph?.height ?? 0).toBeGreaterThanOrEqual(90)
      // Approve waits for "I started this on a device I own", which has first focus.
      const approveButton = page.locator('main button', { hasText: new RegExp(`^${en['approve.approve']}$`) })
      expect(await approveButton.isDisabled()).toBe(true)
      expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('checkbox')
      await page.keyboard.press('ArrowRight') // a disabled Approve is skipped: Deny
      expect(await focused(page)).toBe(en['approve.deny'])
      await page.keyboard.press('ArrowLeft')
      await shot(page, 'approve-confirm-unticked-1080p')
      await page.keyboard.press('Enter')
      expect(await page.locator('.confirm-toggle').getAttribute('aria-checked')).toBe('true')
      expect(await approveButton.isDisabled()).toBe(false)
      for (const size of SIZES) {
        await page.setViewportSize(size)
        await expectFits(page)
        if (size.name !== '1080p') await shot(page, `approve-confirm-${size.name}`)
      }
      await page.setViewportSize({ width: 1920, height: 1080 })
      await shot(page, 'approve-confirm-1080p')
      await page.keyboard.press('ArrowRight')
      expect(await focused(page)).toBe(en['approve.approve'])
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--approve-done')
      expect(await mainText(page)).toContain(en['approve.approvedTitle'])
      await shot(page, 'approve-done-1080p')

      // The same code again, before the device collected it: "already used".
      await page.keyboard.press('ArrowRight') // Done → Approve another code
      expect(await focused(page)).toBe(en['approve.another'])
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--approve')
      await page.keyboard.type(authorization.user_code)
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--approve .notice')
      expect(await page.locator('.notice__title').innerText()).toBe(en['approve.failure.already_processed'])

      // The device's own poll is now authorized, as the approver.
      const outcome = await pollUntilDecided(() => device.poll(authorization))
      expect(outcome.kind).toBe('authorized')
      if (outcome.kind === 'authorized') expect(await device.fetchAccount?.(outcome.tokens)).toMatchObject({ sub: approver.userId })

      // Back (Escape) returns to the accounts; Escape in the field is Back too.
      await page.keyboard.press('Escape')
      await page.waitForSelector('main.screen--accounts')

      // With the provider down, "Refresh now" says why it failed, in the account's row…
      await ba.close()
      baOpen = false
      await page.keyboard.press('ArrowUp')
      await page.keyboard.press('ArrowUp')
      await page.keyboard.press('ArrowRight')
      expect(await focused(page)).toBe(en['accounts.refresh'])
      await page.keyboard.press('Enter')
      await page.waitForSelector('.accounts__note--bad', { timeout: 15_000 })
      expect(await page.locator('.accounts__note--bad .accounts__note-text').innerText()).toBe(en['errors.network_error'])
      expect(await page.locator('.accounts__note--bad .accounts__note-detail').innerText()).not.toBe('')
      await shot(page, 'accounts-refresh-failed-1080p')

      // …and signing out: the account goes, the screen says the provider was not reached.
      await page.keyboard.press('ArrowLeft')
      await page.keyboard.press('ArrowDown')
      expect(await focused(page)).toBe(en['accounts.signOut'])
      await page.keyboard.press('Enter')
      await page.waitForSelector('main.screen--accounts .notice', { timeout: 15_000 })
      expect(await page.locator('.notice__title').innerText()).toBe(en['errors.revocation_failed'])
      await page.waitForFunction(() => document.querySelectorAll('.accounts__item').length === 0)
      expect(service.listAccounts()).toHaveLength(0)
      expect(await mainText(page)).toContain(en['accounts.empty'])
      await shot(page, 'accounts-revocation-failed-1080p')
      await screen.close()
      screen = undefined
    } finally {
      if (baOpen) await ba.close()
    }
  }, 90_000)

  it('an account the provider no longer accepts is marked, offers "Sign in again" (no refresh, no approve), which starts its provider’s sign-in', async () => {
    const demoEntry = entry({ id: 'demo', name: 'Linkscreen demo', dialect: 'oidc', issuer: demo.issuer, clientId: demo.clientId, scope: 'openid profile email' })
    const baEntry = entry({ id: 'ba', name: 'Better Auth', dialect: 'better-auth', baseUrl: 'http://127.0.0.1:9/api/auth', clientId: 'x' })
    screen = await openScreen(browser, [demoEntry, baEntry])
    const { page, service } = screen
    // The core marks an account so only after a refresh refused with invalid_grant; here the
    // account list the page receives says so directly (events and resyncs alike).
    const base = { sub: 's', picture: null, scope: 'openid', signedInAt: Date.now() - 86_400_000, expiresAt: Date.now() - 1000, canApprove: false }
    const accounts = [
      { ...base, id: 'demo:s', providerId: 'demo', providerName: 'Linkscreen demo', name: 'Stale Sam', email: 'sam@example.test', status: 'needs_sign_in' },
      { ...base, id: 'ba:t', providerId: 'ba', providerName: 'Better Auth', name: 'Active Ada', email: null, status: 'active', canApprove: true },
    ]
    await page.route('**/api/invoke/accounts:list', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(accounts) }))
    await page.route('**/api/events', (route) => route.fulfill({ status: 200, contentType: 'text/event-stream', body: `event: accounts:changed\ndata: ${JSON.stringify(accounts)}\n\n` }))
    await page.reload()
    await page.waitForSelector('main.screen--picker')
    await page.keyboard.press('ArrowDown') // → "Signed-in accounts (2)"
    await page.keyboard.press('Enter')
    await page.waitForSelector('main.screen--accounts')
    const stale = page.locator('.accounts__item[data-status="needs_sign_in"]')
    expect(await stale.locator('.accounts__status').innerText()).toContain(en['accounts.needsSignIn'].replace('{provider}', 'Linkscreen demo'))
    expect(await stale.locator('button').allInnerTexts()).toEqual([en['accounts.signInAgain'], en['accounts.signOut']])
    expect(await page.locator('.accounts__item[data-status="active"] button').allInnerTexts()).toEqual([en['accounts.approve'], en['accounts.refresh'], en['accounts.signOut']])
    // The access token's expiry means nothing in a living room: it is not shown.
    expect(await mainText(page)).not.toMatch(/expire/i)
    await expectFits(page)
    await shot(page, 'accounts-needs-sign-in-1080p')

    await stale.locator('button', { hasText: en['accounts.signInAgain'] }).focus()
    await page.keyboard.press('Enter')
    await page.waitForSelector('main.screen--sign-in')
    expect(service.state().providerId).toBe('demo')
    await screen.close()
    screen = undefined
  })

  it('the QA panel: live during a demo flow, then one mark and one row per exchange, the interval drawn, no secret in the page, Export JSON downloads', async () => {
    const wire = recordingFetch()
    const demoEntry = entry({ id: 'demo', name: 'Linkscreen demo', dialect: 'oidc', issuer: demo.issuer, clientId: demo.clientId, scope: 'openid profile email' })
    screen = await openScreen(browser, [demoEntry], { fetch: wire.fetch })
    const { page, service } = screen
    await page.waitForSelector('main.screen--picker')

    // Before any flow the panel says so; Q opens it from the picker, Escape closes it.
    await page.keyboard.press('q')
    await page.waitForSelector('main.screen--qa')
    await page.waitForFunction((text) => document.body.innerText.includes(text), en['qa.none'])
    await page.keyboard.press('Escape')
    await page.waitForSelector('main.screen--picker')

    // During the flow (F2 from the sign-in screen) the panel grows by itself, once a second.
    await page.keyboard.press('Enter')
    await page.waitForSelector('main.screen--sign-in .user-code')
    await page.keyboard.press('F2')
    await page.waitForSelector('main.screen--qa .qa-chart')
    const marks = () => page.locator('.qa-chart__mark').count()
    const early = await marks()
    await page.waitForFunction((n) => document.querySelectorAll('.qa-chart__mark').length >= n + 2, early, { timeout: 10_000 })
    expect(await page.locator('.qa-chart__mark[data-outcome="pending"]').count()).toBeGreaterThanOrEqual(1)
    expect(await page.locator('.qa-chart__interval').count()).toBeGreaterThanOrEqual(1)
    await page.keyboard.press('Escape')
    await page.waitForSelector('main.screen--sign-in .user-code')

    const snapshot = service.state()
    await actOnDemoCode({ verificationUri: String(snapshot.verificationUri), userCode: String(snapshot.userCode), name: 'Quinn QA', decision: 'approve' })
    await page.waitForSelector('main.screen--success')
    await page.keyboard.press('Enter') // Done → accounts

    // The panel's button on the accounts screen, by arrows.
    await page.waitForSelector('main.screen--accounts')
    await page.keyboard.press('ArrowRight')
    expect(await focused(page)).toBe(en['accounts.qa'])
    await page.keyboard.press('Enter')
    await page.waitForSelector('main.screen--qa .qa-chart')

    const log = service.flowLog() as FlowLogView
    expect(log.outcome).toBe('authorized')
    expect(log.entries.length).toBeGreaterThanOrEqual(4)
    await page.waitForFunction((n) => document.querySelectorAll('.qa-chart__mark').length === n, log.entries.length)
    expect(await page.locator('.qa-table__row').count()).toBe(log.entries.length)
    const outcomes = await page.locator('.qa-chart__mark').evaluateAll((els) => els.map((el) => el.getAttribute('data-outcome')))
    expect(outcomes).toContain('pending')
    expect(outcomes).toContain('success')
    expect(outcomes.filter((o) => o === 'pending').length).toBe(log.entries.filter((e) => e.oauthError === 'authorization_pending').length)
    expect(await page.locator('.qa-chart__interval').count()).toBeGreaterThanOrEqual(1)
    expect(await page.locator('.qa-chart').innerHTML()).toContain(en['qa.intervalValue'].replace('{seconds}', '1'))
    expect(await mainText(page)).toContain('authorized')

    // Nothing secret that crossed the wire is anywhere in the page.
    expect(wire.secrets.size).toBeGreaterThanOrEqual(3)
    const dom = await page.content()
    const text = await page.evaluate(() => document.body.innerText)
    for (const secret of wire.secrets) {
      expect(dom, 'a secret in the DOM').not.toContain(secret)
      expect(text, 'a secret in the text').not.toContain(secret)
    }
    expect(normalize(text)).not.toContain(normalize(String(snapshot.userCode)))

    for (const size of SIZES) {
      await page.setViewportSize(size)
      await expectFits(page)
      if (size.name !== '1080p') await shot(page, `qa-panel-${size.name}`)
    }
    await page.setViewportSize({ width: 1920, height: 1080 })
    await shot(page, 'qa-panel-1080p')

    // Export JSON has first focus; serve mode cannot save, so the browser downloads the log.
    expect(await focused(page)).toBe(en['qa.export'])
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
    expect(download.suggestedFilename()).toMatch(/^linkscreen-flow-log-demo-[0-9TZ-]+\.json$/)
    const saved = readFileSync(await download.path(), 'utf8')
    expect(JSON.parse(saved)).toMatchObject({ format: 'linkscreen-flow-log', outcome: 'authorized', entries: log.entries })
    for (const secret of wire.secrets) expect(saved).not.toContain(secret)
    await page.waitForFunction((name) => document.body.innerText.includes(name), download.suggestedFilename())

    // The table scrolls with Up/Down when focused; Back returns to the accounts.
    await page.keyboard.press('ArrowUp')
    expect(await page.evaluate(() => document.activeElement?.classList.contains('qa-table'))).toBe(true)
    await page.keyboard.press('Escape')
    await page.waitForSelector('main.screen--accounts')
    await page.keyboard.press('F2')
    await page.waitForSelector('main.screen--qa')
    await page.keyboard.press('Escape')
    await page.waitForSelector('main.screen--accounts')
    await screen.close()

    // Kiosk mode: no QA button, and neither F2 nor Q opens the panel.
    screen = await openScreen(browser, [demoEntry], { info: { kiosk: true } })
    await screen.page.waitForSelector('main.screen--picker')
    await screen.page.keyboard.press('F2')
    await screen.page.keyboard.press('q')
    await screen.page.waitForTimeout(300)
    expect(await screen.page.locator('main.screen--qa').count()).toBe(0)
    await screen.page.keyboard.press('ArrowDown') // → "Signed-in accounts"
    await screen.page.keyboard.press('Enter')
    await screen.page.waitForSelector('main.screen--accounts')
    expect(await screen.page.locator('main').innerText()).not.toContain(en['accounts.qa'])
    await screen.close()
    screen = undefined
  }, 90_000)
})
