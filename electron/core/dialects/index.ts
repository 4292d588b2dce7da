/** Builds the dialect for a provider configuration. */
import type { ProviderConfig } from '../config'
import type { Dialect } from '../types'
import { createBetterAuthDialect } from './better-auth'
import { createOAuth2Dialect } from './oauth2'
import { createOidcDialect } from './oidc'
import type { DialectDeps } from './standard'

export type { DialectDeps } from './standard'

export function createDialect(provider: ProviderConfig, deps: DialectDeps): Dialect {
  switch (provider.dialect) {
    case 'oauth2':
      return createOAuth2Dialect(provider, deps)
    case 'oidc':
      return createOidcDialect(provider, deps)
    case 'better-auth':
      return createBetterAuthDialect(provider, deps)
    default: {
      const unreachable: never = provider
      return unreachable
    }
  }
}
