/**
 * Serve's one-time URL in a real browser (issue #13, finding 1): Chromium follows the 303 to a
 * page without the ticket, holds the session in an HttpOnly cookie the page cannot read, and a
 * second browser that opens the same URL (say, someone who read it off a kiosk's command line)
 * gets the refusal, not the screen.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HAS_CHROMIUM, SKIP_REASON, entry, launchChromium, openScreen } from './support/screen-harness'

if (!HAS_CHROMIUM) console.warn(SKIP_REASON)

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'serve sessions in Chromium' : SKIP_REASON, () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(() => browser?.close())

  it('the ticket leaves the address bar, the cookie is HttpOnly, and the URL does not open a second browser', async () => {
    const screen = await openScreen(browser, [entry({ id: 'x', dialect: 'oauth2', clientId: 'c', endpoints: { deviceAuthorization: 'http://127.0.0.1:9/d', token: 'http://127.0.0.1:9/t' } })])
    try {
      const { page, serve } = screen
      await page.waitForSelector('main.screen--picker')
      expect(page.url()).toBe(`${serve.origin}/`)
      expect(await page.evaluate(() => document.cookie)).toBe('')
      const cookies = await screen.context.cookies(serve.origin)
      expect(cookies).toEqual([expect.objectContaining({ name: serve.cookieName, httpOnly: true, sameSite: 'Strict', path: '/' })])
      // Reload: the cookie alone keeps the screen.
      await page.reload()
      await page.waitForSelector('main.screen--picker')

      const other = await browser.newContext()
      try {
        const intruder = await other.newPage()
        const answer = await intruder.goto(serve.url)
        expect(answer?.status()).toBe(403)
        expect(await intruder.textContent('body')).toContain('has already been used')
        expect(await other.cookies(serve.origin)).toEqual([])
      } finally {
        await other.close()
      }
    } finally {
      await screen.close()
    }
  })
})
