/**
 * `linkscreen accounts` and `linkscreen logout`. Outside the Electron app there is no vault:
 * accounts live in the process that signed in. A running `linkscreen serve` holds the accounts
 * signed in on its screen; these commands reach it through its URL (with its per-launch secret),
 * from `--url` or `$LINKSCREEN_SERVE_URL`, and use the same contract as the screen.
 */
import type { AccountView, InvokeChannel, InvokeMap } from '../ipc/contract'
import { isLoopbackHost } from '../core/urls'
import type { Io } from './output'

export const SERVE_URL_ENV = 'LINKSCREEN_SERVE_URL'

/** A usage problem: exit 4 with this message. */
export class AccountsUsageError extends Error {}

/** The serve URL to use, checked: loopback `http:` with the secret path `serve` printed. */
export function serveUrl(flag: string | undefined, env: NodeJS.ProcessEnv): URL {
  const raw = flag ?? (env[SERVE_URL_ENV] || undefined)
  if (raw === undefined) {
    throw new AccountsUsageError(
      `no accounts here: outside the app, accounts live only in the process that signed in. Start "linkscreen serve" and pass the URL it prints with --url or ${SERVE_URL_ENV} to list or sign out its accounts`,
    )
  }
  if (!URL.canParse(raw)) throw new AccountsUsageError('--url is not a URL: use the one "linkscreen serve" printed')
  const url = new URL(raw)
  if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) throw new AccountsUsageError('--url must be the 127.0.0.1 URL that "linkscreen serve" printed')
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  return url
}

async function invoke<C extends InvokeChannel>(base: URL, channel: C, request: InvokeMap[C]['request'], signal?: AbortSignal): Promise<InvokeMap[C]['response']> {
  let response: Response
  try {
    response = await fetch(new URL(`api/invoke/${channel}`, base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request }),
      ...(signal === undefined ? {} : { signal }),
    })
  } catch {
    throw new Error(`no "linkscreen serve" answers at ${base.origin} (is it still running?)`)
  }
  const body: unknown = await response.json().catch(() => null)
  if (response.status === 404 || response.status === 403) throw new Error('that serve URL is not right (wrong or old secret)')
  if (!response.ok && (body === null || typeof body !== 'object' || !('ok' in body))) throw new Error(`serve answered HTTP ${response.status}`)
  return body as InvokeMap[C]['response']
}

function describe(account: AccountView): string {
  const who = account.name ?? account.email ?? account.sub ?? 'unnamed'
  const status = account.status === 'needs_sign_in' ? '  (needs sign-in again)' : ''
  return `${account.id}\t${account.providerName}\t${who}${account.email && account.name ? ` <${account.email}>` : ''}${status}`
}

/** Lists the accounts of a running serve. */
export async function listAccounts(io: Io, url: URL, json: boolean, signal?: AbortSignal): Promise<number> {
  const accounts = await invoke(url, 'accounts:list', null, signal)
  if (json) io.stdout.write(`${JSON.stringify({ event: 'accounts', accounts })}\n`)
  else if (accounts.length === 0) io.stdout.write('no accounts are signed in on that screen\n')
  else io.stdout.write(`${accounts.map(describe).join('\n')}\n`)
  return 0
}

/** Signs an account of a running serve out (revoking at the provider first). */
export async function logout(io: Io, url: URL, accountId: string | undefined, json: boolean, signal?: AbortSignal): Promise<number> {
  if (accountId === undefined || accountId === '') throw new AccountsUsageError('logout needs --account ID (see "linkscreen accounts")')
  const result = await invoke(url, 'accounts:sign-out', { accountId }, signal)
  if (result.ok) {
    if (json) io.stdout.write(`${JSON.stringify({ event: 'signed_out', account: accountId })}\n`)
    else io.stdout.write(`signed out ${accountId}\n`)
    return 0
  }
  if (result.code === 'revocation_failed') {
    // Removed here; the provider did not confirm. Exit 0 would hide that the session may live on.
    if (json) io.stdout.write(`${JSON.stringify({ event: 'signed_out', account: accountId, revoked: false, message: result.message })}\n`)
    io.stderr.write(`linkscreen: ${result.message}\n`)
    return 1
  }
  if (json) io.stdout.write(`${JSON.stringify({ event: 'error', code: result.code, message: result.message })}\n`)
  io.stderr.write(`linkscreen: ${result.message}\n`)
  return result.code === 'unknown_account' || result.code === 'invalid_request' ? 4 : 1
}
