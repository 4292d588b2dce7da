/**
 * The standard RFC 8628 dialect on oauth4webapi: device authorization request and response,
 * device-code grant request and token response, userinfo. The `oauth2` (explicit endpoints)
 * and `oidc` (discovery) dialects differ only in how they find the authorization server.
 * @see https://www.rfc-editor.org/rfc/rfc8628
 */
import * as oauth from 'oauth4webapi'
import { parseDeviceAuthorization } from '../device-authorization'
import { ErrorCode, LinkscreenError, isLinkscreenError } from '../errors'
import { readJsonBody } from '../http'
import { classifyTokenErrorResponse, cleanDescription, cleanErrorCode, parseTokenSet } from '../token-response'
import type { Account, Clock, DeviceAuthorization, Dialect, FetchLike, PollOutcome, TokenSet } from '../types'
import { isLoopbackHost } from '../urls'
import { isJsonObject } from '../assert'

/** What a dialect is built from: the provider's settings and the injected world. */
export interface DialectDeps {
  /** Already bounded and classified (see `createHttp`). */
  readonly http: FetchLike
  readonly clock: Clock
}

export interface StandardProvider {
  readonly id: string
  readonly clientId: string
  readonly clientSecret?: string | undefined
  readonly scope?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** oauth4webapi's `customFetch` shape, carried onto our bounded `FetchLike`. */
function customFetch(http: FetchLike) {
  return (url: string, options: { method: string; headers: Record<string, string>; body?: unknown; signal?: AbortSignal }) =>
    http(url, {
      method: options.method,
      headers: options.headers,
      body: (options.body ?? null) as BodyInit | null,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
}

/** The request options oauth4webapi takes: our fetch, our signal, loopback `http:` allowed. */
export function requestOptions(deps: DialectDeps, url: string, provider: StandardProvider, signal: AbortSignal | undefined) {
  return {
    // oauth4webapi types customFetch per HTTP method; ours serves them all.
    [oauth.customFetch]: customFetch(deps.http) as never,
    [oauth.allowInsecureRequests]: isLoopbackHost(new URL(url).hostname),
    ...(provider.headers === undefined ? {} : { headers: { ...provider.headers } }),
    ...(signal === undefined ? {} : { signal }),
  }
}

/**
 * Re-throws oauth4webapi's errors as `LinkscreenError`, keeping only the message (which names
 * fields, not values); its `cause` may hold the response body with tokens and is dropped.
 */
export function rethrow(error: unknown, where: string): never {
  if (isLinkscreenError(error)) throw error
  if (error instanceof oauth.ResponseBodyError) {
    const description = cleanDescription(error.error_description)
    const code = cleanErrorCode(error.error)
    throw new LinkscreenError(ErrorCode.OAuth, `${where}: ${code}${description ? ` (${description})` : ''}`, {
      oauthError: code,
      status: error.status,
      ...(description === undefined ? {} : { description }),
    })
  }
  const message = error instanceof Error ? error.message : String(error)
  throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: ${message.replace(/^"response" /, '')}`)
}

/** A non-200 answer to a request that is not a token poll: an OAuth error, a server error, or garbage. */
export async function failedResponse(response: Response, where: string): Promise<never> {
  const body = await readJsonBody(response)
  if (isJsonObject(body) && typeof body['error'] === 'string') {
    const error = cleanErrorCode(body['error'])
    const description = cleanDescription(body['error_description'])
    throw new LinkscreenError(ErrorCode.OAuth, `${where}: ${error}${description ? ` (${description})` : ''}`, {
      oauthError: error,
      status: response.status,
      ...(description === undefined ? {} : { description }),
    })
  }
  const type = response.headers.get('content-type')?.split(';')[0]?.trim() || 'no content type'
  const code = response.status >= 500 ? ErrorCode.ServerError : ErrorCode.InvalidResponse
  throw new LinkscreenError(code, `${where}: HTTP ${response.status} (${type})${body === undefined ? ' that is not JSON' : ''}`, {
    status: response.status,
  })
}

function accountFromClaims(claims: Record<string, unknown> | undefined): Account | undefined {
  if (!claims) return undefined
  const pick = (key: string): string | undefined => (typeof claims[key] === 'string' && claims[key] !== '' ? (claims[key] as string) : undefined)
  const account: Account = {
    ...(pick('sub') === undefined ? {} : { sub: pick('sub') as string }),
    ...(pick('name') ?? pick('preferred_username') ? { name: (pick('name') ?? pick('preferred_username')) as string } : {}),
    ...(pick('email') === undefined ? {} : { email: pick('email') as string }),
    ...(pick('picture') === undefined ? {} : { picture: pick('picture') as string }),
  }
  return Object.keys(account).length > 0 ? account : undefined
}

/**
 * A dialect speaking RFC 8628 as written, against the authorization server `resolve` returns
 * (explicit endpoints, or OIDC discovery).
 */
export function standardDialect(
  provider: StandardProvider,
  deps: DialectDeps,
  resolve: (signal: AbortSignal | undefined) => Promise<oauth.AuthorizationServer>,
): Dialect {
  const client: oauth.Client = { client_id: provider.clientId }
  const clientAuth = provider.clientSecret === undefined ? oauth.None() : oauth.ClientSecretPost(provider.clientSecret)
  const where = (step: string): string => `${provider.id}: ${step}`

  return {
    providerId: provider.id,

    async requestCode(signal): Promise<DeviceAuthorization> {
      const as = await resolve(signal)
      const endpoint = as.device_authorization_endpoint as string
      const params = new URLSearchParams()
      if (provider.scope) params.set('scope', provider.scope)
      const response = await oauth
        .deviceAuthorizationRequest(as, client, clientAuth, params, requestOptions(deps, endpoint, provider, signal))
        .catch((error: unknown) => rethrow(error, where('device authorization request')))
      const receivedAt = deps.clock.now()
      if (response.status !== 200) return failedResponse(response, where('device authorization'))
      const result = await oauth
        .processDeviceAuthorizationResponse(as, client, response)
        .catch((error: unknown) => rethrow(error, where('device authorization response')))
      return parseDeviceAuthorization(result, receivedAt, where('device authorization response'))
    },

    async poll(authorization, signal): Promise<PollOutcome> {
      const as = await resolve(signal)
      const endpoint = as.token_endpoint as string
      const response = await oauth
        .deviceCodeGrantRequest(as, client, clientAuth, authorization.device_code, requestOptions(deps, endpoint, provider, signal))
        .catch((error: unknown) => rethrow(error, where('token request')))
      const now = deps.clock.now()
      if (response.status !== 200) {
        return classifyTokenErrorResponse(response, await readJsonBody(response), now, where('token response'))
      }
      const result = await oauth
        .processDeviceCodeResponse(as, client, response)
        .catch((error: unknown) => rethrow(error, where('token response')))
      const tokens = parseTokenSet(result, now, where('token response'))
      const account = accountFromClaims(oauth.getValidatedIdTokenClaims(result) as Record<string, unknown> | undefined)
      return account === undefined ? { kind: 'authorized', tokens } : { kind: 'authorized', tokens, account }
    },

    async fetchAccount(tokens: TokenSet, signal): Promise<Account | undefined> {
      const as = await resolve(signal)
      if (!as.userinfo_endpoint) return undefined
      try {
        const response = await oauth.userInfoRequest(
          as,
          client,
          tokens.access_token,
          requestOptions(deps, as.userinfo_endpoint, provider, signal),
        )
        if (response.status !== 200) return undefined
        const info = await oauth.processUserInfoResponse(as, client, oauth.skipSubjectCheck, response)
        return accountFromClaims(info as unknown as Record<string, unknown>)
      } catch (error) {
        if (isLinkscreenError(error) && error.code === ErrorCode.Aborted) throw error
        return undefined
      }
    },
  }
}
