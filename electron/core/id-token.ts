/**
 * ID token validation, before anything in an ID token is used (OpenID Connect Core §3.1.3.7, and
 * §12.2 for the ID token of a refresh): on oauth4webapi, with three things it does not do on its
 * own here.
 *
 * - **Time from the injected clock.** oauth4webapi compares `exp` and `nbf` with the system
 *   clock; the core reads no clock it was not given, so those comparisons are made here with
 *   `Clock.now()` (30 s tolerance) and oauth4webapi's own are switched off with its
 *   `clockTolerance` option. `iat` must be present and a number (oauth4webapi checks that).
 * - **The signature, always when keys are known.** oauth4webapi validates the claims of an ID
 *   token from the token endpoint but leaves the signature to `validateApplicationLevelSignature`,
 *   which fetches the provider's JWKS (`jwks_uri`). oauth4webapi caches the key set per
 *   authorization server object and fetches it again for an unknown `kid` only after 60 s; a
 *   provider that rotated its keys a moment ago is met here by fetching the key set once more
 *   whenever no key matched a key set that was not fetched by this very check.
 * - **Typed failures.** A token that fails is `invalid_id_token`; keys that cannot be fetched or
 *   read are `jwks_unavailable` (never `network_error`, which the poll loop would take for a
 *   transient fault and poll again with a device code already spent). Messages name claims and
 *   steps, never a token.
 *
 * The token is handed to oauth4webapi alone, as the only member of an otherwise empty token
 * response, so that every failure it reports is known to be the ID token's.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 * @see https://www.rfc-editor.org/rfc/rfc7517 (JSON Web Key Set)
 */
import { cleanText } from './redact'
import * as oauth from 'oauth4webapi'
import { isJsonObject } from './assert'
import { ErrorCode, LinkscreenError, isAbortError, isLinkscreenError } from './errors'
import { readJsonBody } from './http'
import type { Clock, FetchLike } from './types'
import { isLoopbackHost, isSafeUrl } from './urls'

/** Seconds of difference between our clock and the provider's tolerated on `exp` and `nbf`. */
export const ID_TOKEN_CLOCK_TOLERANCE_SECONDS = 30

/**
 * Given to oauth4webapi as `clockTolerance` so that it never compares a timestamp with the
 * system clock; `checkTimes` does that with the injected clock instead.
 */
export const LIBRARY_CLOCK_TOLERANCE = Number.MAX_SAFE_INTEGER

/** The claims of a validated ID token (OpenID Connect Core §2). */
export interface IdTokenClaims {
  readonly iss: string
  readonly sub: string
  readonly aud: string | readonly string[]
  readonly exp: number
  readonly iat: number
  readonly [claim: string]: unknown
}

/** A validated ID token's claims, and whether its signature was checked against the provider's keys. */
export interface IdTokenValidation {
  readonly claims: IdTokenClaims
  /** False only where `withoutKeys` is `tls` and no `jwks_uri` is known. */
  readonly signatureChecked: boolean
}

export interface IdTokenValidatorOptions {
  /** For messages. */
  readonly providerId: string
  /** The expected `aud` (and `azp`, when `aud` names several audiences). */
  readonly clientId: string
  /** Already bounded and classified (see `createHttp`). */
  readonly http: FetchLike
  readonly clock: Clock
  /** Sent with the JWKS request, as with every other request to the provider. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /**
   * When the metadata names no `jwks_uri`: `refuse` the ID token (OpenID Connect discovery
   * requires one), or accept it once its claims are valid, with `tls`: the TLS connection to the
   * token endpoint then stands in for the signature (OpenID Connect Core §3.1.3.7, step 6). For
   * explicitly configured endpoints without keys only.
   */
  readonly withoutKeys: 'refuse' | 'tls'
}

export interface IdTokenValidator {
  /**
   * Validates `idToken` for the authorization server `as` (its `issuer`, and its `jwks_uri` for
   * the signature). Throws `invalid_id_token`, `jwks_unavailable`, `insecure_url` or `aborted`.
   */
  validate(as: oauth.AuthorizationServer, idToken: string, signal?: AbortSignal): Promise<IdTokenValidation>
}

/** What one JWKS download did, as seen by the fetch handed to oauth4webapi. */
interface KeySetFetch {
  downloaded: boolean
  /** Why the key set could not be used: a network error, or what was wrong with the answer. */
  failure?: { readonly reason: string; readonly cause?: unknown }
}

type SignatureCheck = { readonly kind: 'ok' } | { readonly kind: 'no_matching_key'; readonly downloaded: boolean }

function invalidIdToken(where: string, reason: string): LinkscreenError {
  return new LinkscreenError(ErrorCode.InvalidIdToken, `${where}: the ID token was refused: ${reason}`)
}

/** oauth4webapi's message, which names fields and steps, never values. */
function libraryReason(error: unknown): string {
  const message = error instanceof Error ? error.message : 'it could not be processed'
  return message.replace(/^"response" /, '')
}

/** A token response holding only `idToken`, for oauth4webapi to validate it alone. */
function idTokenOnlyResponse(idToken: string): Response {
  return new Response(JSON.stringify({ access_token: 'not-used', token_type: 'bearer', id_token: idToken }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  })
}

/** `exp` and `nbf` against the injected clock, with `ID_TOKEN_CLOCK_TOLERANCE_SECONDS`. */
export function checkTimes(claims: IdTokenClaims, nowMs: number, where: string): void {
  const now = Math.floor(nowMs / 1000)
  if (claims.exp <= now - ID_TOKEN_CLOCK_TOLERANCE_SECONDS) {
    throw invalidIdToken(where, 'it has expired ("exp" is in the past)')
  }
  const nbf = claims['nbf']
  if (typeof nbf === 'number' && nbf > now + ID_TOKEN_CLOCK_TOLERANCE_SECONDS) {
    throw invalidIdToken(where, 'it is not valid yet ("nbf" is in the future)')
  }
}

/** True for a body shaped as a JSON Web Key Set (RFC 7517 §5). */
function isKeySet(body: unknown): boolean {
  return isJsonObject(body) && Array.isArray(body['keys']) && body['keys'].every(isJsonObject)
}

/** The fetch oauth4webapi uses for the JWKS: ours, recording what happened in `record`. */
function keySetFetch(http: FetchLike, record: KeySetFetch) {
  return async (url: string, options: { method: string; headers: Record<string, string>; signal?: AbortSignal }): Promise<Response> => {
    record.downloaded = true
    let response: Response
    try {
      response = await http(url, { method: options.method, headers: options.headers, ...(options.signal === undefined ? {} : { signal: options.signal }) })
    } catch (error) {
      record.failure = { reason: isLinkscreenError(error) ? error.message : 'the request failed', cause: error }
      throw error
    }
    const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? ''
    if (response.status !== 200) record.failure = { reason: `jwks_uri answered HTTP ${response.status}` }
    else if (type !== 'application/json' && type !== 'application/jwk-set+json') record.failure = { reason: `jwks_uri answered ${cleanText(type, 100) || 'no content type'}, not JSON` }
    else if (!isKeySet(await readJsonBody(response))) record.failure = { reason: 'jwks_uri answered something that is not a JSON Web Key Set' }
    return response
  }
}

/**
 * An ID token validator for one provider. It remembers which key set it last used for each
 * authorization server object, so that a refetch after a key rotation serves later checks too.
 */
export function createIdTokenValidator(options: IdTokenValidatorOptions): IdTokenValidator {
  const where = `${options.providerId}: ID token`
  const client: oauth.Client = { client_id: options.clientId, [oauth.clockTolerance]: LIBRARY_CLOCK_TOLERANCE }
  /** oauth4webapi caches a key set per metadata object: replacing the copy drops the cache. */
  let keys: { readonly as: oauth.AuthorizationServer; copy: oauth.AuthorizationServer } | undefined

  const keySource = (as: oauth.AuthorizationServer) => {
    if (keys?.as !== as) keys = { as, copy: { ...as } }
    return keys
  }

  async function claimsOf(as: oauth.AuthorizationServer, response: Response): Promise<IdTokenClaims> {
    let result: oauth.TokenEndpointResponse
    try {
      result = await oauth.processGenericTokenEndpointResponse(as, client, response)
    } catch (error) {
      throw invalidIdToken(where, libraryReason(error))
    }
    const claims = oauth.getValidatedIdTokenClaims(result)
    if (!claims) throw invalidIdToken(where, 'it could not be read')
    return claims as unknown as IdTokenClaims
  }

  async function checkSignature(as: oauth.AuthorizationServer, jwksUri: URL, response: Response, signal: AbortSignal | undefined): Promise<SignatureCheck> {
    const record: KeySetFetch = { downloaded: false }
    try {
      await oauth.validateApplicationLevelSignature(as, response, {
        // oauth4webapi types customFetch per HTTP method; this one serves the JWKS GET.
        [oauth.customFetch]: keySetFetch(options.http, record) as never,
        [oauth.allowInsecureRequests]: isLoopbackHost(jwksUri.hostname),
        ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
        ...(signal === undefined ? {} : { signal }),
      })
      return { kind: 'ok' }
    } catch (error) {
      if (signal?.aborted || isAbortError(error)) throw new LinkscreenError(ErrorCode.Aborted, 'The operation was cancelled')
      if (record.failure) {
        throw new LinkscreenError(ErrorCode.JwksUnavailable, `${where}: the provider's signing keys could not be fetched (${record.failure.reason}), so the ID token cannot be checked`, {
          ...(record.failure.cause === undefined ? {} : { cause: record.failure.cause }),
        })
      }
      if (error instanceof oauth.OperationProcessingError && error.code === oauth.KEY_SELECTION) {
        return { kind: 'no_matching_key', downloaded: record.downloaded }
      }
      throw invalidIdToken(where, libraryReason(error))
    }
  }

  async function verifySignature(as: oauth.AuthorizationServer, jwksUri: URL, response: Response, signal: AbortSignal | undefined): Promise<void> {
    const source = keySource(as)
    let check = await checkSignature(source.copy, jwksUri, response, signal)
    if (check.kind === 'no_matching_key' && !check.downloaded) {
      // The cached key set may predate a key rotation: fetch it once more.
      source.copy = { ...as }
      check = await checkSignature(source.copy, jwksUri, response, signal)
    }
    if (check.kind !== 'ok') throw invalidIdToken(where, 'no key in the provider\'s key set (jwks_uri) matches its "kid" and "alg"')
  }

  return {
    async validate(as, idToken, signal) {
      let jwksUri: URL | undefined
      if (as.jwks_uri !== undefined) {
        if (!URL.canParse(as.jwks_uri)) throw new LinkscreenError(ErrorCode.JwksUnavailable, `${where}: "jwks_uri" is not an absolute URL`)
        jwksUri = new URL(as.jwks_uri)
        if (!isSafeUrl(jwksUri)) {
          throw new LinkscreenError(ErrorCode.InsecureUrl, `${where}: "jwks_uri" must use https: (plain http: only for loopback hosts)`)
        }
      } else if (options.withoutKeys === 'refuse') {
        throw new LinkscreenError(ErrorCode.JwksUnavailable, `${where}: the provider names no "jwks_uri", so its ID tokens cannot be checked`)
      }
      const response = idTokenOnlyResponse(idToken)
      const claims = await claimsOf(as, response)
      checkTimes(claims, options.clock.now(), where)
      if (jwksUri === undefined) return { claims, signatureChecked: false }
      await verifySignature(as, jwksUri, response, signal)
      return { claims, signatureChecked: true }
    },
  }
}
