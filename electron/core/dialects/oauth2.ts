/**
 * `oauth2`: RFC 8628 against explicitly configured endpoints.
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
  }
}

export function createOAuth2Dialect(provider: OAuth2Provider, deps: DialectDeps): Dialect {
  const as: AuthorizationServer = {
    issuer: provider.issuer ?? new URL(provider.endpoints.token).origin,
    device_authorization_endpoint: provider.endpoints.deviceAuthorization,
    token_endpoint: provider.endpoints.token,
    ...(provider.endpoints.userinfo === undefined ? {} : { userinfo_endpoint: provider.endpoints.userinfo }),
    ...(provider.endpoints.revocation === undefined ? {} : { revocation_endpoint: provider.endpoints.revocation }),
  }
  return standardDialect(provider, deps, async () => as)
}
