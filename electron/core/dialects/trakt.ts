/**
 * `trakt`: Trakt's device authentication. JSON bodies; `trakt-api-key` and `trakt-api-version`
 * headers on API calls; `verification_url` instead of `verification_uri`; the token poll sends
 * the device code as `code`, and its HTTP status is the protocol:
 * 200 tokens, 400 pending, 404 invalid code, 409 already used, 410 expired, 418 denied,
 * 429 slow down (with `Retry-After`). Error bodies may be empty or not JSON, so only the status is read.
 * The client secret is sent when configured (Trakt has deprecated it for this flow).
 * Refresh is `POST /oauth/token` (grant `refresh_token`), revocation `POST /oauth/revoke`.
 */
import { ErrorCode, LinkscreenError } from '../errors'
import { retryAfterMs } from '../http'
import { networkPollOutcome, refuseNetworkAnswer } from '../network-answer'
import { parseTokenSet } from '../token-response'
import type { Dialect, PollOutcome } from '../types'
import type { DialectDeps } from './standard'
import { failedResponse } from './standard'
import { account, getWithToken, parseProviderCode, postFields, readObject, str } from './wire'
import { guarded } from './guard'

export const TRAKT_PRODUCTION = 'https://api.trakt.tv'
export const TRAKT_STAGING = 'https://api-staging.trakt.tv'

export interface TraktProvider {
  readonly id: string
  readonly clientId: string
  /** Deprecated by Trakt for the device flow, but still sent when configured. */
  readonly clientSecret?: string | undefined
  readonly staging?: boolean | undefined
  /** Overrides the API base (tests point it at a simulator). */
  readonly baseUrl?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

const STATUS: Readonly<Record<number, PollOutcome>> = {
  400: { kind: 'pending' },
  404: { kind: 'error', error: 'invalid_code', description: 'Trakt does not know this device code' },
  409: { kind: 'error', error: 'code_already_used', description: 'this code was already used' },
  410: { kind: 'expired' },
  418: { kind: 'denied' },
}

/**
 * Statuses whose meaning is Trakt's whatever the body: its 4xx answers (see `STATUS`; 407 is a
 * proxy's, 408, 429 and 5xx are handled apart).
 */
const traktStatus = (status: number): boolean => status >= 400 && status < 500 && status !== 407

export function createTraktDialect(provider: TraktProvider, deps: DialectDeps): Dialect {
  return guarded(provider, deps, (guardedDeps) => traktDialect(provider, guardedDeps))
}

function traktDialect(provider: TraktProvider, deps: DialectDeps): Dialect {
  const base = (provider.baseUrl ?? (provider.staging ? TRAKT_STAGING : TRAKT_PRODUCTION)).replace(/\/+$/, '')
  const headers = { ...provider.headers, 'trakt-api-key': provider.clientId, 'trakt-api-version': '2' }
  const where = (step: string): string => `${provider.id}: ${step}`
  return {
    providerId: provider.id,

    async requestCode(signal) {
      const response = await postFields(deps.http, `${base}/oauth/device/code`, { client_id: provider.clientId }, { encoding: 'json', headers, signal })
      const receivedAt = deps.clock.now()
      await refuseNetworkAnswer(response, `${base}/oauth/device/code`, where('device code'), { now: receivedAt })
      if (response.status !== 200) return failedResponse(response, where('device code'))
      // Trakt sends no complete URI; its activation page takes the code in the path.
      return parseProviderCode(await readObject(response), receivedAt, where('device code response'), (code) =>
        `${code.verification_uri.replace(/\/+$/, '')}/${encodeURIComponent(code.user_code)}`,
      )
    },

    async poll(authorization, signal) {
      const response = await postFields(
        deps.http,
        `${base}/oauth/device/token`,
        { code: authorization.device_code, client_id: provider.clientId, client_secret: provider.clientSecret },
        { encoding: 'json', headers, signal },
      )
      const now = deps.clock.now()
      // Trakt's statuses are its protocol, bodies often empty; a web page with any of them (or a
      // 200 without a JSON object) is a captive portal, proxy or firewall talking: try again later.
      const network = await networkPollOutcome(response, `${base}/oauth/device/token`, { now, protocolStatus: traktStatus })
      if (network) return network
      if (response.status === 200) return { kind: 'authorized', tokens: parseTokenSet(await readObject(response), now, where('token response')) }
      if (response.status === 429) {
        const retry = retryAfterMs(response.headers, now)
        return retry === undefined ? { kind: 'slow_down' } : { kind: 'rate_limited', retryAfterMs: retry }
      }
      const known = STATUS[response.status]
      if (known) return known
      if (response.status >= 500) return { kind: 'transient', reason: `HTTP ${response.status}` }
      throw new LinkscreenError(ErrorCode.InvalidResponse, `${where('token response')}: unexpected HTTP ${response.status}`, { status: response.status })
    },

    async refresh(refreshToken, signal) {
      const response = await postFields(
        deps.http,
        `${base}/oauth/token`,
        {
          refresh_token: refreshToken,
          client_id: provider.clientId,
          client_secret: provider.clientSecret,
          redirect_uri: 'urn:ietf:wg:oauth:2.0:oob',
          grant_type: 'refresh_token',
        },
        { encoding: 'json', headers, signal },
      )
      const now = deps.clock.now()
      if (response.status !== 200) return failedResponse(response, where('token refresh'))
      return parseTokenSet(await readObject(response), now, where('token refresh response'))
    },

    async revoke(tokens, signal) {
      const response = await postFields(
        deps.http,
        `${base}/oauth/revoke`,
        { token: tokens.access_token, client_id: provider.clientId, client_secret: provider.clientSecret },
        { encoding: 'json', headers, signal },
      )
      if (response.status !== 200) return failedResponse(response, where('token revocation'))
    },

    async fetchAccount(tokens, signal) {
      const response = await getWithToken(deps.http, `${base}/users/settings`, tokens.access_token, headers, signal)
      if (response.status !== 200) return undefined
      const user = (await readObject(response))?.['user']
      const ids = user && typeof user === 'object' ? (user as Record<string, unknown>)['ids'] : undefined
      const images = user && typeof user === 'object' ? (user as Record<string, unknown>)['images'] : undefined
      const avatar = images && typeof images === 'object' ? (images as Record<string, unknown>)['avatar'] : undefined
      return account({ sub: str(ids, 'slug') ?? str(user, 'username'), name: str(user, 'name') ?? str(user, 'username'), picture: str(avatar, 'full') })
    },
  }
}
