/**
 * The configured secrets of a provider (client secret, header values), for the scrubber. Apart
 * from ./config.ts, which loads zod to read configuration files: every dialect needs this, and
 * `login --provider demo` then starts without loading zod (issue #16).
 */
import type { ProviderConfig } from './config'

export function providerSecrets(provider: ProviderConfig): string[] {
  const secret = 'clientSecret' in provider ? provider.clientSecret : undefined
  return [secret, ...Object.values(provider.headers ?? {})].filter((v): v is string => typeof v === 'string' && v !== '')
}
