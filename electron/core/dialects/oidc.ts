/**
 * `oidc`: RFC 8628 against an authorization server found by OpenID Connect discovery; the
 * metadata must advertise a `device_authorization_endpoint` (RFC 8628 §4). ID tokens are
 * checked against the `jwks_uri` it names; refresh and revocation (`revocation_endpoint`, when
 * named) as in `standard.ts`.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-4
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */
import * as oauth from 'oauth4webapi'
import { ErrorCode, LinkscreenError } from '../errors'
import type { Dialect } from '../types'
import { isSafeUrl } from '../urls'
import { Scrubber } from '../scrubber'
import { refuseNetworkAnswer, withJsonType } from '../network-answer'
import { failedResponse, requestOptions, rethrow, standardDialect, type DialectDeps, type StandardProvider } from './standard'

export interface OidcProvider extends StandardProvider {
  readonly issuer: string
}

/**
 * Fetches and checks the issuer's metadata (oauth4webapi checks that `issuer` matches). What it
 * throws passes through `deps.scrubber` (a new one, told the provider's secrets, when absent):
 * `linkscreen register` calls it outside any dialect.
 */
export function discover(provider: OidcProvider, deps: DialectDeps, signal: AbortSignal | undefined): Promise<oauth.AuthorizationServer> {
  const scrubber = deps.scrubber ?? new Scrubber()
  scrubber.keep(provider.clientSecret)
  for (const value of Object.values(provider.headers ?? {})) scrubber.keep(value)
  return scrubber.guard(() => discoverWith(provider, { ...deps, http: scrubber.wrap(deps.http) }, signal))
}

async function discoverWith(provider: OidcProvider, deps: DialectDeps, signal: AbortSignal | undefined): Promise<oauth.AuthorizationServer> {
  const where = `${provider.id}: discovery`
  const issuer = new URL(provider.issuer)
  const response = await oauth
    .discoveryRequest(issuer, { ...requestOptions(deps, issuer.href, provider, signal), algorithm: 'oidc' })
    .catch((error: unknown) => rethrow(error, where))
  await refuseNetworkAnswer(response, issuer.href, where, { now: deps.clock.now() })
  if (response.status !== 200) return failedResponse(response, where)
  const as = await oauth.processDiscoveryResponse(issuer, await withJsonType(response)).catch((error: unknown) => rethrow(error, where))
  for (const key of ['device_authorization_endpoint', 'token_endpoint'] as const) {
    const value = as[key]
    if (typeof value !== 'string') {
      throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: the issuer's metadata has no "${key}"`)
    }
    if (!URL.canParse(value)) throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: "${key}" is not an absolute URL`)
    if (!isSafeUrl(new URL(value))) {
      throw new LinkscreenError(ErrorCode.InsecureUrl, `${where}: "${key}" must use https: (plain http: only for loopback hosts)`)
    }
  }
  return as
}

export function createOidcDialect(provider: OidcProvider, deps: DialectDeps): Dialect {
  let metadata: Promise<oauth.AuthorizationServer> | undefined
  return standardDialect(
    provider,
    deps,
    (signal) => {
      // Cache a successful discovery; a failed one is tried again next time.
      metadata ??= discover(provider, deps, signal).catch((error: unknown) => {
        metadata = undefined
        throw error
      })
      return metadata
    },
    // Discovery must name the keys (OpenID Connect Discovery §3): ID tokens are always checked.
    { idTokensWithoutKeys: 'refuse' },
  )
}
