/**
 * The standard RFC 8628 dialect on oauth4webapi: device authorization request and response,
 * device-code grant request and token response, userinfo, and the token life cycle after it:
 * refresh (RFC 6749 §6) and revocation (RFC 7009). The `oauth2` (explicit endpoints) and `oidc`
 * (discovery) dialects differ only in how they find the authorization server.
 *
 * An ID token in a token response is validated (see `../id-token.ts`) before anything in it is
 * used; one that fails ends the sign-in (or the refresh) with `invalid_id_token`.
 * @see https://www.rfc-editor.org/rfc/rfc8628
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc7009
 */
import * as oauth from 'oauth4webapi'
import { parseDeviceAuthorization } from '../device-authorization'
import { ErrorCode, LinkscreenError, isLinkscreenError } from '../errors'
import { readJsonBody, retryAfterMs } from '../http'
import { networkPollOutcome, refuseNetworkAnswer, withJsonType } from '../network-answer'
import { cleanText } from '../redact'
import type { Scrubber } from '../scrubber'
import { LIBRARY_CLOCK_TOLERANCE, createIdTokenValidator, type IdTokenClaims, type IdTokenValidation } from '../id-token'
import { classifyTokenErrorResponse, cleanDescription, cleanErrorCode, parseTokenSet } from '../token-response'
import type { Account, Clock, DeviceAuthorization, Dialect, FetchLike, PollOutcome, TokenSet } from '../types'
import { isLoopbackHost, isSafeUrl } from '../urls'
import { isJsonObject } from '../assert'
import { guarded } from './guard'

/** What a dialect is built from: the provider's settings and the injected world. */
export interface DialectDeps {
  /** Already bounded and classified (see `createHttp`). */
  readonly http: FetchLike
  readonly clock: Clock
  /**
   * The provider's scrubber, shared with whoever shows what the dialect returns; `createDialect`
   * makes one when none is given, and teaches it through `http`.
   */
  readonly scrubber?: Scrubber
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
  // `Retry-After` (429, 503), for a caller that tries again; a date is read against the server's own `Date`.
  const retry = retryAfterMs(response.headers, Date.parse(response.headers.get('date') ?? ''))
  const retryAfter = retry === undefined || Number.isNaN(retry) ? {} : { retryAfterMs: retry }
  if (isJsonObject(body) && typeof body['error'] === 'string') {
    const error = cleanErrorCode(body['error'])
    const description = cleanDescription(body['error_description'])
    throw new LinkscreenError(ErrorCode.OAuth, `${where}: ${error}${description ? ` (${description})` : ''}`, {
      oauthError: error,
      status: response.status,
      ...(description === undefined ? {} : { description }),
      ...retryAfter,
    })
  }
  const type = cleanText(response.headers.get('content-type')?.split(';')[0] ?? '', 100) || 'no content type'
  const code = response.status >= 500 ? ErrorCode.ServerError : ErrorCode.InvalidResponse
  throw new LinkscreenError(code, `${where}: HTTP ${response.status} (${type})${body === undefined ? ' that is not JSON' : ''}`, {
    status: response.status,
    ...retryAfter,
  })
}

/** An `Account` from validated ID token claims or a userinfo answer; `sub` only when the provider sent one. */
export function accountFromClaims(claims: Readonly<Record<string, unknown>> | undefined): Account | undefined {
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

/** How a standard dialect treats ID tokens and revocation. */
export interface StandardDialectOptions {
  /**
   * An ID token when the metadata names no `jwks_uri`: `refuse` it (OpenID Connect discovery
   * requires keys), or accept valid claims with the TLS connection standing in for the
   * signature (`tls`; explicitly configured endpoints). See `IdTokenValidatorOptions`.
   */
  readonly idTokensWithoutKeys: 'refuse' | 'tls'
}

/** The body's `id_token`, when it is a string (anything else is left to oauth4webapi to refuse). */
function idTokenIn(body: unknown): string | undefined {
  return isJsonObject(body) && typeof body['id_token'] === 'string' ? body['id_token'] : undefined
}

/**
 * A dialect speaking RFC 8628 as written, against the authorization server `resolve` returns
 * (explicit endpoints, or OIDC discovery).
 */
export function standardDialect(
  provider: StandardProvider,
  deps: DialectDeps,
  resolve: (signal: AbortSignal | undefined) => Promise<oauth.AuthorizationServer>,
  options: StandardDialectOptions = { idTokensWithoutKeys: 'refuse' },
): Dialect {
  return guarded(provider, deps, (guardedDeps) => standardDialectWith(provider, guardedDeps, resolve, options))
}

function standardDialectWith(
  provider: StandardProvider,
  deps: DialectDeps,
  resolve: (signal: AbortSignal | undefined) => Promise<oauth.AuthorizationServer>,
  options: StandardDialectOptions,
): Dialect {
  // oauth4webapi re-checks an ID token's claims while processing a token response: its
  // timestamp checks (system clock) are off, ours (injected clock) ran before.
  const client: oauth.Client = { client_id: provider.clientId, [oauth.clockTolerance]: LIBRARY_CLOCK_TOLERANCE }
  const clientAuth = provider.clientSecret === undefined ? oauth.None() : oauth.ClientSecretPost(provider.clientSecret)
  const where = (step: string): string => `${provider.id}: ${step}`
  const idTokens = createIdTokenValidator({
    providerId: provider.id,
    clientId: provider.clientId,
    http: deps.http,
    clock: deps.clock,
    headers: provider.headers,
    withoutKeys: options.idTokensWithoutKeys,
  })
  /** The validated ID token claims of token sets this dialect handed out, for the userinfo `sub` check. */
  const claimsOf = new WeakMap<TokenSet, IdTokenClaims>()

  /**
   * A successful token endpoint answer (device code or refresh): the ID token, when there is
   * one, is validated first, then the whole answer is processed by `process`.
   */
  async function tokenSetFrom(
    as: oauth.AuthorizationServer,
    response: Response,
    receivedAt: number,
    step: string,
    process: (response: Response) => Promise<oauth.TokenEndpointResponse>,
    signal: AbortSignal | undefined,
  ): Promise<{ tokens: TokenSet; idToken?: IdTokenValidation }> {
    const idToken = idTokenIn(await readJsonBody(response))
    const validated = idToken === undefined ? undefined : await idTokens.validate(as, idToken, signal)
    const result = await process(response).catch((error: unknown) => rethrow(error, where(step)))
    const tokens = parseTokenSet(result, receivedAt, where(step))
    if (validated) claimsOf.set(tokens, validated.claims)
    return validated === undefined ? { tokens } : { tokens, idToken: validated }
  }

  /** Revokes one token (RFC 7009 §2.1); a 200 answer is success, also for a token the server no longer knows. */
  async function revokeOne(as: oauth.AuthorizationServer, endpoint: string, token: string, hint: 'refresh_token' | 'access_token', signal: AbortSignal | undefined): Promise<void> {
    const response = await oauth
      .revocationRequest(as, client, clientAuth, token, {
        ...requestOptions(deps, endpoint, provider, signal),
        additionalParameters: { token_type_hint: hint },
      })
      .catch((error: unknown) => rethrow(error, where('token revocation request')))
    if (response.status !== 200) await failedResponse(response, where(`${hint} revocation`))
  }

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
      await refuseNetworkAnswer(response, endpoint, where('device authorization'), { now: receivedAt })
      if (response.status !== 200) return failedResponse(response, where('device authorization'))
      const result = await oauth
        .processDeviceAuthorizationResponse(as, client, await withJsonType(response))
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
      const network = await networkPollOutcome(response, endpoint, { now })
      if (network) return network
      if (response.status !== 200) {
        return classifyTokenErrorResponse(response, await readJsonBody(response), now, where('token response'))
      }
      const { tokens, idToken } = await tokenSetFrom(as, await withJsonType(response), now, 'token response', (r) => oauth.processDeviceCodeResponse(as, client, r), signal)
      const account = accountFromClaims(idToken?.claims)
      return account === undefined ? { kind: 'authorized', tokens } : { kind: 'authorized', tokens, account }
    },

    /**
     * RFC 6749 §6. The answer's ID token, when there is one, is validated as at sign-in (its
     * `sub` cannot be compared with the first one's here: the caller holds that). When the
     * server does not rotate refresh tokens, the one given is carried over, so the returned
     * set always holds the refresh token to store. Throws `oauth_error` with `oauthError`
     * `invalid_grant` when the refresh token is expired, revoked or already used.
     */
    async refresh(refreshToken, signal): Promise<TokenSet> {
      const as = await resolve(signal)
      const endpoint = as.token_endpoint as string
      const response = await oauth
        .refreshTokenGrantRequest(as, client, clientAuth, refreshToken, requestOptions(deps, endpoint, provider, signal))
        .catch((error: unknown) => rethrow(error, where('token refresh request')))
      const now = deps.clock.now()
      if (response.status !== 200) return failedResponse(response, where('token refresh'))
      const body = await readJsonBody(response)
      if (isJsonObject(body) && (typeof body['access_token'] !== 'string' || body['access_token'] === '')) {
        throw new LinkscreenError(ErrorCode.InvalidResponse, `${where('token refresh response')}: no new "access_token" in the answer`, { status: 200 })
      }
      const { tokens } = await tokenSetFrom(as, response, now, 'token refresh response', (r) => oauth.processRefreshTokenResponse(as, client, r), signal)
      return tokens.refresh_token === undefined ? { ...tokens, refresh_token: refreshToken } : tokens
    },

    /**
     * RFC 7009: revokes the refresh token first (the long-lived credential; at most servers it
     * ends the whole grant), then the access token. Once the refresh token is revoked, an OAuth
     * error about the access token is not a failure: the server either ended it with the grant
     * and no longer knows it (better-auth 1.7 then answers 400 `invalid_request` where RFC 7009
     * §2.2 says 200), or cannot revoke it (`unsupported_token_type`, a self-contained JWT that
     * expires on its own). Network faults, timeouts and 5xx are thrown, so the caller can try
     * again. Throws `unsupported` when the provider names no revocation endpoint.
     */
    async revoke(tokens, signal): Promise<void> {
      const as = await resolve(signal)
      const endpoint = as.revocation_endpoint
      if (endpoint === undefined) throw new LinkscreenError(ErrorCode.Unsupported, `${where('token revocation')}: the provider names no revocation endpoint`)
      if (!URL.canParse(endpoint)) throw new LinkscreenError(ErrorCode.InvalidResponse, `${where('token revocation')}: "revocation_endpoint" is not an absolute URL`)
      if (!isSafeUrl(new URL(endpoint))) {
        throw new LinkscreenError(ErrorCode.InsecureUrl, `${where('token revocation')}: "revocation_endpoint" must use https: (plain http: only for loopback hosts)`)
      }
      if (tokens.refresh_token !== undefined) await revokeOne(as, endpoint, tokens.refresh_token, 'refresh_token', signal)
      try {
        await revokeOne(as, endpoint, tokens.access_token, 'access_token', signal)
      } catch (error) {
        const refused = isLinkscreenError(error) && error.code === ErrorCode.OAuth
        if (!(refused && tokens.refresh_token !== undefined)) throw error
      }
    },

    /**
     * The userinfo answer (OpenID Connect Core §5.3). Its `sub` must be the validated ID
     * token's, when this dialect validated one for `tokens`; a userinfo answer without `sub`,
     * or with another, is not used. Never throws for a missing profile; throws only when
     * cancelled, or with `status: 401` when the access token is refused, so that the caller can
     * refresh it and ask again.
     */
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
        if (response.status === 401) {
          await response.body?.cancel()
          throw new LinkscreenError(ErrorCode.OAuth, `${provider.id}: userinfo refused the access token (401)`, { status: 401 })
        }
        if (response.status !== 200) return undefined
        const expected = claimsOf.get(tokens)?.sub
        const info = await oauth.processUserInfoResponse(as, client, expected ?? oauth.skipSubjectCheck, response)
        return accountFromClaims(info as unknown as Record<string, unknown>)
      } catch (error) {
        if (isLinkscreenError(error) && (error.code === ErrorCode.Aborted || error.status === 401)) throw error
        return undefined
      }
    },
  }
}
