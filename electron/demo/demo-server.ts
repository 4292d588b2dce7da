/**
 * Linkscreen's built-in demo provider: an embedded, real OpenID Connect
 * authorization server (oidc-provider 9) with the RFC 8628 device flow, for
 * people who have nothing configured yet.
 *
 * A person opens the verification page (usually by scanning a QR code with a
 * phone), enters or confirms the user code, types ANY name (there is no
 * password) and approves or denies. Everything lives in memory and is gone
 * when the server closes.
 *
 * Things oidc-provider 9 does not do on its own, and what this module adds
 * (see `pollingMiddleware`):
 *  - The device authorization response has NO `interval` member (so RFC 8628
 *    clients fall back to 5 s) and there is no option for it. We add
 *    `interval` with a Koa middleware registered through `provider.use`.
 *  - `slow_down` is defined in oidc-provider's error list but never raised.
 *    The same middleware turns an `authorization_pending` answer into
 *    `slow_down` when the same device_code was polled less than `interval`
 *    seconds ago, so enforcement matches what is advertised.
 *
 * Routing: one node:http server; `/interaction/<uid>` is served by this
 * module (name + Approve/Deny page), everything else by `provider.callback()`.
 */
import { createHash, generateKeyPair, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import Provider, { interactionPolicy } from 'oidc-provider'
import type {
  Account,
  Adapter,
  AdapterPayload,
  Client,
  Configuration,
  ErrorOut,
  Interaction,
  JWK,
  KoaContext,
  Middleware,
} from 'oidc-provider'

/** A running demo provider. */
export interface DemoServer {
  /** Issuer identifier, e.g. `http://127.0.0.1:PORT`; discovery lives at `issuer + '/.well-known/openid-configuration'`. */
  issuer: string
  /** The one registered client: `'linkscreen-demo'`, public (no secret), device_code + refresh_token grants. */
  clientId: string
  /** Stops listening and closes every open socket so the process can exit. */
  close(): Promise<void>
}

/** Options for {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Interface to bind. Default `'127.0.0.1'`. */
  host?: string
  /** Port to bind. Default `0` (a free port). */
  port?: number
  /** Device code / user code lifetime in whole seconds (`ttl.DeviceCode`). Default 600. */
  deviceCodeTtlSeconds?: number
  /** Polling interval in whole seconds, advertised as `interval` AND enforced with `slow_down`. Default 5. */
  intervalSeconds?: number
  /** When true, write nothing to the console. */
  quiet?: boolean
}

/** The demo client's id. */
export const DEMO_CLIENT_ID = 'linkscreen-demo'
const DEMO_CLIENT_NAME = 'Linkscreen (demo)'
/** Domain of the made-up e-mail addresses (`.invalid` is reserved, RFC 2606). */
export const DEMO_EMAIL_DOMAIN = 'demo.linkscreen.invalid'

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const
/** oidc-provider's default `routes.code_verification`. */
const VERIFICATION_PATH = '/device'
const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})$/
const MAX_NAME_LENGTH = 80
const MAX_FORM_BYTES = 8 * 1024
/**
 * Polls that arrive up to this much earlier than `interval` are still accepted,
 * so a client that sleeps exactly `interval` between polls is never punished
 * for network/timer jitter.
 */
const POLL_TOLERANCE_MS = 250
/**
 * Expired artifacts are kept this long past their expiry, so a late poll gets
 * `expired_token` (not `invalid_grant: device code not found`) and the
 * verification page says "expired" (not "not found").
 */
const EXPIRED_RETENTION_SECONDS = 10 * 60
const MAX_STORED_ENTRIES = 10_000

const generateKeyPairAsync = promisify(generateKeyPair)

// ---------------------------------------------------------------------------
// Small helpers

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** Trims, strips control characters, collapses whitespace. */
function normalizeName(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim()
}

/**
 * The stable account id (`sub`) for a typed name: a lowercase ASCII slug
 * ("Ada Lovelace" → "ada-lovelace"), or `user-<12 hex>` (a SHA-256 prefix of
 * the normalized name) when nothing ASCII is left, e.g. for "山田".
 */
export function slugForName(name: string): string {
  const normalized = normalizeName(name)
  const slug = normalized
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '')
  if (slug) return slug
  return `user-${createHash('sha256').update(normalized).digest('hex').slice(0, 12)}`
}

function formatUserCode(normalized: string): string {
  // oidc-provider stores the code normalized ("BCDFGHJK"); the default mask is ****-****.
  return normalized.length === 8 ? `${normalized.slice(0, 4)}-${normalized.slice(4)}` : normalized
}

/** Reads one attribute-quoted value out of oidc-provider's generated form markup. */
function formValue(form: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(form)
  if (!match?.[1]) throw new Error(`demo provider: could not find ${what} in oidc-provider's form markup`)
  return match[1]
}

// ---------------------------------------------------------------------------
// HTML

/** The one stylesheet; inline, and allowed by its hash in the CSP. */
const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;padding:24px 16px 40px;background:#eef1f6;color:#1b1f27;
  font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:420px;margin:0 auto}
.brand{display:flex;align-items:center;gap:10px;margin:4px 4px 16px;font-weight:600;color:#3b4252}
.brand .logo{width:28px;height:28px;border-radius:8px;background:linear-gradient(135deg,#3361e0,#6c8cff);
  display:inline-flex;align-items:center;justify-content:center;color:#fff;font-size:15px;font-weight:700}
.brand .tag{margin-left:auto;font-size:12px;font-weight:600;color:#8a5a00;background:#fff3d6;
  border:1px solid #f1d38c;border-radius:999px;padding:2px 10px}
.card{background:#fff;border-radius:16px;padding:28px 22px;box-shadow:0 1px 2px rgba(16,24,40,.06),0 4px 16px rgba(16,24,40,.08)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 8px}
p{margin:0 0 16px}
.muted{color:#5b6475}
.small{font-size:.875rem}
label{display:block;font-weight:600;margin:20px 0 6px}
input[type=text]{display:block;width:100%;font:inherit;font-size:1.125rem;padding:12px 14px;border:1px solid #c3c9d5;
  border-radius:10px;background:#fff;color:inherit}
input[type=text]:focus{outline:3px solid rgba(51,97,224,.25);border-color:#3361e0}
input.code{font:600 1.5rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.12em;
  text-align:center;text-transform:uppercase}
input.code::placeholder{letter-spacing:.12em;color:#aab1bf}
.hint{font-size:.875rem;color:#5b6475;margin:6px 0 0}
button{display:block;width:100%;min-height:48px;margin-top:12px;padding:12px 16px;border-radius:10px;
  font:inherit;font-weight:600;cursor:pointer;border:1px solid transparent}
button.primary{background:#3361e0;color:#fff}
button.primary:hover{background:#2850c2}
button.secondary{background:#fff;color:#b42318;border-color:#e4b4ae}
button.secondary:hover{background:#fff5f4}
button.plain{background:#fff;color:#3b4252;border-color:#c3c9d5}
.actions{margin-top:24px}
.codebox{font:700 1.75rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.12em;
  text-align:center;padding:14px;margin:8px 0 16px;border:2px dashed #c3c9d5;border-radius:12px;background:#f7f8fb}
.chip{display:inline-block;font:600 .9rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.08em;
  background:#eef1f6;border-radius:6px;padding:2px 8px;color:#3b4252}
.notice{border-radius:10px;padding:12px 14px;margin:0 0 16px;font-size:.95rem}
.notice.error{background:#fef3f2;color:#912018;border:1px solid #fecdca}
ul.scopes{list-style:none;margin:8px 0 0;padding:0}
ul.scopes li{padding:8px 0 8px 28px;position:relative;border-top:1px solid #eef1f6}
ul.scopes li::before{content:"\\2713";position:absolute;left:4px;color:#3361e0;font-weight:700}
.icon{width:64px;height:64px;border-radius:50%;margin:4px auto 16px;display:flex;align-items:center;justify-content:center;
  font-size:34px;font-weight:700;color:#fff}
.icon.ok{background:#12b76a}
.icon.no{background:#d92d20}
.center{text-align:center}
.after{margin-top:16px}
a{color:#3361e0}
footer{max-width:420px;margin:16px auto 0;padding:0 4px;font-size:.8rem;color:#6b7385;text-align:center}
`

const CSS_HASH = createHash('sha256').update(CSS).digest('base64')

/**
 * Content-Security-Policy for every response. No page of ours needs script;
 * `script-src 'self'` (nothing is served as script) lets oidc-provider append
 * the sha256 of its own auto-submit form script (verification_uri_complete).
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'sha256-${CSS_HASH}'`,
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

type PageKind = 'code-input' | 'code-confirm' | 'interaction' | 'success' | 'denied' | 'error' | 'logout' | 'logged-out'

/** Renders a complete page. `body` must already be escaped. */
function page(kind: PageKind, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)} · Linkscreen demo</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body data-page="${kind}">
<main>
<div class="brand"><span class="logo" aria-hidden="true">L</span><span>Linkscreen</span><span class="tag">Demo</span></div>
<div class="card">
${body}
</div>
<footer>Demo sign-in server: any name works and no password is checked. Accounts and tokens live in memory only.</footer>
</main>
</body>
</html>
`
}

function renderInto(ctx: KoaContext, html: string): void {
  ctx.type = 'html'
  ctx.set('cache-control', 'no-store')
  ctx.body = html
}

const SCOPE_TEXT: Readonly<Record<string, string>> = {
  openid: 'Know who you are',
  profile: 'See your name',
  email: 'See your e-mail address',
  offline_access: 'Stay signed in on that screen',
}

function scopeList(scope: string): string {
  const items = [...new Set(scope.split(' ').filter(Boolean))]
    .map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`)
    .join('')
  return items ? `<ul class="scopes">${items}</ul>` : ''
}

function codeInputPage(action: string, xsrf: string, message: string | undefined, code: string | undefined): string {
  return page(
    'code-input',
    'Enter the code',
    `<h1>Enter the code</h1>
<p class="muted">Type the code shown on your TV or screen.</p>
${message ? `<div class="notice error" role="alert">${escapeHtml(message)}</div>` : ''}
<form method="post" action="${escapeHtml(action)}" novalidate>
<input type="hidden" name="xsrf" value="${escapeHtml(xsrf)}">
<input type="hidden" name="confirm" value="yes">
<label for="user_code">Code</label>
<input class="code" id="user_code" name="user_code" type="text" placeholder="XXXX-XXXX" value="${escapeHtml(code ?? '')}"
  autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false" maxlength="20" autofocus required>
<div class="actions"><button class="primary" type="submit">Continue</button></div>
</form>`,
  )
}

function confirmPage(action: string, xsrf: string, clientName: string, userCode: string): string {
  return page(
    'code-confirm',
    'Check the code',
    `<h1>Is this your screen?</h1>
<p class="muted"><strong>${escapeHtml(clientName)}</strong> wants you to sign in. Continue only if your TV or screen shows this code:</p>
<div class="codebox">${escapeHtml(userCode)}</div>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="xsrf" value="${escapeHtml(xsrf)}">
<input type="hidden" name="user_code" value="${escapeHtml(userCode)}">
<input type="hidden" name="confirm" value="yes">
<button class="primary" type="submit">Yes, continue</button>
<button class="plain" type="submit" name="abort" value="yes">No, cancel</button>
</form>
<p class="small muted after">If you did not start this, or the code does not match, cancel.</p>`,
  )
}

function interactionPage(opts: {
  action: string
  clientName: string
  userCode: string | undefined
  scope: string
  name: string
  message: string | undefined
}): string {
  return page(
    'interaction',
    'Sign in',
    `<h1>Sign in to ${escapeHtml(opts.clientName)}</h1>
${opts.userCode ? `<p class="muted">Code <span class="chip">${escapeHtml(opts.userCode)}</span></p>` : ''}
${opts.message ? `<div class="notice error" role="alert">${escapeHtml(opts.message)}</div>` : ''}
<form method="post" action="${escapeHtml(opts.action)}">
<label for="name">Your name</label>
<input id="name" name="name" type="text" value="${escapeHtml(opts.name)}" maxlength="${MAX_NAME_LENGTH}"
  autocomplete="name" autocapitalize="words" spellcheck="false" autofocus required>
<p class="hint">Any name works and there is no password.</p>
<label>${escapeHtml(opts.clientName)} will be able to:</label>
${scopeList(opts.scope)}
<div class="actions">
<button class="primary" type="submit" name="decision" value="approve">Approve</button>
<button class="secondary" type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>`,
  )
}

function successPage(clientName: string, name: string | undefined): string {
  const who = name ? ` as <strong>${escapeHtml(name)}</strong>` : ''
  return page(
    'success',
    'Signed in',
    `<div class="center">
<div class="icon ok" aria-hidden="true">&#10003;</div>
<h1>You're signed in</h1>
<p>${escapeHtml(clientName)} on your screen is now signed in${who}.</p>
<p class="muted">You can close this page.</p>
</div>`,
  )
}

function deniedPage(clientName: string): string {
  return page(
    'denied',
    'Sign-in denied',
    `<div class="center">
<div class="icon no" aria-hidden="true">&#10005;</div>
<h1>Sign-in denied</h1>
<p>${escapeHtml(clientName)} was not signed in and nothing was shared.</p>
<p class="muted">You can close this page.</p>
<p class="small"><a href="${VERIFICATION_PATH}">Enter a different code</a></p>
</div>`,
  )
}

function errorPage(message: string, detail: string | undefined): string {
  return page(
    'error',
    'Something went wrong',
    `<h1>Something went wrong</h1>
<p>${escapeHtml(message)}</p>
${detail ? `<p class="small muted">${escapeHtml(detail)}</p>` : ''}
<p class="small"><a href="${VERIFICATION_PATH}">Enter a code</a></p>`,
  )
}

/** What the code input page says for each of oidc-provider's re-render errors (by `err.name`). */
function codeInputMessage(err: unknown, out: ErrorOut | undefined, route: string | undefined): string | undefined {
  if (err === undefined || err === null) return undefined
  const name = err instanceof Error ? err.name : undefined
  if (route === 'device_resume' && name === 'SessionNotFound') {
    // e.g. the success page reloaded: its one-time resume cookie is gone.
    return 'This page cannot be reloaded. If a screen still needs signing in, enter the code it shows.'
  }
  switch (name) {
    case 'NoCodeError':
      return 'Enter the code shown on your screen.'
    case 'NotFoundError':
      return "We couldn't find that code. Check it and try again."
    case 'ExpiredError':
      return 'That code has expired. Start the sign-in again on your screen to get a new code.'
    case 'AlreadyUsedError':
      return 'That code has already been used. Start again on your screen if you still need to sign in.'
    default: {
      const description = out?.error_description ?? ''
      if (/xsrf|device form details/i.test(description)) return 'This page was open too long. Enter the code again.'
      if (out?.error === 'invalid_request' && /session|cookie|interaction/i.test(description)) {
        return 'This sign-in page expired. Enter the code again.'
      }
      return `Something went wrong${out?.error ? ` (${out.error})` : ''}. Enter the code again.`
    }
  }
}

// ---------------------------------------------------------------------------
// Accounts: made up from whatever name is typed

interface DemoAccount {
  readonly sub: string
  readonly name: string
}

class AccountBook {
  readonly #bySub = new Map<string, DemoAccount>()

  /** Remembers (or re-labels) the account for a typed name and returns it. */
  signIn(name: string): DemoAccount {
    const account: DemoAccount = { sub: slugForName(name), name }
    this.#bySub.delete(account.sub)
    this.#bySub.set(account.sub, account)
    if (this.#bySub.size > MAX_STORED_ENTRIES) {
      const oldest = this.#bySub.keys().next()
      if (!oldest.done) this.#bySub.delete(oldest.value)
    }
    return account
  }

  get(sub: string): DemoAccount | undefined {
    return this.#bySub.get(sub)
  }

  /** oidc-provider `findAccount`. */
  find(sub: string): Account | undefined {
    const account = this.#bySub.get(sub)
    if (!account) return undefined
    return {
      accountId: account.sub,
      claims: () => ({
        sub: account.sub,
        name: account.name,
        email: `${account.sub}@${DEMO_EMAIL_DOMAIN}`,
        email_verified: false,
      }),
    }
  }
}

// ---------------------------------------------------------------------------
// Storage: a small per-server in-memory adapter.
// (Passing our own adapter also avoids oidc-provider's "development-only
// in-memory adapter" warning; its built-in one drops expired device codes
// 15 s — `clockTolerance` — after expiry, which turns expired_token into
// invalid_grant for late polls.)

/** Models whose entries belong to a grant (revoked together by `revokeByGrantId`), as in oidc-provider's own adapter. */
const GRANTABLE_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
])

function modelOf(key: string): string {
  return key.slice(0, key.indexOf(':'))
}

interface StoredEntry {
  payload: Record<string, unknown>
  /** ms epoch after which the entry is dropped (expiry + retention), or Infinity. */
  dropAt: number
}

class MemoryStore {
  readonly entries = new Map<string, StoredEntry>()
  readonly userCodes = new Map<string, string>()
  readonly sessionUids = new Map<string, string>()
  readonly grants = new Map<string, Set<string>>()
  #writes = 0

  get(key: string): StoredEntry | undefined {
    const entry = this.entries.get(key)
    if (entry && entry.dropAt <= Date.now()) {
      this.delete(key)
      return undefined
    }
    return entry
  }

  set(key: string, entry: StoredEntry): void {
    this.delete(key)
    this.entries.set(key, entry)
    const { userCode, uid, grantId } = entry.payload
    const id = key.slice(key.indexOf(':') + 1)
    if (typeof userCode === 'string' && modelOf(key) === 'DeviceCode') this.userCodes.set(userCode, id)
    if (typeof uid === 'string' && modelOf(key) === 'Session') this.sessionUids.set(uid, id)
    if (typeof grantId === 'string' && GRANTABLE_MODELS.has(modelOf(key))) {
      const members = this.grants.get(grantId) ?? new Set<string>()
      members.add(key)
      this.grants.set(grantId, members)
    }
    this.#writes += 1
    if (this.#writes % 100 === 0 || this.entries.size > MAX_STORED_ENTRIES) this.sweep()
  }

  delete(key: string): void {
    const entry = this.entries.get(key)
    if (!entry) return
    this.entries.delete(key)
    const { userCode, uid, grantId } = entry.payload
    const id = key.slice(key.indexOf(':') + 1)
    if (typeof userCode === 'string' && this.userCodes.get(userCode) === id) this.userCodes.delete(userCode)
    if (typeof uid === 'string' && this.sessionUids.get(uid) === id) this.sessionUids.delete(uid)
    if (typeof grantId === 'string') {
      const members = this.grants.get(grantId)
      members?.delete(key)
      if (members?.size === 0) this.grants.delete(grantId)
    }
  }

  /** Drops stale entries, then the oldest ones while over the cap. */
  sweep(): void {
    const now = Date.now()
    for (const [key, entry] of [...this.entries]) {
      if (entry.dropAt <= now) this.delete(key)
    }
    for (const key of [...this.entries.keys()]) {
      if (this.entries.size <= MAX_STORED_ENTRIES) break
      this.delete(key)
    }
  }

  adapterFor(model: string): Adapter {
    const keyOf = (id: string): string => `${model}:${id}`
    const read = (key: string): AdapterPayload | undefined => {
      const entry = this.get(key)
      return entry ? { ...entry.payload } : undefined
    }
    return {
      upsert: async (id, payload, expiresIn) => {
        const dropAt = typeof expiresIn === 'number'
          ? Date.now() + (expiresIn + EXPIRED_RETENTION_SECONDS) * 1000
          : Number.POSITIVE_INFINITY
        this.set(keyOf(id), { payload: { ...payload }, dropAt })
      },
      find: async (id) => read(keyOf(id)),
      findByUserCode: async (userCode) => {
        const id = this.userCodes.get(userCode)
        return id === undefined ? undefined : read(keyOf(id))
      },
      findByUid: async (uid) => {
        const id = this.sessionUids.get(uid)
        return id === undefined ? undefined : read(keyOf(id))
      },
      consume: async (id) => {
        const entry = this.get(keyOf(id))
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
      },
      destroy: async (id) => {
        this.delete(keyOf(id))
      },
      revokeByGrantId: async (grantId) => {
        for (const key of [...(this.grants.get(grantId) ?? [])]) this.delete(key)
        this.grants.delete(grantId)
      },
    }
  }
}

// ---------------------------------------------------------------------------
// Polling: advertise `interval`, enforce it with `slow_down`

/**
 * Koa middleware (registered with `provider.use`, so it wraps oidc-provider's
 * router) that
 *  1. adds `interval: intervalSeconds` to a successful device authorization
 *     response (oidc-provider 9 sends none), and
 *  2. replaces an `authorization_pending` token response with `slow_down`
 *     (still HTTP 400) when the same device_code was last polled less than
 *     `intervalSeconds` (minus {@link POLL_TOLERANCE_MS}) before this poll
 *     arrived.
 *
 * It only ever rewrites `authorization_pending`, which has no side effects,
 * so it never reads the request body itself and never throws away issued
 * tokens or a final answer (access_denied, expired_token). The interval is
 * not raised after a `slow_down`: the server enforces exactly the advertised
 * interval (RFC 8628 §3.5 puts the +5 s on the client).
 */
function pollingMiddleware(intervalSeconds: number, deviceCodeTtlSeconds: number): Middleware {
  const minGapMs = intervalSeconds * 1000 - POLL_TOLERANCE_MS
  const forgetAfterMs = (deviceCodeTtlSeconds + EXPIRED_RETENTION_SECONDS) * 1000
  const lastPollAt = new Map<string, number>()

  const prune = (now: number): void => {
    for (const [code, at] of [...lastPollAt]) {
      if (now - at > forgetAfterMs) lastPollAt.delete(code)
    }
    for (const code of [...lastPollAt.keys()]) {
      if (lastPollAt.size <= MAX_STORED_ENTRIES) break
      lastPollAt.delete(code)
    }
  }

  return async (ctx, next) => {
    const arrivedAt = Date.now()
    await next()
    const oidc = ctx.oidc
    if (!oidc) return

    if (oidc.route === 'device_authorization') {
      if (ctx.status === 200 && isRecord(ctx.body)) ctx.body = { ...ctx.body, interval: intervalSeconds }
      return
    }

    if (oidc.route !== 'token' || oidc.params?.grant_type !== DEVICE_CODE_GRANT) return
    const deviceCode = oidc.params.device_code
    if (typeof deviceCode !== 'string') return

    const body = ctx.body
    const pending = ctx.status === 400 && isRecord(body) && body.error === 'authorization_pending'
    const previous = lastPollAt.get(deviceCode)
    if (!pending) {
      lastPollAt.delete(deviceCode) // a final answer: nothing more to pace
      return
    }
    lastPollAt.set(deviceCode, arrivedAt)
    if (lastPollAt.size > 256) prune(arrivedAt)
    if (previous !== undefined && arrivedAt - previous < minGapMs) {
      ctx.body = {
        error: 'slow_down',
        error_description: `polling too fast: wait at least ${intervalSeconds} s between token requests for the same device_code`,
      }
    }
  }
}

/**
 * Outermost Koa middleware: security headers for everything oidc-provider
 * answers (JSON included; harmless there), and a last-resort HTML page for
 * errors that escape oidc-provider's own handlers. (One known case in 9.13.3:
 * GET /device/<uid> from a browser without an OP session throws "persist can
 * only be called on previously persisted Sessions" from its error path.)
 * Catching here also keeps Koa's default error logger quiet.
 */
function outerMiddleware(quiet: boolean): Middleware {
  return async (ctx, next) => {
    ctx.set('content-security-policy', CSP)
    ctx.set('x-content-type-options', 'nosniff')
    ctx.set('referrer-policy', 'same-origin')
    try {
      await next()
    } catch (error) {
      if (!quiet) console.error('[demo provider] unhandled error:', error)
      ctx.status = 500
      renderInto(ctx, errorPage('The demo provider hit an unexpected error.', undefined))
    }
  }
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': CSP,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  })
  res.end(html)
}

/** An error answered with its own status and a human-readable message. */
class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'HttpError'
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'Expected a form submission.')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buf.length
    if (size > MAX_FORM_BYTES) throw new HttpError(413, 'The form submission is too large.')
    chunks.push(buf)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** Status and text for an error thrown by `interactionDetails`/`interactionFinished`. */
function describeFailure(error: unknown): { status: number; message: string; detail: string | undefined } {
  if (error instanceof HttpError) return { status: error.status, message: error.message, detail: undefined }
  if (isRecord(error)) {
    const record = error
    const status = typeof record.status === 'number' ? record.status : 500
    const code = typeof record.error === 'string' ? record.error : undefined
    const description = typeof record.error_description === 'string' ? record.error_description : undefined
    if (status < 500 && code) {
      const expired = /session|cookie|not found/i.test(description ?? '')
      return {
        status,
        message: expired
          ? 'This sign-in page has expired or was already used. Start again from the code on your screen.'
          : 'The sign-in request could not be completed.',
        detail: description ?? code,
      }
    }
  }
  return { status: 500, message: 'The demo provider hit an unexpected error.', detail: undefined }
}

async function generateJwks(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 })
  const jwk = privateKey.export({ format: 'jwk' })
  return { keys: [{ ...jwk, kty: 'RSA', kid: `demo-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' }] }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive whole number, got ${value}`)
  return value
}

function issuerFor(host: string, port: number): string {
  // A wildcard bind address is not something a browser can open.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`
}

// ---------------------------------------------------------------------------

/**
 * Starts the demo provider and resolves once it is listening.
 *
 * Endpoints (oidc-provider defaults): discovery `/.well-known/openid-configuration`,
 * device authorization `/device/auth`, verification page `/device`, token
 * `/token`, userinfo `/me`, JWKS `/jwks`, revocation `/token/revocation`.
 */
export async function startDemoServer(opts: DemoServerOptions = {}): Promise<DemoServer> {
  const host = opts.host ?? '127.0.0.1'
  const port = opts.port ?? 0
  const deviceCodeTtlSeconds = positiveInteger(opts.deviceCodeTtlSeconds ?? 600, 'deviceCodeTtlSeconds')
  const intervalSeconds = positiveInteger(opts.intervalSeconds ?? 5, 'intervalSeconds')
  const quiet = opts.quiet ?? false

  const accounts = new AccountBook()
  const store = new MemoryStore()
  const jwks = await generateJwks()

  // Bind first: the issuer must contain the real port. Requests that arrive
  // before the provider exists get a 503.
  let dispatch: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server: Server = createServer((req, res) => {
    if (dispatch) dispatch(req, res)
    else res.writeHead(503, { 'retry-after': '1' }).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const issuer = issuerFor(host, address.port)
  const issuerOrigin = new URL(issuer).origin

  // Only one client is registered, so its name is the right fallback where
  // oidc-provider has not loaded the client (e.g. the denied page).
  const clientNameOf = (client: Client | undefined): string => client?.clientName ?? client?.clientId ?? DEMO_CLIENT_NAME

  // Every device sign-in asks for a name and a decision, even if this browser
  // already has an OP session from an earlier sign-in.
  const policy = interactionPolicy.base()
  policy.get('login')?.checks.add(
    new interactionPolicy.Check(
      'demo_always_ask',
      'the demo provider asks for a name and a decision on every sign-in',
      (ctx) => (ctx.oidc?.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT),
    ),
  )

  const configuration: Configuration = {
    adapter: (model) => store.adapterFor(model),
    clients: [
      {
        client_id: DEMO_CLIENT_ID,
        client_name: DEMO_CLIENT_NAME,
        application_type: 'native',
        grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'none',
      },
    ],
    scopes: [...SCOPES],
    // Only the code flow remains on /auth (unused by the demo client); this
    // keeps 'implicit' out of grant_types_supported.
    responseTypes: ['code'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx, sub) => accounts.find(sub),
    // The TV's tokens must not die with the phone browser's session.
    expiresWithSession: () => false,
    // Always for clients allowed the refresh_token grant (the demo client is):
    // a TV should stay signed in whether or not it asked for offline_access.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Browser-based callers (e.g. a dev renderer) may only come from loopback origins.
    clientBasedCORS: (_ctx, origin) => /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin),
    cookies: {
      keys: [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')],
      // Plain http on loopback: no `secure` flag (oidc-provider's defaults set none).
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    jwks,
    ttl: {
      AccessToken: 60 * 60,
      IdToken: 60 * 60,
      RefreshToken: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
      DeviceCode: deviceCodeTtlSeconds,
      Interaction: Math.max(deviceCodeTtlSeconds, 10 * 60),
      Session: 60 * 60,
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    renderError: async (ctx, out) => {
      renderInto(ctx, errorPage('The request could not be completed.', [out.error, out.error_description].filter(Boolean).join(': ')))
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        // A public client may revoke its own tokens only.
        allowedPolicy: (ctx, client, token) => token.clientId === client.clientId,
      },
      // Kept on (with our own pages): oidc-provider uses end_session to switch
      // accounts when a browser that is still signed in as A approves as B.
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          renderInto(ctx, page('logout', 'Sign out', `<h1>Sign out of the demo provider?</h1>
${form}
<button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign out</button>
<button class="plain" type="submit" form="op.logoutForm">No, stay signed in</button>`))
        },
        postLogoutSuccessSource: async (ctx) => {
          renderInto(ctx, page('logged-out', 'Signed out', `<h1>You're signed out</h1><p class="muted">You can close this page.</p>`))
        },
      },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        userCodeInputSource: async (ctx, form, out, err) => {
          const action = formValue(form, /\baction="([^"]+)"/, 'the form action')
          const xsrf = formValue(form, /name="xsrf" value="([^"]*)"/, 'the xsrf field')
          if (err instanceof Error && err.name === 'AbortedError') {
            // Denied on our page, or "No, cancel" on the confirm page.
            renderInto(ctx, deniedPage(clientNameOf(ctx.oidc?.client)))
            return
          }
          const typed = isRecord(err) && typeof err.userCode === 'string' ? err.userCode : undefined
          renderInto(ctx, codeInputPage(action, xsrf, codeInputMessage(err, out, ctx.oidc?.route), typed))
        },
        userCodeConfirmSource: async (ctx, form, client, _deviceInfo, userCode) => {
          const action = formValue(form, /\baction="([^"]+)"/, 'the form action')
          const xsrf = formValue(form, /name="xsrf" value="([^"]*)"/, 'the xsrf field')
          renderInto(ctx, confirmPage(action, xsrf, clientNameOf(client), userCode))
        },
        successSource: async (ctx) => {
          const accountId = ctx.oidc?.session?.accountId
          const name = accountId === undefined ? undefined : accounts.get(accountId)?.name
          renderInto(ctx, successPage(clientNameOf(ctx.oidc?.client), name))
        },
      },
    },
  }

  let provider: Provider
  try {
    provider = new Provider(issuer, configuration)
  } catch (error) {
    // A configuration error must not leave a listening socket behind.
    server.close()
    server.closeAllConnections()
    throw error
  }
  provider.proxy = false
  provider.use(outerMiddleware(quiet))
  provider.use(pollingMiddleware(intervalSeconds, deviceCodeTtlSeconds))
  if (!quiet) {
    provider.on('server_error', (_ctx, error) => {
      console.error('[demo provider] server error:', error)
    })
  }

  const renderInteraction = async (
    res: ServerResponse,
    interaction: Interaction,
    status: number,
    name: string,
    message: string | undefined,
  ): Promise<void> => {
    const clientId = typeof interaction.params.client_id === 'string' ? interaction.params.client_id : undefined
    const client = clientId === undefined ? undefined : await provider.Client.find(clientId)
    const deviceCode = interaction.deviceCode === undefined
      ? undefined
      : await provider.DeviceCode.find(interaction.deviceCode, { ignoreExpiration: true, ignoreSessionBinding: true })
    sendHtml(res, status, interactionPage({
      action: `/interaction/${interaction.uid}`,
      clientName: clientNameOf(client),
      userCode: deviceCode?.userCode === undefined ? undefined : formatUserCode(deviceCode.userCode),
      scope: typeof interaction.params.scope === 'string' ? interaction.params.scope : '',
      name,
      message,
    }))
  }

  const handleInteraction = async (req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const interaction = await provider.interactionDetails(req, res)
      if (interaction.uid !== uid) throw new HttpError(400, 'This sign-in page does not match your current sign-in.')
      await renderInteraction(res, interaction, 200, '', undefined)
      return
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' }).end()
      return
    }
    // Cookies are SameSite=Lax already; a foreign Origin is refused outright.
    const origin = req.headers.origin
    if (origin !== undefined && origin !== issuerOrigin) throw new HttpError(403, 'Cross-site form submissions are not accepted.')
    const form = await readForm(req)
    const interaction = await provider.interactionDetails(req, res)
    if (interaction.uid !== uid) throw new HttpError(400, 'This sign-in page does not match your current sign-in.')

    const decision = form.get('decision')
    if (decision === 'deny') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'the person at the verification page denied the sign-in' },
        { mergeWithLastSubmission: false },
      )
      return
    }
    if (decision !== 'approve') throw new HttpError(400, 'Choose Approve or Deny.')

    const name = normalizeName(form.get('name') ?? '')
    if (!name || name.length > MAX_NAME_LENGTH) {
      const message = name ? `Use at most ${MAX_NAME_LENGTH} characters.` : 'Type a name (any name works) to approve.'
      await renderInteraction(res, interaction, 400, name.slice(0, MAX_NAME_LENGTH), message)
      return
    }
    const account = accounts.signIn(name)
    const clientId = typeof interaction.params.client_id === 'string' ? interaction.params.client_id : DEMO_CLIENT_ID
    const requested = typeof interaction.params.scope === 'string' ? interaction.params.scope.split(' ') : []
    const grant = new provider.Grant({ accountId: account.sub, clientId })
    grant.addOIDCScope(requested.filter((s) => (SCOPES as readonly string[]).includes(s)).join(' '))
    const grantId = await grant.save()
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub, remember: false }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    )
  }

  const oidcCallback = provider.callback()
  dispatch = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const match = INTERACTION_PATH.exec(path)
    if (!match?.[1]) {
      oidcCallback(req, res)
      return
    }
    handleInteraction(req, res, match[1]).catch((error: unknown) => {
      const failure = describeFailure(error)
      if (failure.status >= 500 && !quiet) console.error('[demo provider] interaction error:', error)
      if (res.headersSent) {
        res.destroy()
        return
      }
      sendHtml(res, failure.status, errorPage(failure.message, failure.detail))
    })
  }

  if (!quiet) {
    console.log(`[demo provider] listening at ${issuer} (client_id ${DEMO_CLIENT_ID}; any name signs in; memory only)`)
  }

  let closing: Promise<void> | undefined
  return {
    issuer,
    clientId: DEMO_CLIENT_ID,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
      return closing
    },
  }
}
