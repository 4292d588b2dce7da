/**
 * Builds the dialect for a provider configuration. Every dialect is built behind the provider's
 * scrubber (`guard.ts`): every request teaches it, and every error, outcome and profile leaving
 * the dialect passes through it.
 */
import type { ProviderConfig } from '../config'
import { providerSecrets } from '../provider-secrets'
import { Scrubber } from '../scrubber'
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
 * The dialect for `provider`, guarded by `deps.scrubber` (a new one when none is given), which
 * is told the provider's configured secrets and learns from every request the dialect sends.
 * Its `scrubber` is the one to show what it returns with.
 * @param device what this device says about itself where a dialect sends it (`api-v1`)
 */
export function createDialect(provider: ProviderConfig, deps: DialectDeps, device: DeviceMetadata = {}): Dialect {
  const scrubber = deps.scrubber ?? new Scrubber()
  for (const secret of providerSecrets(provider)) scrubber.keep(secret)
  return rawDialect(provider, { ...deps, scrubber }, device)
}


function rawDialect(provider: ProviderConfig, deps: DialectDeps, device: DeviceMetadata): Dialect {
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
