/**
 * The configuration loader: `parseConfig` on arbitrary text and on configuration-shaped JSON
 * (mostly valid providers of every dialect, with hostile members, duplicated keys, `__proto__`),
 * `jsonErrorOffset` against `JSON.parse`, and `loadConfig` on files of arbitrary bytes.
 *
 * What may be shown: field names (a misspelt key is named: that is how it is found), provider
 * ids (a duplicate is named), and where a JSON syntax error is. Values never: the secret is put
 * in values (client secret, header values, URLs, client id, scope, a misspelt key's value, a
 * single-quoted string that breaks the JSON) and must not appear in any message.
 */
import fc from 'fast-check'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { loadConfig } from '../../electron/adapters/config-file'
import { DIALECTS, parseConfig, type Config } from '../../electron/core/config'
import { ErrorCode } from '../../electron/core/errors'
import { jsonErrorOffset } from '../../electron/core/json-position'
import { anyString, field, keyArb, objectText, oddSecretArb, rawValue, secretArb, utf16Unit, type Entry } from './support/arbitraries'
import { attempt, check, errorSurfaces, expectNoSecret, expectPrintable, expectTyped, runs, settle } from './support/harness'

/** Where the property's secret goes; replaced (JSON-escaped) before parsing. */
const SECRET = '$SECRET$'

const urlValue = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom('https://as.example', 'https://as.example/device', 'http://127.0.0.1:3000/api/auth', 'http://localhost:8080', `https://as.example/?key=${SECRET}`) },
  { weight: 1, arbitrary: fc.constantFrom('http://as.example', '/relative', `https://user:${SECRET}@as.example/`, `http://as.example/?token=${SECRET}`, 'javascript:alert(1)', '') },
  { weight: 1, arbitrary: anyString },
)
const opt = (entries: fc.Arbitrary<Entry[]>): fc.Arbitrary<Entry[]> => fc.oneof(entries, fc.constant<Entry[]>([]))

const headersValue = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom('authorization', 'x-api-key', 'x-tenant', 'trakt-api-key') }, { weight: 1, arbitrary: fc.constantFrom('bad name', '__proto__', 'constructor', 'toString') }),
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(`Bearer ${SECRET}`, SECRET, 'acme') }, { weight: 1, arbitrary: fc.constantFrom(`a\nb ${SECRET}`, `${SECRET}\u0000`, 'x'.repeat(9000)) }),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => objectText(pairs.map(([k, v]): Entry => [k, JSON.stringify(v)])))

const endpointsValue = fc
  .tuple(field('deviceAuthorization', urlValue), field('token', urlValue), opt(field('userinfo', urlValue)), opt(field('revocation', urlValue)), opt(field('jwks', urlValue)))
  .map((parts) => objectText(parts.flat()))

/** The members each dialect takes besides the common ones (`required` ones are there most of the time). */
const DIALECT_FIELDS: Record<(typeof DIALECTS)[number], readonly { key: string; required?: true }[]> = {
  oauth2: [{ key: 'issuer' }, { key: 'endpoints', required: true }],
  oidc: [{ key: 'issuer', required: true }],
  'better-auth': [{ key: 'baseUrl', required: true }],
  trakt: [{ key: 'staging' }, { key: 'baseUrl' }],
  'api-v1': [{ key: 'baseUrl', required: true }, { key: 'bodyEncoding' }, { key: 'device' }],
  github: [{ key: 'baseUrl' }, { key: 'apiBaseUrl' }],
  google: [{ key: 'clientSecret', required: true }, { key: 'baseUrl' }, { key: 'userinfoUrl' }],
  microsoft: [{ key: 'tenant' }, { key: 'baseUrl' }, { key: 'userinfoUrl' }],
}

const MEMBERS: Record<string, fc.Arbitrary<Entry[]>> = {
  clientSecret: field('clientSecret', fc.oneof({ weight: 8, arbitrary: fc.constantFrom(SECRET, 's') }, { weight: 1, arbitrary: fc.constant(`${SECRET}${'x'.repeat(4100)}`) })),
  scope: field('scope', fc.constantFrom('openid profile', `openid ${SECRET}`)),
  name: field('name', fc.oneof({ weight: 8, arbitrary: fc.constantFrom('Corp', SECRET) }, { weight: 1, arbitrary: fc.constant('x'.repeat(101)) })),
  headers: field('headers', headersValue.map((t) => JSON.parse(t) as unknown)),
  issuer: field('issuer', urlValue),
  baseUrl: field('baseUrl', urlValue),
  apiBaseUrl: field('apiBaseUrl', urlValue),
  userinfoUrl: field('userinfoUrl', urlValue),
  endpoints: field('endpoints', endpointsValue.map((t) => JSON.parse(t) as unknown)),
  staging: field('staging', fc.boolean()),
  tenant: field('tenant', fc.oneof({ weight: 8, arbitrary: fc.constantFrom('common', 'contoso.com', SECRET) }, { weight: 1, arbitrary: fc.constant('bad/../x') })),
  bodyEncoding: field('bodyEncoding', fc.oneof({ weight: 8, arbitrary: fc.constantFrom('json', 'form', 'multipart') }, { weight: 1, arbitrary: fc.constant('xml') })),
  device: field('device', fc.record({ name: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('TV', SECRET) }, { weight: 1, arbitrary: fc.constant('x'.repeat(201)) }) }, { requiredKeys: [] })),
}
const member = (key: string, present: number): fc.Arbitrary<Entry[]> =>
  fc.oneof({ weight: present, arbitrary: MEMBERS[key] ?? fc.constant<Entry[]>([]) }, { weight: 10 - present, arbitrary: fc.constant<Entry[]>([]) })

/** A provider: mostly valid for its dialect, with some members hostile, missing, duplicated, foreign or unknown. */
const providerArb: fc.Arbitrary<string> = fc
  .oneof({ weight: 20, arbitrary: fc.constantFrom(...DIALECTS) }, { weight: 1, arbitrary: fc.constantFrom('saml', '', 'OIDC') })
  .chain((dialect) => {
    const own = DIALECT_FIELDS[dialect as (typeof DIALECTS)[number]] ?? []
    return fc.tuple(
      field('id', fc.oneof({ weight: 16, arbitrary: fc.constantFrom('corp', 'p1', 'a.b_c-d', 'tv-2', 'x', 'corp') }, { weight: 1, arbitrary: fc.constantFrom('demo', 'Has Spaces', '', 'x'.repeat(65)) })),
      fc.constant<Entry[]>([['dialect', JSON.stringify(dialect)]]),
      field('clientId', fc.constantFrom('tv', SECRET, 'x.apps.googleusercontent.com')),
      ...['clientSecret', 'scope', 'name', 'headers'].filter((k) => !own.some((f) => f.key === k)).map((k) => member(k, 5)),
      ...own.map((f) => member(f.key, f.required ? 9 : 5)),
      // Now and then a member of another dialect, or a misspelt or unknown one.
      fc.oneof({ weight: 8, arbitrary: fc.constant<Entry[]>([]) }, { weight: 1, arbitrary: fc.constantFrom(...Object.keys(MEMBERS)).chain((k) => MEMBERS[k] as fc.Arbitrary<Entry[]>) }),
      fc.oneof(
        { weight: 16, arbitrary: fc.constant<Entry[]>([]) },
        { weight: 1, arbitrary: fc.constant<Entry[]>([['clientSecert', JSON.stringify(SECRET)]]) }, // misspelt: named, its value not quoted
        { weight: 1, arbitrary: fc.tuple(keyArb, rawValue).map(([k, v]): Entry[] => [[k, v]]) },
      ),
    )
  })
  .map((parts) => objectText(parts.flat()))

const configText: fc.Arbitrary<string> = fc
  .tuple(
    field('providers', fc.constant(null)).chain((placeholder) =>
      fc
        .oneof({ weight: 4, arbitrary: fc.array(providerArb, { minLength: 1, maxLength: 1 }) }, { weight: 2, arbitrary: fc.array(providerArb, { maxLength: 3 }) })
        .map((providers): Entry[] => placeholder.map(([k, v]): Entry => [k, v === 'null' ? `[${providers.join(',')}]` : v])),
    ),
    opt(field('app', fc.record({ kiosk: fc.boolean(), provider: fc.constantFrom('corp', SECRET), allowWeakTokenStorage: fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constant('yes') }) }, { requiredKeys: [] }))),
    opt(field('$schema', fc.constantFrom('./linkscreen.schema.json', SECRET))),
    fc.oneof({ weight: 8, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(keyArb, rawValue), { minLength: 1, maxLength: 2 }) }),
  )
  .map((parts) => objectText(parts.flat() as Entry[]))

/** Text edits that break JSON the ways people do. */
const edited: fc.Arbitrary<string> = fc
  .tuple(
    configText,
    fc.oneof({ weight: 12, arbitrary: fc.constant('none') }, { weight: 1, arbitrary: fc.constantFrom('bom', 'truncate', 'trailing-comma', 'single-quotes', 'comment', 'insert') }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.string({ unit: utf16Unit, minLength: 1, maxLength: 2 }),
  )
  .map(([text, edit, at, ch]) => {
    const i = Math.floor(text.length * at)
    switch (edit) {
      case 'bom':
        return `\ufeff${text}`
      case 'truncate':
        return text.slice(0, i)
      case 'trailing-comma':
        return text.replace(/}$/, ',}')
      case 'single-quotes':
        return text.replace(`"${SECRET}"`, `'${SECRET}'`)
      case 'comment':
        return `// providers\n${text}`
      case 'insert':
        return `${text.slice(0, i)}${ch}${text.slice(i)}`
      default:
        return text
    }
  })

const anyText = fc.oneof(
  { weight: 6, arbitrary: edited },
  { weight: 1, arbitrary: rawValue },
  { weight: 1, arbitrary: fc.string({ unit: utf16Unit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.json() },
)

const withSecret = (text: string, secret: string): string => text.split(SECRET).join(JSON.stringify(secret).slice(1, -1))

function plainEverywhere(value: unknown, path = '(root)'): void {
  if (value === null || typeof value !== 'object') return
  const proto = Object.getPrototypeOf(value) as unknown
  check(proto === Object.prototype || proto === Array.prototype, `${path} has an unusual prototype`)
  for (const [key, member] of Object.entries(value)) plainEverywhere(member, `${path}.${key}`)
}

const URL_FIELDS = ['issuer', 'baseUrl', 'apiBaseUrl', 'userinfoUrl'] as const

/** (c) What an accepted configuration guarantees. */
function checkConfig(config: Config): void {
  plainEverywhere(config)
  check(Object.getOwnPropertyNames(Object.prototype).every((k) => !['polluted', 'isAdmin'].includes(k)), 'Object.prototype was polluted')
  const ids = config.providers.map((p) => p.id)
  check(new Set(ids).size === ids.length, 'duplicate provider ids were accepted')
  for (const provider of config.providers) {
    check(/^[a-z0-9][a-z0-9._-]{0,63}$/.test(provider.id) && provider.id !== 'demo', `id ${JSON.stringify(provider.id)}`)
    const urls = [
      ...URL_FIELDS.map((k) => (provider as Record<string, unknown>)[k]),
      ...('endpoints' in provider ? Object.values(provider.endpoints) : []),
    ].filter((u): u is string => typeof u === 'string')
    for (const url of urls) {
      const parsed = new URL(url)
      check(parsed.protocol === 'https:' || (parsed.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname)), `unsafe URL ${url}`)
    }
    for (const [name, value] of Object.entries(provider.headers ?? {})) {
      check(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) && !/[\r\n\u0000]/.test(value), `header ${JSON.stringify(name)}`)
    }
  }
}

describe('parseConfig', () => {
  it('(a) returns a configuration or throws config_error only; (c) what it accepts is plain, safe and unique', () => {
    fc.assert(
      fc.property(anyText, secretArb, (text, secret) => {
        const result = attempt(() => parseConfig(withSecret(text, secret), 'f.json'))
        if (!result.ok) {
          expectTyped(result.error, [ErrorCode.Config])
          for (const line of (result.error as Error).message.split('\n')) check(line.startsWith('f.json: '), `a message line without the file name: ${JSON.stringify(line)}`)
          return
        }
        checkConfig(result.value)
      }),
      { numRuns: runs(500) },
    )
  })

  it('(b) never quotes a value: the secret in a client secret, header, URL, client id, misspelt field or broken string stays out', () => {
    fc.assert(
      fc.property(edited, fc.oneof(secretArb, oddSecretArb), (text, secret) => {
        const result = attempt(() => parseConfig(withSecret(text, secret), 'f.json'))
        if (!result.ok) expectNoSecret(errorSurfaces(result.error), secret, 'the configuration error')
      }),
      { numRuns: runs(500) },
    )
  })

  it('(d) its messages hold no control characters, whatever the keys', () => {
    const hostileKey = fc.oneof(fc.string({ unit: utf16Unit, minLength: 1, maxLength: 4 }), fc.constantFrom('\u001b[2J', 'a\nf.json: forged', '\u009b31m', '\u202ex', '\ud800'))
    const withHostileKey = fc
      .tuple(configText, hostileKey, fc.constantFrom('top', 'provider', 'headers'))
      .map(([text, key, where]) => {
        const k = JSON.stringify(key)
        if (where === 'top') return text.replace(/^\{/, `{${k}:1,`)
        if (where === 'provider') return text.replace('"id":', `${k}:1,"id":`)
        return text.replace('"clientId":', `"headers":{${k}:"v"},"clientId":`)
      })
    fc.assert(
      fc.property(fc.oneof(anyText, withHostileKey), (text) => {
        const result = attempt(() => parseConfig(text, 'f.json'))
        // One line per problem, by design.
        if (!result.ok) for (const line of (result.error as Error).message.split('\n')) expectPrintable(line, 'a configuration error line')
      }),
      { numRuns: runs(400) },
    )
  })
})

describe('jsonErrorOffset', () => {
  it('agrees with JSON.parse: -1 for valid JSON, else an offset within the text', () => {
    // Valid JSON laid out with every kind of JSON white space, then possibly broken by an edit.
    const spaced = fc
      .tuple(fc.oneof(rawValue, configText, fc.json()), fc.constantFrom('\t', '  ', '\r\n', ' \t\r\n'), fc.nat(), fc.constantFrom('', ',', '}', '\u000b', '\u00a0', 'x'))
      .map(([text, indent, at, edit]) => {
        let out = text
        try {
          out = JSON.stringify(JSON.parse(text) as unknown, null, indent.includes('\t') ? '\t' : 2).replace(/\n/g, indent.includes('\r') ? '\r\n' : '\n')
        } catch {
          // not JSON: edited as it is
        }
        const i = out.length === 0 ? 0 : at % out.length
        return `${out.slice(0, i)}${edit}${out.slice(i)}`
      })
    fc.assert(
      fc.property(fc.oneof(anyText, spaced), (text) => {
        let valid = true
        try {
          JSON.parse(text)
        } catch {
          valid = false
        }
        const offset = jsonErrorOffset(text)
        if (valid) check(offset === -1, `valid JSON, but an error offset ${offset}`)
        else check(offset >= 0 && offset <= text.length, `invalid JSON, but offset ${offset} of ${text.length}`)
      }),
      { numRuns: runs(500) },
    )
  })
})

describe('loadConfig', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'linkscreen-property-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads any bytes (invalid UTF-8, byte-order marks, UTF-16) into a configuration or a config_error without the secret', async () => {
    const bytes = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(edited, fc.constantFrom<number[]>([], [0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff]), fc.constantFrom<number[]>([], [0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80]), fc.nat()).map(([text, bom, bad, at]) => ({ text, bom, bad, at })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((raw) => ({ raw })) },
    )
    let n = 0
    await fc.assert(
      fc.asyncProperty(bytes, secretArb, async (spec, secret) => {
        const file = join(dir, `p${n++}.json`)
        let content: Uint8Array
        if ('raw' in spec) content = spec.raw
        else {
          const text = new TextEncoder().encode(withSecret(spec.text, secret))
          const at = text.length === 0 ? 0 : spec.at % text.length
          content = Uint8Array.from([...spec.bom, ...text.subarray(0, at), ...spec.bad, ...text.subarray(at)])
        }
        await writeFile(file, content)
        const result = await settle(() => loadConfig({ configPath: file, env: {} }))
        if (result.ok) return checkConfig(result.value.config)
        expectTyped(result.error, [ErrorCode.Config])
        expectNoSecret(errorSurfaces(result.error), secret, 'the configuration error')
      }),
      { numRuns: runs(80) },
    )
  })
})
