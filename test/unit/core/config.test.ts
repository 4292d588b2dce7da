import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { configJsonSchema, findProvider, parseConfig } from '../../../electron/core/config'
import { LinkscreenError } from '../../../electron/core/errors'

const valid = {
  providers: [
    { id: 'corp', dialect: 'oidc', issuer: 'https://login.example.com', clientId: 'tv-app', scope: 'openid' },
    { id: 'raw', dialect: 'oauth2', clientId: 'x', endpoints: { deviceAuthorization: 'https://as.example/device', token: 'https://as.example/token' } },
    { id: 'ba', dialect: 'better-auth', baseUrl: 'http://localhost:3000/api/auth', clientId: 'tv', headers: { 'x-tenant': 'a' } },
  ],
}

function errorOf(text: string): LinkscreenError {
  try {
    parseConfig(text, 'providers.json')
  } catch (error) {
    if (error instanceof LinkscreenError) return error
    throw error
  }
  throw new Error('expected a config error')
}

const withProvider = (patch: Record<string, unknown>, base = valid.providers[0]): string =>
  JSON.stringify({ providers: [Object.fromEntries(Object.entries({ ...base, ...patch }).filter(([, v]) => v !== undefined))] })

describe('provider configuration', () => {
  it('accepts presets with only their credentials', () => {
    const presets = [
      { id: 'gh', dialect: 'github', clientId: 'Iv1.abc' },
      { id: 'g', dialect: 'google', clientId: 'x.apps.googleusercontent.com', clientSecret: 's' },
      { id: 'ms', dialect: 'microsoft', clientId: '00000000-0000-0000-0000-000000000000', tenant: 'contoso.onmicrosoft.com' },
      { id: 't', dialect: 'trakt', clientId: 'k', clientSecret: 's', staging: true },
      { id: 'api', dialect: 'api-v1', clientId: 'tv', baseUrl: 'https://api.example', bodyEncoding: 'multipart', device: { name: 'Living room' } },
    ]
    expect(parseConfig(JSON.stringify({ providers: presets }), 'f').providers.map((p) => p.id)).toEqual(['gh', 'g', 'ms', 't', 'api'])
  })

  it('accepts every dialect', () => {
    expect(parseConfig(JSON.stringify(valid), 'f').providers.map((p) => p.dialect)).toEqual(['oidc', 'oauth2', 'better-auth'])
  })

  const INVALID: [string, string, string][] = [
    ['not JSON', '{ providers: [', 'providers.json: not valid JSON'],
    ['an empty file', '', 'providers.json: not valid JSON'],
    ['a JSON array', '[]', 'providers.json: (root): Invalid input: expected object, received array'],
    ['no providers', '{}', 'providers.json: providers: Invalid input: expected array, received undefined'],
    ['a missing clientId', withProvider({ clientId: undefined }), 'providers.json: providers[0].clientId: Invalid input: expected string, received undefined'],
    ['an ill-typed clientId', withProvider({ clientId: 12 }), 'providers.json: providers[0].clientId: Invalid input: expected string, received number'],
    ['an unknown dialect', withProvider({ dialect: 'saml' }), 'providers.json: providers[0].dialect: unknown dialect; expected one of "oauth2", "oidc", "better-auth", "trakt", "api-v1", "github", "google", "microsoft"'],
    ['a Google preset without its secret', withProvider({ dialect: 'google', issuer: undefined }), 'providers.json: providers[0].clientSecret: Google requires a clientSecret'],
    ['a Microsoft tenant with illegal characters', withProvider({ dialect: 'microsoft', issuer: undefined, tenant: 'contoso/../x' }), 'providers.json: providers[0].tenant: must be "common", "organizations", "consumers", a tenant GUID or a domain name'],
    ['an api-v1 provider with an unknown body encoding', withProvider({ dialect: 'api-v1', issuer: undefined, baseUrl: 'https://api.example', bodyEncoding: 'xml' }), 'providers.json: providers[0].bodyEncoding: Invalid option: expected one of "json"|"form"|"multipart"'],
    ['an oidc provider without issuer', withProvider({ issuer: undefined }), 'providers.json: providers[0].issuer: Invalid input: expected string, received undefined'],
    ['an http: issuer on a public host', withProvider({ issuer: 'http://login.example.com' }), 'providers.json: providers[0].issuer: must use https: (plain http: is allowed only for loopback hosts)'],
    ['a relative URL', withProvider({ issuer: '/login' }), 'providers.json: providers[0].issuer: must be an absolute URL'],
    ['an oauth2 provider without a token endpoint', withProvider({ endpoints: { deviceAuthorization: 'https://a.example/d' } }, valid.providers[1]), 'providers.json: providers[0].endpoints.token: Invalid input: expected string, received undefined'],
    ['an unknown field', withProvider({ clientSecert: 'x' }), 'providers.json: providers[0]: unknown field "clientSecert"'],
    ['a bad id', withProvider({ id: 'Has Spaces' }), 'providers.json: providers[0].id: must be 1-64 characters'],
    ['the reserved id demo', withProvider({ id: 'demo' }), 'providers.json: providers[0].id: "demo" is reserved for the built-in demo provider'],
    ['a bad header name', withProvider({ headers: { 'bad header': 'x' } }), 'providers.json: providers[0].headers: header names must be HTTP tokens'],
    ['duplicate ids', JSON.stringify({ providers: [valid.providers[0], valid.providers[0]] }), 'providers.json: providers[1].id: duplicate provider id "corp"'],
  ]

  for (const [name, text, message] of INVALID) {
    it(`refuses ${name}, naming the file and the field`, () => {
      const error = errorOf(text)
      expect(error.code).toBe('config_error')
      expect(error.message).toContain(message)
    })
  }

  it('never quotes a client secret back', () => {
    const error = errorOf(withProvider({ clientSecret: 'TOP-SECRET-VALUE', issuer: 'ftp://x' }))
    expect(error.message).not.toContain('TOP-SECRET-VALUE')
  })

  it('finds a provider or lists the known ones', () => {
    const config = parseConfig(JSON.stringify(valid), 'f')
    expect(findProvider(config.providers, 'ba').dialect).toBe('better-auth')
    expect(() => findProvider(config.providers, 'nope')).toThrow('unknown provider "nope"; known providers: corp, raw, ba')
  })

  it('the committed JSON Schema matches the one the code defines', async () => {
    const committed = JSON.parse(await readFile(new URL('../../../linkscreen.schema.json', import.meta.url), 'utf8')) as unknown
    expect(committed).toEqual(configJsonSchema())
  })
})
