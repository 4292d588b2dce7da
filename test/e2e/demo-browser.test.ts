/**
 * A real person's path through the demo provider, in Chromium on a
 * phone-sized viewport: open the verification page, type the code, type a
 * name, Approve (or Deny), see the final page; then the token endpoint
 * answers accordingly. Screenshots of every page go to /tmp/demo-*.png.
 *
 * Skips (loudly) when /usr/bin/chromium is missing.
 */
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../../electron/demo/demo-server'
import type { DemoServer } from '../../electron/demo/demo-server'
import type { DeviceCodeResponse, Reply } from '../helpers/wire'
import { sleep } from '../helpers/wire'

const CHROMIUM = '/usr/bin/chromium'
const HAS_CHROMIUM = existsSync(CHROMIUM)
const SKIP_REASON = `skipped: no Chromium at ${CHROMIUM}`
if (!HAS_CHROMIUM) console.warn(SKIP_REASON)

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'
const SCOPE = 'openid profile email offline_access'
const MAX_POLLS = 20
const PHONE = { width: 390, height: 844 }



/** One phone: its own context, its page, and console errors / CSP violations / uncaught errors seen so far. */
interface Phone {
  context: BrowserContext
  page: Page
  problems: string[]
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `/tmp/demo-${name}.png`, fullPage: true })
}

async function expectFitsPhone(page: Page): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(width, 'no horizontal scrolling on a phone').toBeLessThanOrEqual(PHONE.width)
}


async function postForm(url: string, form: Record<string, string>): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function requestCode(srv: DemoServer): Promise<DeviceCodeResponse> {
  const { status, body } = await postForm(`${srv.issuer}/device/auth`, { client_id: srv.clientId, scope: SCOPE })
  expect(status, JSON.stringify(body)).toBe(200)
  return body as unknown as DeviceCodeResponse
}

async function pollUntilSettled(srv: DemoServer, code: DeviceCodeResponse): Promise<Reply> {
  for (let i = 0; i < MAX_POLLS; i += 1) {
    await sleep(code.interval * 1000)
    const reply = await postForm(`${srv.issuer}/token`, { grant_type: GRANT_TYPE, device_code: code.device_code, client_id: srv.clientId })
    if (reply.body.error !== 'authorization_pending') return reply
  }
  throw new Error(`still authorization_pending after ${MAX_POLLS} polls`)
}

// The suite title carries the reason when skipped, so it shows in the report too.
describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'demo provider in Chromium (phone viewport)' : SKIP_REASON, () => {
  let srv: DemoServer
  let browser: Browser

  beforeAll(async () => {
    srv = await startDemoServer({ intervalSeconds: 1, quiet: true })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
  })

  afterAll(async () => {
    await browser?.close()
    await srv?.close()
  })

  /** A fresh phone-sized browser context (own cookies) for one test. */
  const openPhone = async (): Promise<Phone> => {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    const page = await context.newPage()
    page.setDefaultTimeout(10_000) // fail on a missing page well before the 30 s test timeout
    const problems: string[] = []
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    return { context, page, problems }
  }

  it('types the code, types a name, approves, sees success; the device gets tokens', async () => {
    const { context, page, problems } = await openPhone()
    try {
      const code = await requestCode(srv)

      await page.goto(code.verification_uri)
      await expect.poll(() => page.locator('h1').textContent()).toBe('Enter the code')
      await expectFitsPhone(page)
      await shot(page, '1-enter-code')

      await page.getByLabel('Code').fill(code.user_code.toLowerCase().replace('-', ' '))
      await page.getByRole('button', { name: 'Continue' }).click()

      await page.waitForSelector('body[data-page="interaction"]')
      expect(await page.locator('h1').textContent()).toBe('Sign in to Linkscreen (demo)')
      expect(await page.locator('.chip').textContent()).toBe(code.user_code)
      await expectFitsPhone(page)
      await shot(page, '2-sign-in')

      await page.getByLabel('Your name').fill('Grace Hopper')
      await page.getByRole('button', { name: 'Approve' }).click()

      await page.waitForSelector('body[data-page="success"]')
      expect(await page.locator('h1').textContent()).toBe("You're signed in")
      expect(await page.locator('.card').innerText()).toContain('signed in as Grace Hopper')
      await expectFitsPhone(page)
      await shot(page, '3-success')
      expect(problems).toEqual([])

      // Reloading the success page must not break (its one-time resume cookie is gone).
      await page.reload()
      await page.waitForSelector('body[data-page="code-input"]')
      expect(await page.locator('[role="alert"]').textContent()).toContain('This page cannot be reloaded')
      await shot(page, '3b-success-reloaded')
      // oidc-provider answers that re-render with HTTP 400, which Chromium logs; nothing else may appear.
      expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([])

      const reply = await pollUntilSettled(srv, code)
      expect(reply.status, JSON.stringify(reply.body)).toBe(200)
      expect(reply.body.access_token).toEqual(expect.any(String))
      expect(reply.body.id_token).toEqual(expect.any(String))
      expect(reply.body.refresh_token).toEqual(expect.any(String))

      const userinfo = await fetch(`${srv.issuer}/me`, { headers: { authorization: `Bearer ${String(reply.body.access_token)}` } })
      expect(await userinfo.json()).toMatchObject({ sub: 'grace-hopper', name: 'Grace Hopper' })
    } finally {
      await context.close()
    }
  })

  it('a second sign-in on the same phone asks for a name again and can be someone else', async () => {
    const { context, page, problems } = await openPhone()
    const signIn = async (name: string): Promise<Reply> => {
      const code = await requestCode(srv)
      await page.goto(code.verification_uri)
      await page.getByLabel('Code').fill(code.user_code)
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.waitForSelector('body[data-page="interaction"]')
      await page.getByLabel('Your name').fill(name)
      await page.getByRole('button', { name: 'Approve' }).click()
      await page.waitForSelector('body[data-page="success"]')
      expect(await page.locator('.card').innerText()).toContain(`signed in as ${name}`)
      return pollUntilSettled(srv, code)
    }
    try {
      const first = await signIn('Alan Turing')
      const second = await signIn('Joan Clarke')
      for (const [reply, sub] of [[first, 'alan-turing'], [second, 'joan-clarke']] as const) {
        expect(reply.status, JSON.stringify(reply.body)).toBe(200)
        const userinfo = await fetch(`${srv.issuer}/me`, { headers: { authorization: `Bearer ${String(reply.body.access_token)}` } })
        expect(await userinfo.json()).toMatchObject({ sub })
      }
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('verification_uri_complete: confirms the code, denies, sees "denied"; the device gets access_denied', async () => {
    const { context, page, problems } = await openPhone()
    try {
      const code = await requestCode(srv)

      // oidc-provider answers with a self-submitting form; its inline script
      // must be allowed by the CSP (sha256 appended by oidc-provider).
      await page.goto(code.verification_uri_complete)
      await page.waitForSelector('body[data-page="code-confirm"]')
      expect(await page.locator('.codebox').textContent()).toBe(code.user_code)
      await expectFitsPhone(page)
      await shot(page, '4-confirm')

      await page.getByRole('button', { name: 'Yes, continue' }).click()
      await page.waitForSelector('body[data-page="interaction"]')
      await page.getByRole('button', { name: 'Deny' }).click()

      await page.waitForSelector('body[data-page="denied"]')
      expect(await page.locator('h1').textContent()).toBe('Sign-in denied')
      expect(await page.locator('.card').innerText()).toContain('Linkscreen (demo) was not signed in')
      await expectFitsPhone(page)
      await shot(page, '5-denied')

      const reply = await pollUntilSettled(srv, code)
      expect(reply.status).toBe(400)
      expect(reply.body.error).toBe('access_denied')

      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('a mistyped code shows a readable error and keeps what was typed', async () => {
    const { context, page, problems } = await openPhone()
    try {
      await page.goto(`${srv.issuer}/device`)
      await page.getByLabel('Code').fill('BBBB-BBBB')
      await page.getByRole('button', { name: 'Continue' }).click()
      await expect.poll(() => page.locator('[role="alert"]').textContent()).toBe("We couldn't find that code. Check it and try again.")
      expect(await page.getByLabel('Code').inputValue()).toBe('BBBB-BBBB')
      await expectFitsPhone(page)
      await shot(page, '6-wrong-code')

      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('Approve without a name asks for one (browser validation), the server also refuses it', async () => {
    const { context, page, problems } = await openPhone()
    try {
      const code = await requestCode(srv)
      await page.goto(code.verification_uri_complete)
      await page.getByRole('button', { name: 'Yes, continue' }).click()
      await page.waitForSelector('body[data-page="interaction"]')

      // `required` stops the browser from submitting an empty name...
      await page.getByRole('button', { name: 'Approve' }).click()
      expect(await page.locator('body').getAttribute('data-page')).toBe('interaction')
      expect(await page.getByLabel('Your name').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true)

      // ...and whitespace-only (which passes `required`) is refused by the server.
      await page.getByLabel('Your name').fill('   ')
      await page.getByRole('button', { name: 'Approve' }).click()
      await expect.poll(() => page.locator('[role="alert"]').textContent()).toBe('Type a name (any name works) to approve.')
      await expectFitsPhone(page)
      await shot(page, '7-name-missing')

      // The sign-in can still be completed afterwards.
      await page.getByLabel('Your name').fill('Ada')
      await page.getByRole('button', { name: 'Approve' }).click()
      await page.waitForSelector('body[data-page="success"]')
      const reply = await pollUntilSettled(srv, code)
      expect(reply.status).toBe(200)

      // The 400 re-render shows up as a console "Failed to load resource" error; nothing else may.
      expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([])
    } finally {
      await context.close()
    }
  })
})
