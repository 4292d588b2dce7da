/** Builds the dialect for a provider configuration. */
import type { ProviderConfig } from '../config'
import type { Dialect } from '../types'
import { createBetterAuthDialect } from './better-auth'
import { createOAuth2Dialect } from './oauth2'
import { createOidcDialect } from './oidc'
import { createApiV1Dialect, type DeviceMetadata } from './api-v1'
import { createGitHubDialect } from './github'
import { createGoogleDialect } from './google'
import { createMicrosoftDialect } from './microsoft'
import { createTraktDialect } from './trakt'
import type { DialectDeps } from './standard'

export type { DialectDeps } from './standard'

/**
 * The dialect for `provider`.
 * @param device what this device says about itself where a dialect sends it (`api-v1`)
 */
export function createDialect(provider: ProviderConfig, deps: DialectDeps, device: DeviceMetadata = {}): Dialect {
  switch (provider.dialect) {
    case 'oauth2':
      return createOAuth2Dialect(provider, deps)
    case 'oidc':
      return createOidcDialect(provider, deps)
    case 'better-auth':
      return createBetterAuthDialect(provider, deps)
    case 'trakt':
      return createTraktDialect(provider, deps)
    case 'api-v1':
      return createApiV1Dialect(provider, deps, device)
    case 'github':
      return createGitHubDialect(provider, deps)
    case 'google':
      return createGoogleDialect(provider, deps)
    case 'microsoft':
      return createMicrosoftDialect(provider, deps)
    default: {
      const unreachable: never = provider
      return unreachable
    }
  }
}
