/**
 * `linkscreen accounts` and `linkscreen logout`. Outside the Electron app there is no vault:
 * accounts live in the process that signed in. A running `linkscreen serve` holds the accounts
 * signed in on its screen; these commands reach it with its control credential, which allows
 * only the channels they call. The credential is read from serve's owner-only runtime file
 * (see ./runtime-file.ts) or from `$LINKSCREEN_SERVE_URL`, never from a flag: every local user
 * can read a command line (`ps -eo args`), and shells keep it in their history.
 */
import type { AccountView, InvokeChannel, InvokeMap } from '../ipc/contract'
import { isLoopbackHost } from '../core/urls'
import type { Io } from './output'
import { CONTROL_PARAM, findRuntimeFiles, runtimeDir, RuntimeFileError, TICKET_PARAM } from './runtime-file'

export const SERVE_URL_ENV = 'LINKSCREEN_SERVE_URL'

/** A usage problem: exit 4 with this message. */
export class AccountsUsageError extends Error {}

/** A running serve, and the credential for its control API. */
export interface ServeTarget {
  /** `http://127.0.0.1:PORT/` */
  readonly base: URL
  readonly control: string
  /** Where it was found (a runtime file, or the environment variable), for messages. */
  readonly source: string
}

const HOW =
  `accounts and logout find the running "linkscreen serve" through its owner-only runtime file, or through ${SERVE_URL_ENV} (the "controlUrl" in that file)`

/** `--url`: names a serve (its origin) but may not carry its credential. Never echoed. */
function portFromUrlFlag(raw: string): number {
  if (!URL.canParse(raw)) throw new AccountsUsageError('--url is not a URL: give the serve\'s address (http://127.0.0.1:PORT/) or --port, or leave it out')
  const url = new URL(raw)
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '')) {
    throw new AccountsUsageError(
      `--url may not carry serve's secret: a flag is visible to every user of this machine in the process list (ps) and stays in shell history. Leave it out: ${HOW}`,
    )
  }
  if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) throw new AccountsUsageError('--url must be the 127.0.0.1 address of a running "linkscreen serve"')
  return Number(url.port || 80)
}

/** `$LINKSCREEN_SERVE_URL`: the control URL. Never echoed. */
function fromEnv(raw: string): ServeTarget {
  if (!URL.canParse(raw)) throw new AccountsUsageError(`${SERVE_URL_ENV} is not a URL: put the "controlUrl" of serve's runtime file in it`)
  const url = new URL(raw)
  // Exactly 127.0.0.1, where serve listens: `localhost` may resolve to [::1] first, where
  // another local user could listen on the same port and receive the credential.
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') throw new AccountsUsageError(`${SERVE_URL_ENV} must be a http://127.0.0.1 URL of a running "linkscreen serve"`)
  const control = url.searchParams.get(CONTROL_PARAM)
  if (control === null || control === '') {
    const why = url.searchParams.has(TICKET_PARAM) ? 'it holds the screen\'s one-time URL, which is for one browser only' : 'it carries no control credential'
    throw new AccountsUsageError(`${SERVE_URL_ENV} is not serve's control URL (${why}): put the "controlUrl" of serve's runtime file in it, or unset it`)
  }
  return { base: new URL('/', url.origin), control, source: SERVE_URL_ENV }
}

/**
 * The running serve to act on: the one on `--port` (or `--url`'s port), else the one in
 * `$LINKSCREEN_SERVE_URL`, else the only one in the runtime folder.
 */
export async function serveUrl(flags: { readonly url?: string | undefined; readonly port?: string | undefined }, env: NodeJS.ProcessEnv): Promise<ServeTarget> {
  let port: number | undefined
  if (flags.url !== undefined) port = portFromUrlFlag(flags.url)
  if (flags.port !== undefined) {
    if (!/^\d{1,5}$/.test(flags.port) || Number(flags.port) < 1 || Number(flags.port) > 65_535) throw new AccountsUsageError('--port must be the port of a running "linkscreen serve" (1–65535)')
    if (port !== undefined && port !== Number(flags.port)) throw new AccountsUsageError('--url and --port name different serves: give one')
    port = Number(flags.port)
  }
  const fromEnvironment = env[SERVE_URL_ENV]
  if (port === undefined && fromEnvironment) return fromEnv(fromEnvironment)
  const dir = runtimeDir(env)
  let found
  try {
    found = await findRuntimeFiles(dir, port)
  } catch (error) {
    if (error instanceof RuntimeFileError) throw new AccountsUsageError(error.message)
    const code = (error as { code?: string }).code
    throw new AccountsUsageError(`cannot read serve's runtime files in ${dir} (${code ?? String(error)})`)
  }
  if (found.length === 0) {
    if (port !== undefined) throw new AccountsUsageError(`no "linkscreen serve" on port ${port} is recorded in ${dir}: is it running, as this user?`)
    throw new AccountsUsageError(
      `no accounts here: outside the app, accounts live only in the process that signed in. Start "linkscreen serve" (as this user); ${HOW} (none in ${dir})`,
    )
  }
  if (found.length > 1) {
    const list = found.map((f) => `port ${f.record.port} (pid ${f.record.pid})`).join(', ')
    throw new AccountsUsageError(`${found.length} "linkscreen serve" are running: ${list}; pick one with --port`)
  }
  const [only] = found
  if (only === undefined) throw new AccountsUsageError('no serve found')
  try {
    const target = fromEnv(only.record.controlUrl)
    return { ...target, source: only.path }
  } catch {
    throw new AccountsUsageError(`${only.path} does not hold a control URL: stop that serve and start it again`)
  }
}

async function invoke<C extends InvokeChannel>(target: ServeTarget, channel: C, request: InvokeMap[C]['request'], signal?: AbortSignal): Promise<InvokeMap[C]['response']> {
  let response: Response
  try {
    response = await fetch(new URL(`api/invoke/${channel}`, target.base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.control}` },
      body: JSON.stringify({ request }),
      redirect: 'error',
      ...(signal === undefined ? {} : { signal }),
    })
  } catch (error) {
    if (signal?.aborted) throw error
    throw new Error(`no "linkscreen serve" answers at ${target.base.origin} (is it still running? found through ${target.source})`)
  }
  const text = await response.text().catch(() => '')
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON: a refusal in plain words, handled below.
  }
  if (response.status === 403) throw new Error(`the serve at ${target.base.origin} refused the control credential from ${target.source} (a serve restarted on the same port?)`)
  if (!response.ok && (body === null || typeof body !== 'object' || !('ok' in body))) throw new Error(`serve answered HTTP ${response.status}`)
  return body as InvokeMap[C]['response']
}

function describe(account: AccountView): string {
  const who = account.name ?? account.email ?? account.sub ?? 'unnamed'
  const status = account.status === 'needs_sign_in' ? '  (needs sign-in again)' : ''
  return `${account.id}\t${account.providerName}\t${who}${account.email && account.name ? ` <${account.email}>` : ''}${status}`
}

/** Lists the accounts of a running serve. */
export async function listAccounts(io: Io, target: ServeTarget, json: boolean, signal?: AbortSignal): Promise<number> {
  const accounts = await invoke(target, 'accounts:list', null, signal)
  if (json) io.stdout.write(`${JSON.stringify({ event: 'accounts', accounts })}\n`)
  else if (accounts.length === 0) io.stdout.write('no accounts are signed in on that screen\n')
  else io.stdout.write(`${accounts.map(describe).join('\n')}\n`)
  return 0
}

/** Signs an account of a running serve out (revoking at the provider first). */
export async function logout(io: Io, target: ServeTarget, accountId: string | undefined, json: boolean, signal?: AbortSignal): Promise<number> {
  if (accountId === undefined || accountId === '') throw new AccountsUsageError('logout needs --account ID (see "linkscreen accounts")')
  const result = await invoke(target, 'accounts:sign-out', { accountId }, signal)
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
