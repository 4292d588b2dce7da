/**
 * Approving (or denying) a device's user code from this desktop, as a signed-in person of a
 * better-auth server with the device authorization plugin (1.7) and the `bearer()` plugin.
 *
 * 1. `GET {base}/get-session` (Bearer): is the approver signed in, and as whom.
 * 2. `GET {base}/device?user_code=…` (Bearer): claims the code for the approver (required
 *    before a decision since better-auth 1.7) and tells what is asking: client id, scope (and
 *    the resources, where the OAuth provider plugin adds them). The plugin answers these only
 *    to the person who claimed the code.
 * 3. `POST {base}/device/approve` or `/device/deny` (Bearer, JSON `{userCode}`).
 *
 * The plugin's answers map onto an {@link ApproveError} with a {@link ApproveFailure} reason;
 * network trouble stays the `LinkscreenError` the injected `http` throws (`network_error`,
 * `timeout`, `aborted`). Messages may name the user code (it is on the device's screen), never
 * the session token: what `claim` and `decide` return or throw passes through the approver's
 * scrubber (see `scrubber.ts`), which knows the token and the configured header values and
 * learns what every request carries.
 */
import { accountFromUser } from './dialects/better-auth'
import { isJsonObject } from './assert'
import { ErrorCode, LinkscreenError } from './errors'
import { readJsonBody } from './http'
import { cleanText } from './redact'
import { Scrubber } from './scrubber'
import { cleanDescription, cleanErrorCode } from './token-response'
import type { Account, FetchLike } from './types'

/** What `approve` needs of a provider: a better-auth provider configuration satisfies it. */
export interface ApproveProvider {
  readonly id: string
  /** better-auth's base path, e.g. `http://localhost:3000/api/auth`. */
  readonly baseUrl: string
  /** Headers sent with every request (the provider's configured `headers`). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

export interface ApproveDeps {
  /** Already bounded and classified (see `createHttp`). */
  readonly http: FetchLike
  /** The provider's scrubber, shared with whoever shows the results; a new one when absent. */
  readonly scrubber?: Scrubber
}

/** Why the server refused, as far as it tells. */
export type ApproveFailure =
  /** No pending authorization has this code: mistyped, or used and gone. */
  | 'invalid_code'
  /** The code expired before the decision. */
  | 'expired_code'
  /** The code was already approved or denied. */
  | 'already_processed'
  /** The session token was refused (missing, expired, revoked, or from another server). */
  | 'not_signed_in'
  /** Another signed-in person claimed this code first. */
  | 'claimed_by_other'
  /** The server says the code was not claimed before the decision (a claim that did not stick). */
  | 'not_claimed'
  /** Too many attempts: the server's rate limit. */
  | 'rate_limited'
  /** The base URL does not serve better-auth's device plugin. */
  | 'not_supported'

/** A refusal by the server, typed by `reason`; `code` is `oauth_error` (`invalid_response` for `not_supported`). */
export class ApproveError extends LinkscreenError {
  readonly reason: ApproveFailure

  constructor(reason: ApproveFailure, message: string, options: { oauthError?: string; description?: string; status?: number } = {}) {
    super(reason === 'not_supported' ? ErrorCode.InvalidResponse : ErrorCode.OAuth, message, options)
    this.reason = reason
  }
}

export function isApproveError(value: unknown): value is ApproveError {
  return value instanceof ApproveError
}

/** A device's pending request, as the approver may see it before deciding. */
export interface DeviceRequest {
  readonly providerId: string
  /** The code as the server knows it (normalised), for the decision. */
  readonly userCode: string
  /** The client (device application) asking. */
  readonly clientId: string
  /** The client's display name, when the server gives one (better-auth 1.7.5's plugin does not). */
  readonly clientName?: string
  /** The scopes asked for (empty when none were). */
  readonly scopes: readonly string[]
  /** Resource indicators asked for, when the server tells (the OAuth provider plugin's device grant). */
  readonly resources?: readonly string[]
  /** Who is signed in and about to decide, as `/get-session` tells. */
  readonly approver?: Account
}

export type ApproveDecision = 'approve' | 'deny'

export interface ApproveResult {
  readonly providerId: string
  readonly userCode: string
  readonly decision: ApproveDecision
}

export interface Approver {
  readonly providerId: string
  /** Checks the session, claims `userCode` (as typed: dashes, spaces and case do not matter) and says what is asking. */
  claim(userCode: string, signal?: AbortSignal): Promise<DeviceRequest>
  /** Approves or denies a claimed request. */
  decide(request: DeviceRequest, decision: ApproveDecision, signal?: AbortSignal): Promise<ApproveResult>
}

/** better-auth's default user-code alphabet (no 0, O, 1, I). */
const DEFAULT_ALPHABET = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]+$/
/** The plugin stores codes of at most 191 characters. */
const MAX_CODE_LENGTH = 191

/**
 * A user code as better-auth's device plugin reads it: when what is left after dropping every
 * character but letters and digits, upper-cased, is in the plugin's default alphabet, that
 * (`abcd-efgh` → `ABCDEFGH`); otherwise the code as typed, trimmed (a custom code, which the
 * plugin matches exactly).
 */
export function normalizeUserCode(input: string): string {
  const stripped = input.replace(/[^a-zA-Z0-9]/g, '').toUpperCase()
  return DEFAULT_ALPHABET.test(stripped) ? stripped : input.trim()
}

/** The plugin's `error_description`s that tell apart its `invalid_request` answers (1.7). */
const DESCRIPTIONS = {
  invalid: /^invalid user code$/i,
  processed: /already processed/i,
  notClaimed: /not been claimed/i,
} as const


function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean).map((s) => cleanText(s, 500))
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((s: string) => cleanText(s, 500)).filter(Boolean)
  return undefined
}

/**
 * An approver for `provider`, acting as the person whose better-auth session `sessionToken` is.
 * The token is sent as a Bearer and never appears in a message.
 */
export function createApprover(provider: ApproveProvider, sessionToken: string, deps: ApproveDeps): Approver {
  const base = provider.baseUrl.replace(/\/+$/, '')
  const id = provider.id
  const scrubber = deps.scrubber ?? new Scrubber()
  scrubber.keep(sessionToken)
  for (const value of Object.values(provider.headers ?? {})) scrubber.keep(value)
  const http = scrubber.wrap(deps.http)
  const shown = (code: string): string => cleanText(code, 64)

  const request = (method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> =>
    http(`${base}${path}`, {
      method,
      headers: {
        ...provider.headers,
        authorization: `Bearer ${sessionToken}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    })

  const notSignedIn = (status?: number, oauthError?: string): ApproveError =>
    new ApproveError(
      'not_signed_in',
      `${id}: the approver is not signed in: the session token was refused (expired, signed out, or from another server)`,
      { ...(status === undefined ? {} : { status }), ...(oauthError === undefined ? {} : { oauthError }) },
    )

  /** An answer that is none of the plugin's known refusals. */
  const unexpected = async (response: Response, body: unknown, step: string): Promise<LinkscreenError> => {
    const status = response.status
    if (status === 429) return new ApproveError('rate_limited', `${id}: too many attempts (HTTP 429); wait a while before trying again`, { status })
    if (isJsonObject(body) && typeof body['error'] === 'string') {
      const error = cleanErrorCode(body['error'])
      const description = cleanDescription(body['error_description'])
      return new LinkscreenError(ErrorCode.OAuth, `${id}: ${step}: ${error}${description ? ` (${description})` : ''}`, {
        oauthError: error,
        status,
        ...(description === undefined ? {} : { description }),
      })
    }
    if (isJsonObject(body) && typeof body['message'] === 'string') {
      // better-auth's own errors (validation, CSRF) are {message, code}.
      const description = cleanDescription(body['message'])
      const code = typeof body['code'] === 'string' ? cleanErrorCode(body['code'].toLowerCase()) : 'error'
      return new LinkscreenError(status >= 500 ? ErrorCode.ServerError : ErrorCode.OAuth, `${id}: ${step}: HTTP ${status} ${code}${description ? ` (${description})` : ''}`, {
        oauthError: code,
        status,
        ...(description === undefined ? {} : { description }),
      })
    }
    const type = cleanText(response.headers.get('content-type')?.split(';')[0] ?? '', 100) || 'no content type'
    return new LinkscreenError(status >= 500 ? ErrorCode.ServerError : ErrorCode.InvalidResponse, `${id}: ${step}: HTTP ${status} (${type})`, { status })
  }

  /** Maps the plugin's refusal of `code` (claim or decision) onto an error. */
  const refusal = async (response: Response, code: string, step: string): Promise<LinkscreenError> => {
    const body = await readJsonBody(response)
    const status = response.status
    const error = isJsonObject(body) && typeof body['error'] === 'string' ? cleanErrorCode(body['error']) : undefined
    const description = isJsonObject(body) ? cleanDescription(body['error_description']) : undefined
    const details = { status, ...(error === undefined ? {} : { oauthError: error }), ...(description === undefined ? {} : { description }) }
    if (status === 401 || error === 'unauthorized') return notSignedIn(status, error)
    if (error === 'expired_token') return new ApproveError('expired_code', `${id}: the code ${shown(code)} has expired; ask the device for a new code`, details)
    if (status === 403 && error === 'access_denied') {
      return new ApproveError('claimed_by_other', `${id}: the code ${shown(code)} was claimed by another signed-in person; only they can decide on it`, details)
    }
    if (status === 400 && error === 'invalid_request' && description !== undefined) {
      if (DESCRIPTIONS.invalid.test(description)) {
        return new ApproveError('invalid_code', `${id}: no device is waiting for the code ${shown(code)}: check it for typos (a code that was already used is gone too)`, details)
      }
      if (DESCRIPTIONS.processed.test(description)) {
        return new ApproveError('already_processed', `${id}: the code ${shown(code)} was already approved or denied`, details)
      }
      if (DESCRIPTIONS.notClaimed.test(description)) {
        return new ApproveError('not_claimed', `${id}: the server says the code ${shown(code)} was not claimed before the decision; try again`, details)
      }
    }
    if (status === 404) return new ApproveError('not_supported', `${id}: ${base} does not serve better-auth's device plugin (${step} answered 404)`, { status })
    return unexpected(response, body, step)
  }

  const session = async (signal: AbortSignal | undefined): Promise<Account | undefined> => {
    const response = await request('GET', '/get-session', undefined, signal)
    if (response.status === 401 || response.status === 403) throw notSignedIn(response.status)
    if (response.status === 404) throw new ApproveError('not_supported', `${id}: ${base} is not a better-auth base path (GET /get-session answered 404)`, { status: 404 })
    const body = await readJsonBody(response)
    if (response.status !== 200) throw await unexpected(response, body, 'GET /get-session')
    // An unknown or expired token gets 200 with `null`.
    if (!isJsonObject(body) || !isJsonObject(body['user'])) throw notSignedIn(200)
    return accountFromUser(body['user'])
  }

  /** One claim attempt: what is asking, or why not (returned, so that the caller may retry). */
  const claimOnce = async (code: string, approver: Account | undefined, signal: AbortSignal | undefined): Promise<DeviceRequest | LinkscreenError> => {
    const response = await request('GET', `/device?user_code=${encodeURIComponent(code)}`, undefined, signal)
    if (response.status !== 200) return refusal(response, code, 'GET /device')
    const body = await readJsonBody(response)
    if (!isJsonObject(body) || typeof body['status'] !== 'string') {
      return new LinkscreenError(ErrorCode.InvalidResponse, `${id}: GET /device: the answer has no "status"`, { status: 200 })
    }
    const status = cleanText(body['status'], 32)
    if (status !== 'pending') {
      return new ApproveError('already_processed', `${id}: the code ${shown(code)} was already ${status === 'approved' || status === 'denied' ? status : `decided (${status})`}`, { status: 200 })
    }
    if (typeof body['client_id'] !== 'string') {
      // The plugin tells who asks only to the person who claimed the code; the session is valid,
      // so someone else claimed it.
      return new ApproveError('claimed_by_other', `${id}: the code ${shown(code)} was claimed by another signed-in person; only they can decide on it`, { status: 200 })
    }
    const name = body['client_name'] ?? body['clientName']
    const scopes = stringList(body['scope']) ?? []
    const resources = stringList(body['resource'])
    return {
      providerId: id,
      userCode: code,
      clientId: cleanText(body['client_id'], 200),
      ...(typeof name === 'string' && cleanText(name, 200) !== '' ? { clientName: cleanText(name, 200) } : {}),
      scopes,
      ...(resources === undefined || resources.length === 0 ? {} : { resources }),
      ...(approver === undefined ? {} : { approver }),
    }
  }

  return {
    providerId: id,

    claim: (userCode, signal) => scrubber.guard(async () => scrubber.deep(await claim(userCode, signal))),
    decide: (claimed, decision, signal) => scrubber.guard(async () => scrubber.deep(await decide(claimed, decision, signal))),
  }

  async function claim(userCode: string, signal: AbortSignal | undefined): Promise<DeviceRequest> {
    // Text with a lone surrogate cannot be put in a URL (encodeURIComponent throws): no code is like that.
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(userCode)) {
      throw new ApproveError('invalid_code', `${id}: that is not a user code (it is not valid text)`)
    }
    const typed = userCode.trim()
    const normal = normalizeUserCode(userCode)
    if (!/[\p{L}\p{N}]/u.test(normal) || normal.length > MAX_CODE_LENGTH) {
      throw new ApproveError('invalid_code', `${id}: "${shown(typed)}" is not a user code${normal.length > MAX_CODE_LENGTH ? ' (too long)' : ' (it has no letters or digits)'}`)
    }
    if (!/^[\x21-\x7e]{1,8192}$/.test(sessionToken)) {
      throw new ApproveError('not_signed_in', `${id}: the approver's session token is ${sessionToken === '' ? 'empty' : 'malformed (it must be printable ASCII without spaces)'}`)
    }
    const approver = await session(signal)
    let result = await claimOnce(normal, approver, signal)
    // A custom code the plugin matches exactly: try it as typed.
    if (result instanceof ApproveError && result.reason === 'invalid_code' && typed !== normal && typed.length <= MAX_CODE_LENGTH) {
      const asTyped = await claimOnce(typed, approver, signal)
      // Unknown either way: say so of the code as the device shows it.
      if (!(asTyped instanceof ApproveError && asTyped.reason === 'invalid_code')) result = asTyped
    }
    if (result instanceof LinkscreenError) throw result
    return result
  }

  async function decide(claimed: DeviceRequest, decision: ApproveDecision, signal: AbortSignal | undefined): Promise<ApproveResult> {
    const path = decision === 'approve' ? '/device/approve' : '/device/deny'
    const response = await request('POST', path, { userCode: claimed.userCode }, signal)
    if (response.status !== 200) throw await refusal(response, claimed.userCode, `POST ${path}`)
    const body = await readJsonBody(response)
    if (!isJsonObject(body) || body['success'] !== true) {
      throw new LinkscreenError(ErrorCode.InvalidResponse, `${id}: POST ${path}: the answer does not say "success": true`, { status: 200 })
    }
    return { providerId: id, userCode: claimed.userCode, decision }
  }
}
