/**
 * `better-auth`: the device authorization plugin of better-auth, under a base URL such as
 * `http://localhost:3000/api/auth`.
 *
 * - `POST /device/code` takes JSON (or form) `{client_id, scope}` and answers as RFC 8628 §3.2.
 * - `POST /device/token` takes **JSON only** (a form body gets 415). Errors are HTTP 400
 *   `{error, error_description}`, but schema errors are `{message, code}`. Success is
 *   `{access_token, token_type, expires_in, scope}` (1.7; the token is a session token), or
 *   `{session, user}` in older versions.
 * - `GET /get-session` with the token as a Bearer (the server's `bearer()` plugin) tells who
 *   signed in; an unknown token gets 200 with `null`.
 * - `POST /sign-out` with the token as a Bearer ends that session: this is how its access token
 *   is revoked. better-auth answers 200 `{success: true}`, also for a session it no longer has.
 *
 * No refresh: the plugin hands out a session token and no refresh token; better-auth itself
 * extends a session that is used (its `session.updateAge`), until `session.expiresIn`. After
 * that the device signs in again, so this dialect has no `refresh`.
 */
import { cleanText } from '../redact'
import { isJsonObject } from '../assert'
import { parseDeviceAuthorization } from '../device-authorization'
import { readJsonBody } from '../http'
import { networkPollOutcome, refuseNetworkAnswer } from '../network-answer'
import { classifyTokenErrorResponse, cleanDescription, cleanErrorCode, parseTokenSet } from '../token-response'
import type { Account, Dialect, PollOutcome, TokenSet } from '../types'
import { failedResponse, type DialectDeps, type StandardProvider } from './standard'
import { guarded } from './guard'

export interface BetterAuthProvider extends StandardProvider {
  /** better-auth's base path, e.g. `http://localhost:3000/api/auth`. */
  readonly baseUrl: string
}

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

/** Who a better-auth `user` object says signed in (`id` is the subject); text cleaned of control characters. */
export function accountFromUser(user: unknown): Account | undefined {
  if (!isJsonObject(user)) return undefined
  const str = (key: string): string | undefined => (typeof user[key] === 'string' && user[key] !== '' ? cleanText(user[key] as string, 200) : undefined)
  const sub = str('id')
  const name = str('name')
  const email = str('email')
  const picture = str('image')
  return {
    ...(sub === undefined ? {} : { sub }),
    ...(name === undefined ? {} : { name }),
    ...(email === undefined ? {} : { email }),
    ...(picture === undefined ? {} : { picture }),
  }
}

/** `{session: {token, expiresAt}, user}`: the shape documented for older better-auth versions. */
function sessionShape(body: Record<string, unknown>, receivedAt: number, where: string): PollOutcome | undefined {
  const session = body['session']
  if (!isJsonObject(session) || typeof session['token'] !== 'string') return undefined
  const expiresAt = typeof session['expiresAt'] === 'string' ? Date.parse(session['expiresAt']) : Number.NaN
  const expires_in = Number.isFinite(expiresAt) ? Math.max(0, Math.floor((expiresAt - receivedAt) / 1000)) : undefined
  // (parseTokenSet clamps absurd lifetimes.)
  const tokens = parseTokenSet(
    { access_token: session['token'], token_type: 'bearer', ...(expires_in === undefined ? {} : { expires_in }), user: body['user'] },
    receivedAt,
    where,
  )
  const account = accountFromUser(body['user'])
  return account === undefined ? { kind: 'authorized', tokens } : { kind: 'authorized', tokens, account }
}

export function createBetterAuthDialect(provider: BetterAuthProvider, deps: DialectDeps): Dialect {
  return guarded(provider, deps, (guardedDeps) => betterAuthDialect(provider, guardedDeps))
}

function betterAuthDialect(provider: BetterAuthProvider, deps: DialectDeps): Dialect {
  const base = provider.baseUrl.replace(/\/+$/, '')
  const where = (step: string): string => `${provider.id}: ${step}`
  const post = (path: string, body: Record<string, string>, signal: AbortSignal | undefined): Promise<Response> =>
    deps.http(`${base}${path}`, {
      method: 'POST',
      headers: { ...provider.headers, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    })

  return {
    providerId: provider.id,

    async requestCode(signal) {
      const response = await post(
        '/device/code',
        { client_id: provider.clientId, ...(provider.scope ? { scope: provider.scope } : {}) },
        signal,
      )
      const receivedAt = deps.clock.now()
      await refuseNetworkAnswer(response, `${base}/device/code`, where('device authorization'), { now: receivedAt })
      if (response.status !== 200) return failedResponse(response, where('device authorization'))
      return parseDeviceAuthorization(await readJsonBody(response), receivedAt, where('device authorization response'))
    },

    async poll(authorization, signal) {
      const response = await post(
        '/device/token',
        { grant_type: DEVICE_CODE_GRANT, device_code: authorization.device_code, client_id: provider.clientId },
        signal,
      )
      const now = deps.clock.now()
      const network = await networkPollOutcome(response, `${base}/device/token`, { now })
      if (network) return network
      const body = await readJsonBody(response)
      if (response.status === 200) {
        const whereToken = where('token response')
        if (isJsonObject(body) && body['access_token'] === undefined) {
          const session = sessionShape(body, now, whereToken)
          if (session) return session
        }
        return { kind: 'authorized', tokens: parseTokenSet(body, now, whereToken, 'bearer') }
      }
      // Schema errors come as {message, code} instead of an OAuth error.
      if (response.status === 400 && isJsonObject(body) && body['error'] === undefined && typeof body['code'] === 'string') {
        const description = cleanDescription(body['message'])
        const error = cleanErrorCode(body['code'].toLowerCase())
        return description === undefined ? { kind: 'error', error } : { kind: 'error', error, description }
      }
      return classifyTokenErrorResponse(response, body, now, where('token response'))
    },

    /** Signs the session out (`POST /sign-out`, Bearer): the session token stops working at once. */
    async revoke(tokens: TokenSet, signal) {
      const response = await deps.http(`${base}/sign-out`, {
        method: 'POST',
        headers: { ...provider.headers, authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
        ...(signal === undefined ? {} : { signal }),
      })
      if (response.status !== 200) return failedResponse(response, where('sign-out'))
    },

    async fetchAccount(tokens: TokenSet, signal) {
      const response = await deps.http(`${base}/get-session`, {
        method: 'GET',
        headers: { ...provider.headers, authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' },
        ...(signal === undefined ? {} : { signal }),
      })
      if (response.status !== 200) return undefined
      const body = await readJsonBody(response)
      return isJsonObject(body) ? accountFromUser(body['user']) : undefined
    },
  }
}
