/**
 * Test helper: acts on a demo-provider user code the way a person's browser
 * would, through the server's own HTML pages over plain HTTP.
 *
 * GET the verification page → submit the user-code form (with its hidden
 * xsrf field) → (submit the confirm form if one is shown) → follow redirects
 * to the interaction page → submit name + Approve/Deny → follow redirects to
 * the final page, which must say "signed in as <name>" or "Sign-in denied".
 *
 * It keeps a tiny cookie jar (name + path scoped), follows redirects by hand
 * (same origin only) and throws with the URL, status and page text whenever
 * something unexpected happens. No JavaScript is run.
 */

/** What to do with a user code. */
export interface DemoCodeAction {
  /** `verification_uri` from the device authorization response. */
  verificationUri: string
  /** `user_code` from the device authorization response. */
  userCode: string
  /** Any name; it becomes the demo account. */
  name: string
  decision: 'approve' | 'deny'
}

const MAX_REDIRECTS = 10
const MAX_PAGES = 8

interface Cookie {
  name: string
  value: string
  path: string
}

interface Page {
  url: URL
  status: number
  html: string
}

interface FormButton {
  name: string | undefined
  value: string
  text: string
}

interface ParsedForm {
  action: string
  method: string
  /** `[name, value]` of every input that has a name (hidden, text, ...), in document order. */
  fields: Array<[string, string]>
  buttons: FormButton[]
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos|nbsp);/gi, (_all, entity: string) => {
    const lower = entity.toLowerCase()
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16))
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10))
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }
    return named[lower] ?? `&${entity};`
  })
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>()
  const pattern = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g
  for (const match of source.matchAll(pattern)) {
    const name = match[1]?.toLowerCase()
    if (!name) continue
    attributes.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''))
  }
  return attributes
}

/** Visible-ish text of a page, for assertions and error messages. */
function pageText(html: string): string {
  const text = html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
  return decodeEntities(text).replace(/\s+/g, ' ').trim()
}

function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = []
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = parseAttributes(match[1] ?? '')
    const inner = match[2] ?? ''
    const fields: Array<[string, string]> = []
    for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const a = parseAttributes(input[1] ?? '')
      const name = a.get('name')
      const type = (a.get('type') ?? 'text').toLowerCase()
      if (!name || type === 'submit' || type === 'button' || type === 'image') continue
      fields.push([name, a.get('value') ?? ''])
    }
    const buttons: FormButton[] = []
    for (const button of inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const a = parseAttributes(button[1] ?? '')
      if ((a.get('type') ?? 'submit').toLowerCase() !== 'submit') continue
      buttons.push({ name: a.get('name'), value: a.get('value') ?? '', text: pageText(button[2] ?? '') })
    }
    forms.push({ action: attributes.get('action') ?? '', method: (attributes.get('method') ?? 'get').toLowerCase(), fields, buttons })
  }
  return forms
}

function describe(page: Page): string {
  return `${page.status} ${page.url.href}: ${pageText(page.html).slice(0, 500)}`
}

function pageKind(page: Page): string | undefined {
  return /<body\b[^>]*\bdata-page="([^"]+)"/i.exec(page.html)?.[1]
}

class CookieJar {
  readonly #cookies = new Map<string, Cookie>()

  store(setCookies: readonly string[], url: URL): void {
    for (const line of setCookies) {
      const [pair = '', ...attributeParts] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      let path = defaultPath(url)
      let expired = value === ''
      for (const part of attributeParts) {
        const [rawKey = '', ...rest] = part.split('=')
        const key = rawKey.trim().toLowerCase()
        const attr = rest.join('=').trim()
        if (key === 'path' && attr.startsWith('/')) path = attr
        if (key === 'max-age' && Number(attr) <= 0) expired = true
        if (key === 'expires' && Date.parse(attr) <= Date.now()) expired = true
      }
      const key = `${name}\u0000${path}`
      if (expired) this.#cookies.delete(key)
      else this.#cookies.set(key, { name, value, path })
    }
  }

  header(url: URL): string | undefined {
    const matching = [...this.#cookies.values()]
      .filter((c) => pathMatches(url.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length)
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined
  }
}

/** RFC 6265 §5.1.4 default-path. */
function defaultPath(url: URL): string {
  const path = url.pathname
  const last = path.lastIndexOf('/')
  return last <= 0 ? '/' : path.slice(0, last)
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/'
}

class Browser {
  readonly #jar = new CookieJar()
  readonly #origin: string

  constructor(origin: string) {
    this.#origin = origin
  }

  /** One navigation: the request plus every redirect after it (same origin only). */
  async navigate(start: URL, init: { method: 'GET' | 'POST'; form?: URLSearchParams; referrer?: URL }): Promise<Page> {
    let url = start
    let method = init.method
    let body = init.form
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      if (url.origin !== this.#origin) throw new Error(`refusing to leave ${this.#origin}: redirected to ${url.href}`)
      const headers: Record<string, string> = { accept: 'text/html' }
      const cookie = this.#jar.header(url)
      if (cookie) headers.cookie = cookie
      if (body) {
        headers['content-type'] = 'application/x-www-form-urlencoded'
        headers.origin = (init.referrer ?? url).origin
      }
      const res = await fetch(url, {
        method,
        headers,
        redirect: 'manual',
        ...(body ? { body: body.toString() } : {}),
      })
      this.#jar.store(res.headers.getSetCookie(), url)
      if ([301, 302, 303].includes(res.status)) {
        const location = res.headers.get('location')
        await res.arrayBuffer()
        if (!location) throw new Error(`${res.status} from ${url.href} without a Location header`)
        url = new URL(location, url)
        method = 'GET'
        body = undefined
        continue
      }
      if (res.status >= 300 && res.status < 400) {
        throw new Error(`unexpected ${res.status} redirect from ${url.href} to ${res.headers.get('location') ?? '?'}`)
      }
      const type = res.headers.get('content-type') ?? ''
      const html = await res.text()
      if (!type.startsWith('text/html')) {
        throw new Error(`expected an HTML page from ${url.href}, got ${res.status} ${type}: ${html.slice(0, 300)}`)
      }
      return { url, status: res.status, html }
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects starting at ${start.href}`)
  }

  /** Submits `form` from `page` with `values` overriding its fields, optionally "clicking" a named button. */
  async submit(page: Page, form: ParsedForm, values: Record<string, string>, button?: FormButton): Promise<Page> {
    if (form.method !== 'post') throw new Error(`expected a POST form on ${page.url.href}, got method=${form.method}`)
    const data = new URLSearchParams()
    const overridden = new Set<string>()
    for (const [name, value] of form.fields) {
      if (name in values) {
        if (!overridden.has(name)) data.append(name, values[name] ?? '')
        overridden.add(name)
      } else {
        data.append(name, value)
      }
    }
    const missing = Object.keys(values).filter((name) => !overridden.has(name))
    if (missing.length) throw new Error(`form on ${page.url.href} has no field named ${missing.join(', ')}`)
    if (button?.name) data.append(button.name, button.value)
    return this.navigate(new URL(form.action || page.url.href, page.url), { method: 'POST', form: data, referrer: page.url })
  }
}

function formWithField(page: Page, field: string): ParsedForm {
  const form = parseForms(page.html).find((f) => f.fields.some(([name]) => name === field))
  if (!form) throw new Error(`no form with a "${field}" field on ${describe(page)}`)
  return form
}

function notice(page: Page): string {
  const match = /<div class="notice[^"]*"[^>]*>([\s\S]*?)<\/div>/i.exec(page.html)
  return match?.[1] ? pageText(match[1]) : pageText(page.html).slice(0, 300)
}

/**
 * Approves (as `name`) or denies the given user code through the demo
 * provider's HTML pages. Resolves once the final page confirms the outcome;
 * throws with details otherwise.
 */
export async function actOnDemoCode(opts: DemoCodeAction): Promise<void> {
  const start = new URL(opts.verificationUri)
  const browser = new Browser(start.origin)
  const expectedName = opts.name.replace(/\s+/g, ' ').trim()

  let page = await browser.navigate(start, { method: 'GET' })
  let codeSubmitted = false
  let confirmed = false
  let acted = false

  for (let step = 0; step < MAX_PAGES; step += 1) {
    if (page.status >= 400 && pageKind(page) !== 'interaction') throw new Error(`error page: ${describe(page)}`)
    switch (pageKind(page)) {
      case 'code-input': {
        if (codeSubmitted) throw new Error(`user code ${opts.userCode} was not accepted: ${notice(page)}`)
        const form = formWithField(page, 'user_code')
        if (!form.fields.some(([name, value]) => name === 'xsrf' && value)) {
          throw new Error(`the user code form has no xsrf value: ${describe(page)}`)
        }
        codeSubmitted = true
        page = await browser.submit(page, form, { user_code: opts.userCode })
        break
      }
      case 'code-confirm': {
        if (confirmed) throw new Error(`confirm page shown twice: ${describe(page)}`)
        const form = formWithField(page, 'confirm')
        const proceed = form.buttons.find((b) => b.name === undefined)
        if (!proceed) throw new Error(`no plain "continue" button on ${describe(page)}`)
        confirmed = true
        page = await browser.submit(page, form, {}, proceed)
        break
      }
      case 'interaction': {
        if (acted) throw new Error(`the ${opts.decision} was not accepted: ${notice(page)} (${describe(page)})`)
        const form = formWithField(page, 'name')
        const button = form.buttons.find((b) => b.name === 'decision' && b.value === opts.decision)
        if (!button) throw new Error(`no ${opts.decision} button on ${describe(page)}`)
        acted = true
        page = await browser.submit(page, form, { name: opts.name }, button)
        break
      }
      case 'success': {
        const text = pageText(page.html)
        if (opts.decision !== 'approve') throw new Error(`asked to deny but the sign-in succeeded: ${describe(page)}`)
        if (!acted) throw new Error(`reached the success page without approving: ${describe(page)}`)
        if (!/You're signed in/.test(text) || !text.includes(`signed in as ${expectedName}`)) {
          throw new Error(`success page does not say "signed in as ${expectedName}": ${describe(page)}`)
        }
        return
      }
      case 'denied': {
        const text = pageText(page.html)
        if (opts.decision !== 'deny') throw new Error(`asked to approve but the sign-in was denied: ${describe(page)}`)
        if (!acted) throw new Error(`reached the denied page without denying: ${describe(page)}`)
        if (!text.includes('Sign-in denied')) throw new Error(`denied page does not say "Sign-in denied": ${describe(page)}`)
        return
      }
      default: {
        // oidc-provider's auto-submitting form (verification_uri_complete): a
        // browser without JavaScript presses its <noscript> button.
        const forms = parseForms(page.html)
        const only = forms.length === 1 ? forms[0] : undefined
        if (!only || !/<title>Submitting Callback<\/title>/i.test(page.html)) throw new Error(`unexpected page: ${describe(page)}`)
        page = await browser.submit(page, only, {})
      }
    }
  }
  throw new Error(`no final page after ${MAX_PAGES} pages; last: ${describe(page)}`)
}
