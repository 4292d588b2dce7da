/**
 * `oauth2`: RFC 8628 against explicitly configured endpoints.
 *
 * ID tokens: with `endpoints.jwks`, checked as the `oidc` dialect checks them (signature, `iss`
 * = `issuer`, `aud`, `exp`); without it, only their claims are checked, the TLS connection to
 * the token endpoint standing in for the signature (OpenID Connect Core §3.1.3.7, step 6).
 * Revocation only with `endpoints.revocation` (otherwise the dialect has no `revoke`).
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
import type { AuthorizationServer } from 'oauth4webapi'
import type { Dialect } from '../types'
import { standardDialect, type DialectDeps, type StandardProvider } from './standard'

export interface OAuth2Provider extends StandardProvider {
  /** Expected `iss` of ID tokens; defaults to the token endpoint's origin. */
  readonly issuer?: string | undefined
  readonly endpoints: {
    readonly deviceAuthorization: string
    readonly token: string
    readonly userinfo?: string | undefined
    readonly revocation?: string | undefined
    /** The provider's JSON Web Key Set, to check ID token signatures. */
    readonly jwks?: string | undefined
  }
}

export function createOAuth2Dialect(provider: OAuth2Provider, deps: DialectDeps): Dialect {
  const as: AuthorizationServer = {
    issuer: provider.issuer ?? new URL(provider.endpoints.token).origin,
    device_authorization_endpoint: provider.endpoints.deviceAuthorization,
    token_endpoint: provider.endpoints.token,
    ...(provider.endpoints.userinfo === undefined ? {} : { userinfo_endpoint: provider.endpoints.userinfo }),
    ...(provider.endpoints.revocation === undefined ? {} : { revocation_endpoint: provider.endpoints.revocation }),
    ...(provider.endpoints.jwks === undefined ? {} : { jwks_uri: provider.endpoints.jwks }),
  }
  const dialect = standardDialect(provider, deps, async () => as, { idTokensWithoutKeys: 'tls' })
  if (provider.endpoints.revocation !== undefined) return dialect
  const { revoke: _cannotRevoke, ...withoutRevoke } = dialect
  return withoutRevoke
}
