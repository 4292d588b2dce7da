/** The eight dialects, each configured against `https://as.example`, for the property tests. */
import { providerSchema, type Dialect as DialectName, type ProviderConfig } from '../../../electron/core/config'
import type { DeviceAuthorization } from '../../../electron/core/types'

export const ORIGIN = 'https://as.example'
export const NOW = Date.UTC(2026, 0, 1)

export const DIALECT_NAMES: readonly DialectName[] = ['oauth2', 'oidc', 'better-auth', 'trakt', 'api-v1', 'github', 'google', 'microsoft']

/** A valid configuration of `dialect` with `clientSecret` (the property's secret). */
export function providerFor(dialect: DialectName, clientSecret: string, bodyEncoding: 'json' | 'form' | 'multipart' = 'json'): ProviderConfig {
  const common = { id: 'p', clientId: 'client', clientSecret, scope: 'openid profile' }
  const raw: Record<DialectName, Record<string, unknown>> = {
    oauth2: { endpoints: { deviceAuthorization: `${ORIGIN}/device`, token: `${ORIGIN}/token`, userinfo: `${ORIGIN}/userinfo`, revocation: `${ORIGIN}/revoke` } },
    oidc: { issuer: ORIGIN },
    'better-auth': { baseUrl: `${ORIGIN}/api/auth` },
    trakt: { baseUrl: ORIGIN },
    'api-v1': { baseUrl: ORIGIN, bodyEncoding },
    github: { baseUrl: ORIGIN, apiBaseUrl: 'https://api.as.example' },
    google: { baseUrl: ORIGIN, userinfoUrl: `${ORIGIN}/userinfo` },
    microsoft: { baseUrl: ORIGIN, tenant: 'common', userinfoUrl: `${ORIGIN}/userinfo` },
  }
  return providerSchema.parse({ ...common, dialect, ...raw[dialect] })
}

/** The OpenID Connect discovery document the `oidc` dialect is given (it is not under test here). */
export function discoveryAnswer(url: string): Response | undefined {
  if (url !== `${ORIGIN}/.well-known/openid-configuration`) return undefined
  return new Response(
    JSON.stringify({
      issuer: ORIGIN,
      device_authorization_endpoint: `${ORIGIN}/device`,
      token_endpoint: `${ORIGIN}/token`,
      userinfo_endpoint: `${ORIGIN}/userinfo`,
      revocation_endpoint: `${ORIGIN}/revoke`,
      jwks_uri: `${ORIGIN}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  )
}

export function authorizationWith(deviceCode: string): DeviceAuthorization {
  return { device_code: deviceCode, user_code: 'WDJB-MJHT', verification_uri: `${ORIGIN}/device`, expires_in: 600, interval: 5, expires_at: NOW + 600_000 }
}
