/**
 * `microsoft`: the Microsoft identity platform's device code flow, per tenant (`common` by
 * default). The device code answer carries a `message` to show; `authorization_declined` means
 * denied and `bad_verification_code` an unknown code; `offline_access` is always asked for, so
 * that a refresh token comes back.
 *
 * Refresh: `POST /token` (grant `refresh_token`, the same scope); Microsoft rotates refresh
 * tokens, and a refresh token it no longer honours is `invalid_grant`. There is no revocation
 * endpoint (sign-out is per session, in a browser), so this dialect has no `revoke`. The
 * account comes from userinfo; nothing in Microsoft's ID token is used, so it is kept as sent
 * and not validated here.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
 */
import { readJsonBody } from '../http'
import { networkPollOutcome, refuseNetworkAnswer } from '../network-answer'
import { classifyTokenErrorResponse, cleanDescription, parseTokenSet } from '../token-response'
import type { Dialect, PollOutcome } from '../types'
import { DEVICE_CODE_GRANT } from './better-auth'
import type { DialectDeps } from './standard'
import { failedResponse } from './standard'
import { account, getWithToken, parseProviderCode, parseRefreshAnswer, postFields, readObject, str } from './wire'
import { guarded } from './guard'

/** `common`, `organizations`, `consumers`, a tenant GUID or a domain name. */
export const MICROSOFT_TENANT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)$/i

export interface MicrosoftProvider {
  readonly id: string
  readonly clientId: string
  readonly clientSecret?: string | undefined
  readonly scope?: string | undefined
  readonly tenant?: string | undefined
  /** Defaults to https://login.microsoftonline.com (tests point it at a simulator). */
  readonly baseUrl?: string | undefined
  /** Defaults to https://graph.microsoft.com/oidc/userinfo. */
  readonly userinfoUrl?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** The scope with `offline_access` added when missing. */
export function withOfflineAccess(scope: string | undefined): string {
  const scopes = (scope ?? 'openid profile email').split(/\s+/).filter((s) => s !== '')
  return scopes.includes('offline_access') ? scopes.join(' ') : [...scopes, 'offline_access'].join(' ')
}

export function createMicrosoftDialect(provider: MicrosoftProvider, deps: DialectDeps): Dialect {
  return guarded(provider, deps, (guardedDeps) => microsoftDialect(provider, guardedDeps))
}

function microsoftDialect(provider: MicrosoftProvider, deps: DialectDeps): Dialect {
  const base = `${(provider.baseUrl ?? 'https://login.microsoftonline.com').replace(/\/+$/, '')}/${encodeURIComponent(provider.tenant ?? 'common')}/oauth2/v2.0`
  const userinfo = provider.userinfoUrl ?? 'https://graph.microsoft.com/oidc/userinfo'
  const where = (step: string): string => `${provider.id}: ${step}`
  const send = { encoding: 'form' as const, headers: provider.headers }
  return {
    providerId: provider.id,

    async requestCode(signal) {
      const response = await postFields(deps.http, `${base}/devicecode`, { client_id: provider.clientId, scope: withOfflineAccess(provider.scope) }, { ...send, signal })
      const receivedAt = deps.clock.now()
      await refuseNetworkAnswer(response, `${base}/devicecode`, where('device code'), { now: receivedAt })
      if (response.status !== 200) return failedResponse(response, where('device code'))
      return parseProviderCode(await readObject(response), receivedAt, where('device code response'))
    },

    async poll(authorization, signal): Promise<PollOutcome> {
      const response = await postFields(
        deps.http,
        `${base}/token`,
        { grant_type: DEVICE_CODE_GRANT, client_id: provider.clientId, client_secret: provider.clientSecret, device_code: authorization.device_code },
        { ...send, signal },
      )
      const now = deps.clock.now()
      const network = await networkPollOutcome(response, `${base}/token`, { now })
      if (network) return network
      const body = await readJsonBody(response)
      if (response.status === 200) return { kind: 'authorized', tokens: parseTokenSet(body, now, where('token response')) }
      const outcome = classifyTokenErrorResponse(response, body, now, where('token response'))
      if (outcome.kind !== 'error') return outcome
      if (outcome.error === 'authorization_declined') return { kind: 'denied', ...(outcome.description === undefined ? {} : { description: outcome.description }) }
      if (outcome.error === 'bad_verification_code') {
        return { kind: 'error', error: outcome.error, description: 'Microsoft does not recognise this device code' }
      }
      return { ...outcome, ...(outcome.description === undefined ? {} : { description: cleanDescription(outcome.description.split(/\r?\n| Trace ID:/)[0]) ?? outcome.description }) }
    },

    async refresh(refreshToken, signal) {
      const response = await postFields(
        deps.http,
        `${base}/token`,
        { client_id: provider.clientId, client_secret: provider.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken, scope: withOfflineAccess(provider.scope) },
        { ...send, signal },
      )
      const now = deps.clock.now()
      if (response.status !== 200) return failedResponse(response, where('token refresh'))
      return parseRefreshAnswer(await readObject(response), now, where('token refresh response'), refreshToken)
    },

    async fetchAccount(tokens, signal) {
      const response = await getWithToken(deps.http, userinfo, tokens.access_token, provider.headers, signal)
      if (response.status !== 200) return undefined
      const info = await readObject(response)
      return account({ sub: str(info, 'sub'), name: str(info, 'name'), email: str(info, 'email'), picture: str(info, 'picture') })
    },
  }
}
