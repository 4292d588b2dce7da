/**
 * The demo provider's HTML: the one stylesheet, the Content-Security-Policy
 * that allows it, every page template, HTML escaping, and the texts shown on
 * the code input page. Templates return complete documents; callers send them
 * with `renderInto` (inside oidc-provider) or `sendHtml` (see ./http-util).
 */
import { createHash } from 'node:crypto'
import type { ErrorOut, KoaContext } from 'oidc-provider'
import { MAX_NAME_LENGTH } from './store'

/** oidc-provider's default `routes.code_verification`. */
const VERIFICATION_PATH = '/device'

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** Reads one attribute-quoted value out of oidc-provider's generated form markup. */
export function formValue(form: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(form)
  if (!match?.[1]) throw new Error(`demo provider: could not find ${what} in oidc-provider's form markup`)
  return match[1]
}

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
export const CSP = [
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
export function page(kind: PageKind, title: string, body: string): string {
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

export function renderInto(ctx: KoaContext, html: string): void {
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

export function codeInputPage(action: string, xsrf: string, message: string | undefined, code: string | undefined): string {
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

export function confirmPage(action: string, xsrf: string, clientName: string, userCode: string): string {
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

export function interactionPage(opts: {
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

export function successPage(clientName: string, name: string | undefined): string {
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

export function deniedPage(clientName: string): string {
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

export function errorPage(message: string, detail: string | undefined): string {
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
export function codeInputMessage(err: unknown, out: ErrorOut | undefined, route: string | undefined): string | undefined {
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
