/**
 * `github`: GitHub's device flow. `Accept: application/json` is sent (without it GitHub answers
 * form-encoded, which is read too); token errors come back with **HTTP 200** and an `error`
 * member, so the body decides; `slow_down` carries the new `interval`; there is no
 * `verification_uri_complete`. The account comes from `GET /user` on the API host.
 *
 * Refresh applies to GitHub Apps with expiring user tokens (OAuth apps' tokens do not expire and
 * come without a refresh token): `POST /login/oauth/access_token` with grant `refresh_token`,
 * errors again with HTTP 200; GitHub's `bad_refresh_token` is reported as `invalid_grant`, the
 * RFC's name, so callers need to know only one. No `revoke`: GitHub revokes a token only
 * through its REST API with the client secret as Basic credentials, which a device does not hold.
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow
 * @see https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 */
import { ErrorCode, LinkscreenError } from '../errors'
import { networkPollOutcome, refuseNetworkAnswer } from '../network-answer'
import { classifyTokenErrorResponse, cleanDescription, cleanErrorCode, outcomeForOAuthError, parseTokenSet } from '../token-response'
import type { Dialect, PollOutcome } from '../types'
import { DEVICE_CODE_GRANT } from './better-auth'
import type { DialectDeps } from './standard'
import { failedResponse } from './standard'
import { account, getWithToken, parseProviderCode, parseRefreshAnswer, postFields, readObject, str } from './wire'
import { guarded } from './guard'

export interface GitHubProvider {
  readonly id: string
  readonly clientId: string
  readonly clientSecret?: string | undefined
  readonly scope?: string | undefined
  /** Defaults to https://github.com (tests point it at a simulator). */
  readonly baseUrl?: string | undefined
  /** Defaults to https://api.github.com. */
  readonly apiBaseUrl?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** GitHub's own error codes, explained for people. Everything else is taken as RFC 8628 says. */
/** A table entry for a server-sent key; never one of `Object.prototype`'s members (`constructor`, `__proto__`). */
function lookup(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined
}

const GITHUB_ERRORS: Readonly<Record<string, string>> = {
  incorrect_device_code: 'GitHub does not recognise this device code',
  incorrect_client_credentials: 'GitHub does not recognise this client id (is it an OAuth app with device flow?)',
  device_flow_disabled: 'device flow is not enabled for this GitHub app (enable it in the app settings)',
  unsupported_grant_type: 'GitHub refused the grant type',
}
const RFC_ERRORS = new Set(['authorization_pending', 'slow_down', 'expired_token', 'access_denied'])

/** GitHub's refresh errors under the RFC 6749 §5.2 names callers act on. */
const REFRESH_ERRORS: Readonly<Record<string, string>> = {
  bad_refresh_token: 'invalid_grant',
}

export function createGitHubDialect(provider: GitHubProvider, deps: DialectDeps): Dialect {
  return guarded(provider, deps, (guardedDeps) => gitHubDialect(provider, guardedDeps))
}

function gitHubDialect(provider: GitHubProvider, deps: DialectDeps): Dialect {
  const base = (provider.baseUrl ?? 'https://github.com').replace(/\/+$/, '')
  const api = (provider.apiBaseUrl ?? 'https://api.github.com').replace(/\/+$/, '')
  const where = (step: string): string => `${provider.id}: ${step}`
  const send = { encoding: 'form' as const, headers: provider.headers }
  return {
    providerId: provider.id,

    async requestCode(signal) {
      const response = await postFields(deps.http, `${base}/login/device/code`, { client_id: provider.clientId, scope: provider.scope }, { ...send, signal })
      const receivedAt = deps.clock.now()
      await refuseNetworkAnswer(response, `${base}/login/device/code`, where('device code'), { now: receivedAt, formIsProvider: true })
      const body = await readObject(response)
      if (response.status === 200 && body?.['error'] !== undefined) {
        // GitHub answers errors with 200 here too.
        const code = cleanErrorCode(body['error'])
        const explanation = lookup(GITHUB_ERRORS, code) ?? cleanDescription(body['error_description'])
        throw new LinkscreenError(ErrorCode.OAuth, `${where('device code')}: ${code}${explanation ? ` (${explanation})` : ''}`, {
          oauthError: code,
          ...(explanation === undefined ? {} : { description: explanation }),
        })
      }
      if (response.status !== 200) return failedResponse(response, where('device code'))
      return parseProviderCode(body, receivedAt, where('device code response'))
    },

    async poll(authorization, signal): Promise<PollOutcome> {
      const response = await postFields(
        deps.http,
        `${base}/login/oauth/access_token`,
        { client_id: provider.clientId, client_secret: provider.clientSecret, device_code: authorization.device_code, grant_type: DEVICE_CODE_GRANT },
        { ...send, signal },
      )
      const now = deps.clock.now()
      const network = await networkPollOutcome(response, `${base}/login/oauth/access_token`, { now, formIsProvider: true })
      if (network) return network
      const body = await readObject(response)
      if (response.status !== 200) return classifyTokenErrorResponse(response, body, now, where('token response'))
      const error = body?.['error']
      if (error === undefined) return { kind: 'authorized', tokens: parseTokenSet(body, now, where('token response')) }
      const code = cleanErrorCode(error)
      if (RFC_ERRORS.has(code)) return outcomeForOAuthError(code, body ?? {})
      const description = lookup(GITHUB_ERRORS, code) ?? cleanDescription(body?.['error_description']) ?? 'an error GitHub does not document'
      return { kind: 'error', error: code, description }
    },

    async refresh(refreshToken, signal) {
      const response = await postFields(
        deps.http,
        `${base}/login/oauth/access_token`,
        { client_id: provider.clientId, client_secret: provider.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken },
        { ...send, signal },
      )
      const now = deps.clock.now()
      const body = await readObject(response)
      if (response.status !== 200) return failedResponse(response, where('token refresh'))
      if (body?.['error'] !== undefined) {
        // GitHub answers errors with 200 here too.
        const code = cleanErrorCode(body['error'])
        const description = cleanDescription(body['error_description'])
        const oauthError = lookup(REFRESH_ERRORS, code) ?? code
        throw new LinkscreenError(ErrorCode.OAuth, `${where('token refresh')}: ${code}${description ? ` (${description})` : ''}`, {
          oauthError,
          status: 200,
          ...(description === undefined ? {} : { description }),
        })
      }
      return parseRefreshAnswer(body, now, where('token refresh response'), refreshToken)
    },

    async fetchAccount(tokens, signal) {
      const response = await getWithToken(deps.http, `${api}/user`, tokens.access_token, { ...provider.headers, accept: 'application/vnd.github+json' }, signal)
      if (response.status !== 200) return undefined
      const user = await readObject(response)
      return account({ sub: str(user, 'id'), name: str(user, 'name') ?? str(user, 'login'), email: str(user, 'email'), picture: str(user, 'avatar_url') })
    },
  }
}
