/**
 * `google`: Google's OAuth 2.0 for TV and limited-input devices. The device code answer says
 * `verification_url`; token polls need the client secret; errors are RFC 8628's, with Google's
 * own HTTP statuses (the body decides). Only a short list of scopes is allowed on this flow:
 * asking for another one earns a warning before the request, and `invalid_scope` after it.
 *
 * Refresh: `POST /token` (grant `refresh_token`, with the client secret); Google's refresh
 * tokens are reusable and its answer carries none, so the one sent is kept. Revocation:
 * `POST /revoke` with `token` (the refresh token when there is one: revoking it also ends its
 * access tokens). The account comes from userinfo; nothing in Google's ID token is used, so it
 * is kept as sent and not validated here.
 * @see https://developers.google.com/identity/protocols/oauth2/limited-input-device
 * @see https://developers.google.com/identity/protocols/oauth2/native-app#offline
 * @see https://developers.google.com/identity/protocols/oauth2/native-app#tokenrevoke
 */
import { readJsonBody } from '../http'
import { networkPollOutcome, refuseNetworkAnswer } from '../network-answer'
import { classifyTokenErrorResponse, parseTokenSet } from '../token-response'
import type { Dialect } from '../types'
import { DEVICE_CODE_GRANT } from './better-auth'
import type { DialectDeps } from './standard'
import { failedResponse } from './standard'
import { account, getWithToken, parseProviderCode, parseRefreshAnswer, postFields, readObject, str } from './wire'
import { guarded } from './guard'

/** The scopes Google allows on the device flow. */
export const GOOGLE_DEVICE_SCOPES: ReadonlySet<string> = new Set([
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
  'https://www.googleapis.com/auth/drive.appdata',
  'https://www.googleapis.com/auth/drive.file',
  'https://www.googleapis.com/auth/youtube',
  'https://www.googleapis.com/auth/youtube.readonly',
])

export interface GoogleProvider {
  readonly id: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope?: string | undefined
  /** Defaults to https://oauth2.googleapis.com (tests point it at a simulator). */
  readonly baseUrl?: string | undefined
  /** Defaults to https://openidconnect.googleapis.com/v1/userinfo. */
  readonly userinfoUrl?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

export function createGoogleDialect(provider: GoogleProvider, deps: DialectDeps): Dialect {
  return guarded(provider, deps, (guardedDeps) => googleDialect(provider, guardedDeps))
}

function googleDialect(provider: GoogleProvider, deps: DialectDeps): Dialect {
  const base = (provider.baseUrl ?? 'https://oauth2.googleapis.com').replace(/\/+$/, '')
  const userinfo = provider.userinfoUrl ?? 'https://openidconnect.googleapis.com/v1/userinfo'
  const scope = provider.scope ?? 'openid email profile'
  const where = (step: string): string => `${provider.id}: ${step}`
  const send = { encoding: 'form' as const, headers: provider.headers }
  const refused = scope.split(/\s+/).filter((s) => s !== '' && !GOOGLE_DEVICE_SCOPES.has(s))
  return {
    providerId: provider.id,
    warnings: refused.length === 0 ? [] : [`${provider.id}: Google does not allow ${refused.map((s) => `"${s}"`).join(', ')} on the device flow; expect invalid_scope`],

    async requestCode(signal) {
      const response = await postFields(deps.http, `${base}/device/code`, { client_id: provider.clientId, scope }, { ...send, signal })
      const receivedAt = deps.clock.now()
      await refuseNetworkAnswer(response, `${base}/device/code`, where('device code'), { now: receivedAt })
      if (response.status !== 200) return failedResponse(response, where('device code'))
      return parseProviderCode(await readObject(response), receivedAt, where('device code response'))
    },

    async poll(authorization, signal) {
      const response = await postFields(
        deps.http,
        `${base}/token`,
        { client_id: provider.clientId, client_secret: provider.clientSecret, device_code: authorization.device_code, grant_type: DEVICE_CODE_GRANT },
        { ...send, signal },
      )
      const now = deps.clock.now()
      const network = await networkPollOutcome(response, `${base}/token`, { now })
      if (network) return network
      const body = await readJsonBody(response)
      if (response.status === 200) return { kind: 'authorized', tokens: parseTokenSet(body, now, where('token response')) }
      return classifyTokenErrorResponse(response, body, now, where('token response'))
    },

    async refresh(refreshToken, signal) {
      const response = await postFields(
        deps.http,
        `${base}/token`,
        { client_id: provider.clientId, client_secret: provider.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken },
        { ...send, signal },
      )
      const now = deps.clock.now()
      if (response.status !== 200) return failedResponse(response, where('token refresh'))
      return parseRefreshAnswer(await readObject(response), now, where('token refresh response'), refreshToken)
    },

    async revoke(tokens, signal) {
      const response = await postFields(deps.http, `${base}/revoke`, { token: tokens.refresh_token ?? tokens.access_token }, { ...send, signal })
      if (response.status !== 200) return failedResponse(response, where('token revocation'))
    },

    async fetchAccount(tokens, signal) {
      const response = await getWithToken(deps.http, userinfo, tokens.access_token, provider.headers, signal)
      if (response.status !== 200) return undefined
      const info = await readObject(response)
      return account({ sub: str(info, 'sub'), name: str(info, 'name'), email: str(info, 'email'), picture: str(info, 'picture') })
    },
  }
}
