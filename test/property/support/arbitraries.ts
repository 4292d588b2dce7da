/**
 * Generators of hostile provider answers, as plain data (so that a counterexample prints
 * readably), and the builders that turn them into `Response`s.
 *
 * A body is a list of raw JSON members (`[key, raw JSON text]`), so that it can hold what
 * `JSON.stringify` never writes: duplicated keys, numbers beyond a double (`1e400`), escaped lone
 * surrogates. Most bodies start from the shape a parser expects (a device authorization, a token
 * set, an OAuth error, better-auth's shapes, …) with some members made hostile, so that the
 * parsers' deeper checks are reached too.
 *
 * Secrets are not generated into bodies here: a property picks a secret and a list of
 * {@link Place}s, and {@link placeSecret} puts the secret there, so that the counterexample says
 * where the secret was.
 */
import fc from 'fast-check'

// ---------------------------------------------------------------------------------------------
// Secrets

export const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** A random high-entropy secret: 24 base64url characters (144 bits). Never shrunk, so it stays unique. */
export const secretArb = fc.noShrink(fc.string({ unit: fc.constantFrom(...B64URL), minLength: 24, maxLength: 24 }))
/** Printable ASCII without space: what a client secret or session token may also look like. */
const ODD = `${B64URL}~.!*'()/+=&%$#@:;,?[]{}|^\`"\\<>`
export const oddSecretArb = fc.noShrink(fc.string({ unit: fc.constantFrom(...ODD), minLength: 24, maxLength: 24 }))

// ---------------------------------------------------------------------------------------------
// Strings and raw JSON

/** Any UTF-16 code unit, lone surrogates included. */
export const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))

export const NASTY_STRINGS = [
  '', ' ', '\t', 'NaN', 'Infinity', '-Infinity', '1e309', '-1', '-0', '0', '0x10', '1_000', ' 42 ', '42.5', '600.4', '86400.6',
  '\u0661\u0662', 'null', 'undefined', 'true', '[object Object]', '__proto__', 'constructor', 'prototype', 'toString', 'then',
  '\u0000', '\u001b[2J\u001b]0;pwned\u0007', '\u009b31m', '\u202eevil', '\u2066x', '\ud800', '\udfff', 'a\ud800b', '\uffff', '\ufeff',
  'https://as.example/device', 'https://as.example/device?user_code=WDJB', 'https://phish.example/device', 'http://as.example/device',
  'http://127.0.0.1:8080/device', 'http://localhost/device', 'http://[::1]/d', 'http://127.0.0.1.nip.io/', 'https://user:pw@as.example/',
  'javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', '//as.example/device', '/device', 'HTTPS://AS.EXAMPLE/DEVICE',
  'https://as.example:443/device', 'https://as.example./device', 'https://\u2603.example/', ' https://as.example/device ', 'https:as.example',
  'http://0x7f.1/', 'http://[::ffff:127.0.0.1]/', 'http://localhost./', 'https://as.example/\u0000', 'https://as.example/%00',
  'authorization_pending', 'slow_down', 'access_denied', 'expired_token', 'invalid_grant', 'authorization_declined', 'bad_verification_code',
  'incorrect_device_code', 'pending', 'approved', 'denied', 'Invalid user code', 'already processed', 'not been claimed', 'Bearer', 'bearer',
  '2026-01-01T00:00:00.000Z', '9999-12-31T23:59:59Z', 'Fri, 31 Dec 9999 23:59:59 GMT',
] as const

/** A long string of one character, around the limits the parsers use. */
const longString = fc
  .tuple(fc.constantFrom('a', 'é', '\u0000', ' ', '\ud835\udc9c', '-'), fc.constantFrom(64, 65, 191, 192, 500, 501, 2048, 2049, 4096, 4097, 65_537))
  .map(([c, n]) => c.repeat(n))

export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: utf16Unit, maxLength: 12 }) },
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: longString },
)

const rawNumber: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(
    '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0', '0.0', '1.0', '5e0', '1E3', '0.5', '1.4', '1.5', '599.5',
    '600.4', '600.5', '86400.4', '86400.5', '9007199254740993', '1', '0', '-5', '600', '601', '86400', '86401', '2147483647', '1e21',
  ),
)

const rawString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: anyString.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.constantFrom('"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"a\\u001b[2Jb"', '"\\u202e"', '"\\/"', '"\\uFEFF"') },
)

export const KNOWN_KEYS = [
  'device_code', 'user_code', 'verification_uri', 'verification_url', 'verification_uri_complete', 'expires_in', 'interval', 'message',
  'access_token', 'token_type', 'refresh_token', 'id_token', 'scope', 'error', 'error_description', 'error_uri', 'code', 'session', 'user',
  'token', 'expiresAt', 'id', 'name', 'email', 'image', 'status', 'client_id', 'client_name', 'clientName', 'resource', 'success',
  'client_secret', 'keys', 'issuer',
] as const
export const EVIL_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'toJSON', '', ' ', 'length', '0'] as const

export const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KNOWN_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...EVIL_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: utf16Unit, maxLength: 6 }) },
)

/** One raw JSON member: key and value text. Keys may repeat within an object. */
export type Entry = readonly [key: string, raw: string]

export function objectText(entries: readonly Entry[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`
}

const raw = fc.letrec<{ value: string; prim: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('prim'), tie('array'), tie('object')),
  prim: fc.oneof(
    { weight: 6, arbitrary: fc.oneof(rawNumber, rawString, fc.constantFrom('true', 'false', 'null')) },
    // Objects that break a comparison or a string conversion ({} < 1 calls toString).
    { weight: 1, arbitrary: fc.constantFrom('{"length":{"toString":1}}', '{"length":{"valueOf":{},"toString":{}}}', '{"toString":1,"valueOf":1}', '{"length":"5"}', '{"length":1e400}') },
  ),
  array: fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
  object: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 5 }).map((entries) => objectText(entries)),
}))
/** Any JSON value, as raw text (duplicate keys, huge numbers and escaped lone surrogates included). */
export const rawValue: fc.Arbitrary<string> = raw.value

// ---------------------------------------------------------------------------------------------
// Bodies

/** A member as the parser expects it most of the time; else hostile, missing, or duplicated. */
export function field(key: string, valid: fc.Arbitrary<unknown>): fc.Arbitrary<Entry[]> {
  const ok = valid.map((v) => JSON.stringify(v) ?? 'null')
  return fc.oneof(
    { weight: 24, arbitrary: ok.map((v): Entry[] => [[key, v]]) },
    { weight: 1, arbitrary: rawValue.map((v): Entry[] => [[key, v]]) },
    { weight: 1, arbitrary: fc.constant<Entry[]>([]) },
    { weight: 2, arbitrary: fc.tuple(rawValue, ok, fc.boolean()).map(([bad, good, goodLast]): Entry[] => (goodLast ? [[key, bad], [key, good]] : [[key, good], [key, bad]])) },
  )
}

const extras: fc.Arbitrary<Entry[]> = fc.array(fc.tuple(keyArb, rawValue), { maxLength: 3 }).map((xs) => xs.map(([k, v]): Entry => [k, v]))

const seconds = (typical: number[]) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...typical) },
    { weight: 1, arbitrary: fc.integer({ min: -5, max: 100_000 }) },
    { weight: 1, arbitrary: fc.constantFrom('1800', ' 600 ', '5', '1.5', '0', '1e3', '') },
  )

export const SAFE_ORIGINS = ['https://as.example', 'https://as.example:8443', 'http://127.0.0.1:8080', 'http://localhost', 'http://[::1]:9', 'http://a.localhost'] as const

const verificationUri: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(fc.constantFrom(...SAFE_ORIGINS), fc.constantFrom('/device', '/activate', '/', '')).map(([o, p]) => `${o}${p}`) },
  { weight: 2, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  { weight: 2, arbitrary: anyString },
)

const userCode = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('WDJB-MJHT', 'ABCD1234', 'abcd-efgh', '1234 5678') },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 70 }) },
  { weight: 1, arbitrary: anyString },
)

const completeUri: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...SAFE_ORIGINS), fc.constantFrom('/device?user_code=WDJB-MJHT', '/activate/ABCD', '?c=1')).map(([o, p]) => `${o}${p}`) },
  { weight: 1, arbitrary: fc.constantFrom('https://phish.example/device?user_code=WDJB-MJHT', 'http://as.example/device', 'https://as.example:444/device') },
  { weight: 1, arbitrary: anyString },
)

export const deviceBody: fc.Arbitrary<Entry[]> = fc
  .tuple(
    field('device_code', fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) }, { weight: 1, arbitrary: anyString })),
    field('user_code', userCode),
    fc.oneof({ weight: 3, arbitrary: field('verification_uri', verificationUri) }, { weight: 1, arbitrary: field('verification_url', verificationUri) }),
    fc.oneof({ weight: 2, arbitrary: field('verification_uri_complete', completeUri) }, { weight: 1, arbitrary: fc.constant<Entry[]>([]) }),
    field('expires_in', seconds([1800, 600, 900, 1, 86_400, 86_401])),
    fc.oneof(field('interval', seconds([5, 1, 600, 601, 0])), fc.constant<Entry[]>([])),
    fc.oneof(field('message', anyString), fc.constant<Entry[]>([])),
    extras,
  )
  .map((parts) => parts.flat())

/** A JWT-shaped string: header and claims around the test clock, with a signature that cannot verify. */
export const jwtArb: fc.Arbitrary<string> = fc
  .record({
    alg: fc.constantFrom('RS256', 'ES256', 'HS256', 'none', 'PS256', 'EdDSA'),
    kid: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
    iss: fc.constantFrom('https://as.example', 'https://other.example', 'https://as.example/'),
    aud: fc.constantFrom('client', 'other', ['client', 'x']),
    sub: fc.string({ maxLength: 10 }),
    exp: fc.integer({ min: 1_767_225_600 - 3600, max: 1_767_225_600 + 7200 }),
    iat: fc.integer({ min: 1_767_225_600 - 7200, max: 1_767_225_600 }),
    sig: fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 40 }),
  })
  .map(({ alg, kid, sig, ...claims }) => {
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')
    return `${b64({ alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }) })}.${b64(claims)}.${sig}`
  })

export const tokenBody: fc.Arbitrary<Entry[]> = fc
  .tuple(
    field('access_token', fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) }, { weight: 1, arbitrary: anyString })),
    fc.oneof({ weight: 4, arbitrary: field('token_type', fc.constantFrom('Bearer', 'bearer', 'DPoP', 'mac', 'N_A')) }, { weight: 1, arbitrary: fc.constant<Entry[]>([]) }),
    fc.oneof(field('refresh_token', fc.string({ minLength: 1, maxLength: 30 })), fc.constant<Entry[]>([])),
    fc.oneof({ weight: 3, arbitrary: fc.constant<Entry[]>([]) }, { weight: 1, arbitrary: field('id_token', fc.oneof(jwtArb, anyString)) }),
    fc.oneof(field('expires_in', seconds([3600, 0, 2 ** 31 - 1, 315_360_001])), fc.constant<Entry[]>([])),
    fc.oneof(field('scope', fc.constantFrom('openid profile', '', 'read', 'repo,gist')), fc.constant<Entry[]>([])),
    extras,
  )
  .map((parts) => parts.flat())

export const OAUTH_ERRORS = [
  'authorization_pending', 'slow_down', 'access_denied', 'expired_token', 'invalid_grant', 'invalid_client', 'invalid_request',
  'unauthorized', 'authorization_declined', 'bad_verification_code', 'incorrect_device_code', 'incorrect_client_credentials',
  'device_flow_disabled', 'unsupported_grant_type', 'bad_refresh_token', 'quantum_flux',
] as const
/** Error codes named after members of Object.prototype: a lookup in a plain object finds those. */
export const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'] as const

export const errorBody: fc.Arbitrary<Entry[]> = fc
  .tuple(
    field('error', fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...OAUTH_ERRORS) }, { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) }, { weight: 2, arbitrary: anyString })),
    fc.oneof(field('error_description', fc.oneof(fc.constantFrom('Invalid user code', 'Code already processed', 'has not been claimed', 'AADSTS70000: declined.\r\nTrace ID: x'), anyString)), fc.constant<Entry[]>([])),
    fc.oneof(field('interval', seconds([10, 0, 601, 5])), fc.constant<Entry[]>([])),
    fc.oneof(field('error_uri', anyString), fc.constant<Entry[]>([])),
    extras,
  )
  .map((parts) => parts.flat())

/** better-auth's own errors: `{message, code}`. */
export const messageCodeBody: fc.Arbitrary<Entry[]> = fc
  .tuple(field('message', anyString), field('code', fc.oneof(fc.constantFrom('VALIDATION_ERROR', 'INVALID_DEVICE_CODE', 'UNAUTHORIZED'), anyString)), extras)
  .map((parts) => parts.flat())

const userObject = fc.record(
  { id: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()), name: anyString, email: fc.string({ maxLength: 20 }), image: fc.oneof(fc.constant('https://as.example/a.png'), anyString) },
  { requiredKeys: [] },
)

/** better-auth's session shapes: `/device/token` of older versions, and `/get-session`. */
export const sessionBody: fc.Arbitrary<Entry[]> = fc
  .tuple(
    field(
      'session',
      fc.record(
        { token: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.integer()), expiresAt: fc.oneof(fc.constantFrom('2026-01-02T00:00:00.000Z', 'never', '1970-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z'), anyString) },
        { requiredKeys: [] },
      ),
    ),
    field('user', fc.oneof(userObject, fc.constant(null))),
    extras,
  )
  .map((parts) => parts.flat())

/** better-auth's `GET /device` answer, and `POST /device/approve`'s. */
export const approveBody: fc.Arbitrary<Entry[]> = fc
  .tuple(
    field('status', fc.oneof(fc.constantFrom('pending', 'approved', 'denied'), anyString)),
    field('client_id', fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), anyString)),
    fc.oneof(field('client_name', anyString), field('clientName', anyString), fc.constant<Entry[]>([])),
    fc.oneof(field('scope', fc.oneof(fc.constantFrom('openid profile', ''), fc.array(anyString, { maxLength: 3 }))), fc.constant<Entry[]>([])),
    fc.oneof(field('resource', fc.oneof(anyString, fc.array(anyString, { maxLength: 2 }))), fc.constant<Entry[]>([])),
    fc.oneof(field('success', fc.oneof(fc.constant(true), fc.constant('true'), fc.constant(1))), fc.constant<Entry[]>([])),
    extras,
  )
  .map((parts) => parts.flat())

/** RFC 7591 §3.2.1 client information. */
export const registrationBody: fc.Arbitrary<Entry[]> = fc
  .tuple(field('client_id', fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), anyString)), fc.oneof(field('client_name', anyString), fc.constant<Entry[]>([])), extras)
  .map((parts) => parts.flat())

export const randomObjectBody: fc.Arbitrary<Entry[]> = fc.array(fc.tuple(keyArb, rawValue), { maxLength: 6 }).map((xs) => xs.map(([k, v]): Entry => [k, v]))

export type BodySpec = { readonly top: 'object'; readonly entries: readonly Entry[] } | { readonly top: 'raw'; readonly text: string }

export type BodyKind = 'device' | 'token' | 'error' | 'message-code' | 'session' | 'approve' | 'registration' | 'random'
const BODIES: Record<BodyKind, fc.Arbitrary<Entry[]>> = {
  device: deviceBody,
  token: tokenBody,
  error: errorBody,
  'message-code': messageCodeBody,
  session: sessionBody,
  approve: approveBody,
  registration: registrationBody,
  random: randomObjectBody,
}

/** A body of the given kinds (weighted), or now and then not an object at all. */
export function bodyArb(kinds: Partial<Record<BodyKind, number>>): fc.Arbitrary<BodySpec> {
  const objects = Object.entries(kinds).map(([kind, weight]) => ({
    weight: weight ?? 1,
    arbitrary: BODIES[kind as BodyKind].map((entries): BodySpec => ({ top: 'object', entries })),
  }))
  return fc.oneof(...objects, {
    weight: 1,
    arbitrary: fc.oneof(rawValue, fc.constantFrom('', ' ', 'null', '<html><body>502 Bad Gateway</body></html>', 'OK', '{', '{"error":', '[]')).map((text): BodySpec => ({ top: 'raw', text })),
  })
}

// ---------------------------------------------------------------------------------------------
// Where a secret goes

/**
 * Where a property may put its secret in an answer.
 * - `field:*`: as the value of a secret-bearing member (or nested: `session.token`, `data.access_token`);
 * - `key:*`: as a member name;
 * - `query:*`: in the query of the verification URIs (and `error_uri`);
 * - `jwt-claim`: inside an ID token's claims;
 * - `header:*`: in a response header (a cookie, an authentication challenge, a content-type parameter);
 * - `free:*`: in server-written text that parsers show by design (error, error_description, message, …).
 */
export const SECRET_FIELD_PLACES = [
  'field:access_token', 'field:refresh_token', 'field:id_token', 'field:device_code', 'field:client_secret', 'field:token',
  'field:session_token', 'field:session.token', 'field:data.access_token', 'key:top', 'key:nested', 'query:verification_uri',
  'query:verification_uri_complete', 'query:error_uri', 'jwt-claim', 'header:x-token', 'header:set-cookie', 'header:www-authenticate',
  'header:content-type-parameter',
] as const
export const FREE_TEXT_PLACES = [
  'free:error', 'free:error_description', 'free:message', 'free:code', 'free:status', 'free:client_name', 'free:client_id', 'free:scope',
  'free:user.name', 'free:error_description-at-cap',
] as const
export type Place = (typeof SECRET_FIELD_PLACES)[number] | (typeof FREE_TEXT_PLACES)[number]

export function placesArb(places: readonly Place[]): fc.Arbitrary<Place[]> {
  return fc.subarray([...places], { minLength: 1, maxLength: 4 })
}

function setMember(entries: Entry[], key: string, value: string): Entry[] {
  // Appended last: with duplicated keys, the last one is what JSON.parse keeps.
  return [...entries.filter(([k]) => k !== key), [key, value]]
}

function stringOf(rawText: string | undefined): string | undefined {
  if (rawText === undefined) return undefined
  try {
    const value: unknown = JSON.parse(rawText)
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

function withQuery(url: string | undefined, secret: string): string {
  const base = url ?? 'https://as.example/device'
  return `${base}${base.includes('?') ? '&' : '?'}device_code=${encodeURIComponent(secret)}`
}

/** The body and headers with `secret` put in each of `places`. */
export function placeSecret(body: BodySpec, headers: readonly (readonly [string, string])[], places: readonly Place[], secret: string): { body: BodySpec; headers: [string, string][] } {
  let out = [...headers].map(([k, v]): [string, string] => [k, v])
  if (body.top === 'raw') {
    // Not an object: the secret can only be a value somewhere in it.
    const text = places.some((p) => !p.startsWith('header:')) ? `[${JSON.stringify(secret)},${body.text || 'null'}]` : body.text
    for (const place of places) if (place.startsWith('header:')) out = headerPlace(out, place, secret)
    return { body: { top: 'raw', text }, headers: out }
  }
  let entries = [...body.entries]
  const last = (key: string): string | undefined => entries.filter(([k]) => k === key).at(-1)?.[1]
  const quoted = JSON.stringify(secret)
  const text = (prefix: string): string => JSON.stringify(`${prefix} ${secret} was refused`)
  for (const place of places) {
    switch (place) {
      case 'field:access_token':
      case 'field:refresh_token':
      case 'field:id_token':
      case 'field:device_code':
      case 'field:client_secret':
      case 'field:token':
      case 'field:session_token':
        entries = setMember(entries, place.slice('field:'.length), quoted)
        break
      case 'field:session.token':
        entries = setMember(entries, 'session', JSON.stringify({ token: secret, expiresAt: '2026-01-02T00:00:00.000Z' }))
        break
      case 'field:data.access_token':
        entries.push(['data', JSON.stringify({ access_token: secret, nested: { refresh_token: secret } })])
        break
      case 'key:top':
        entries.push([secret, '1'])
        break
      case 'key:nested':
        entries.push(['extra', objectText([[secret, 'true']])])
        break
      case 'query:verification_uri':
        entries = setMember(entries, last('verification_url') !== undefined ? 'verification_url' : 'verification_uri', JSON.stringify(withQuery(stringOf(last('verification_uri') ?? last('verification_url')), secret)))
        break
      case 'query:verification_uri_complete':
        entries = setMember(entries, 'verification_uri_complete', JSON.stringify(withQuery(stringOf(last('verification_uri_complete')), secret)))
        break
      case 'query:error_uri':
        entries = setMember(entries, 'error_uri', JSON.stringify(withQuery('https://as.example/errors', secret)))
        break
      case 'jwt-claim': {
        const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')
        const now = 1_767_225_600
        const jwt = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: 'https://as.example', aud: 'client', sub: secret, nonce: secret, exp: now + 3600, iat: now })}.${secret}`
        entries = setMember(entries, 'id_token', JSON.stringify(jwt))
        break
      }
      case 'free:error':
        entries = setMember(entries, 'error', quoted)
        break
      case 'free:error_description':
        entries = setMember(entries, 'error_description', text('the code'))
        break
      case 'free:error_description-at-cap':
        // Where a 500-character cap cuts it: its head stays, the rest is gone.
        entries = setMember(entries, 'error_description', JSON.stringify(`${'x'.repeat(485)} ${secret} was refused`))
        break
      case 'free:message':
        entries = setMember(entries, 'message', text('token'))
        break
      case 'free:code':
        entries = setMember(entries, 'code', quoted)
        break
      case 'free:status':
        entries = setMember(entries, 'status', quoted)
        break
      case 'free:client_name':
        entries = setMember(entries, 'client_name', text('client'))
        break
      case 'free:client_id':
        entries = setMember(entries, 'client_id', quoted)
        break
      case 'free:scope':
        entries = setMember(entries, 'scope', JSON.stringify(`openid ${secret}`))
        break
      case 'free:user.name':
        entries = setMember(entries, 'user', JSON.stringify({ id: 'u1', name: secret, email: `${secret}@example.com` }))
        break
      default:
        out = headerPlace(out, place, secret)
    }
  }
  return { body: { top: 'object', entries }, headers: out }
}

function headerPlace(headers: [string, string][], place: Place, secret: string): [string, string][] {
  switch (place) {
    case 'header:x-token':
      return [...headers, ['x-token', secret]]
    case 'header:set-cookie':
      return [...headers, ['set-cookie', `sid=${secret}; HttpOnly`]]
    case 'header:www-authenticate':
      return [...headers, ['www-authenticate', `Bearer error="invalid_token", error_description="token ${secret} expired"`]]
    case 'header:content-type-parameter': {
      const type = headers.find(([k]) => k === 'content-type')?.[1] ?? 'application/json'
      return [...headers.filter(([k]) => k !== 'content-type'), ['content-type', `${type}; token=${secret}`]]
    }
    default:
      return headers
  }
}

// ---------------------------------------------------------------------------------------------
// Wire: encodings, headers, statuses, failures

export type Encoding =
  | { readonly kind: 'plain' }
  | { readonly kind: 'bom' }
  | { readonly kind: 'whitespace' }
  | { readonly kind: 'truncated'; readonly at: number }
  | { readonly kind: 'suffix'; readonly text: string }
  | { readonly kind: 'form' }
  | { readonly kind: 'html' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'padded'; readonly bytes: number }
  | { readonly kind: 'bad-utf8'; readonly at: number; readonly bytes: readonly number[] }

export const encodingArb: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 50, arbitrary: fc.constant<Encoding>({ kind: 'plain' }) },
  { weight: 1, arbitrary: fc.constant<Encoding>({ kind: 'bom' }) },
  { weight: 1, arbitrary: fc.constant<Encoding>({ kind: 'whitespace' }) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((at): Encoding => ({ kind: 'truncated', at })) },
  { weight: 1, arbitrary: fc.constantFrom('}', 'x', ',{}', '\u0000', '\n{"error":"x"}').map((text): Encoding => ({ kind: 'suffix', text })) },
  { weight: 2, arbitrary: fc.constant<Encoding>({ kind: 'form' }) },
  { weight: 1, arbitrary: fc.constant<Encoding>({ kind: 'html' }) },
  { weight: 1, arbitrary: fc.constant<Encoding>({ kind: 'empty' }) },
  // Past the flow log's 64 KiB inspection bound; rarely past createHttp's 1 MiB limit.
  { weight: 1, arbitrary: fc.constantFrom(70_000, 70_000, 70_000, 1_100_000).map((bytes): Encoding => ({ kind: 'padded', bytes })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xe2, 0x82], [0xc0, 0xaf], [0xfe, 0xff]))
      .map(([at, bytes]): Encoding => ({ kind: 'bad-utf8', at, bytes })),
  },
)

/** Header values Node's `Headers` accepts: any byte but NUL, CR and LF. */
const headerText = fc.string({ unit: fc.integer({ min: 1, max: 0xff }).filter((c) => c !== 0x0a && c !== 0x0d).map((c) => String.fromCharCode(c)), maxLength: 40 })

const contentTypeArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'Application/JSON', 'application/json;charset=ISO-8859-1', 'application/jwk-set+json', 'application/problem+json',
      'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'text/html', 'text/html; charset=utf-8',
      'text/plain', '*/*', 'application/json, text/html', ' application/json ', ';', 'text/\u001b[2Jhtml', 'text/\u009b31mhtml', 'application/\u00e9',
    ),
  },
  { weight: 1, arbitrary: headerText },
)

const retryAfterArb = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom('9'.repeat(400), '-5', '1.5', ' 10 ', '0', '1e3', '0x10', '', 'garbage', 'Fri, 31 Dec 9999 23:59:59 GMT', 'Thu, 01 Jan 1970 00:00:00 GMT'),
  fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true }).map((d) => d.toUTCString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  headerText,
)

export type ContentLength = { readonly kind: 'none' } | { readonly kind: 'exact'; readonly delta: number } | { readonly kind: 'text'; readonly value: string }
const contentLengthArb: fc.Arbitrary<ContentLength> = fc.oneof(
  { weight: 20, arbitrary: fc.constant<ContentLength>({ kind: 'none' }) },
  { weight: 2, arbitrary: fc.integer({ min: -20, max: 20 }).map((delta): ContentLength => ({ kind: 'exact', delta })) },
  { weight: 2, arbitrary: fc.constantFrom('0', '-1', '1e9', 'abc', '99999999999999999999', '1048577', '1048576', '65537', '', ' 5 ', '0x10', 'Infinity', 'NaN').map((value): ContentLength => ({ kind: 'text', value })) },
)

export const headersArb: fc.Arbitrary<[string, string][]> = fc
  .record(
    {
      contentType: fc.option(contentTypeArb, { nil: undefined, freq: 6 }),
      retryAfter: fc.option(retryAfterArb, { nil: undefined, freq: 2 }),
      others: fc.array(fc.tuple(fc.constantFrom('x-request-id', 'cache-control', 'www-authenticate', 'link', 'x-trace'), headerText), { maxLength: 2 }),
    },
    { requiredKeys: ['others'] },
  )
  .map(({ contentType, retryAfter, others }) => [
    ...(contentType === undefined ? [] : [['content-type', contentType] as [string, string]]),
    ...(retryAfter === undefined ? [] : [['retry-after', retryAfter] as [string, string]]),
    ...others.map(([k, v]): [string, string] => [k, v]),
  ])

/** Mostly one of `statuses`; now and then any status, or one that has no body. */
export function statusArb(statuses: readonly number[]): fc.Arbitrary<number> {
  return fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...statuses) }, { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) }, { weight: 1, arbitrary: fc.constantFrom(204, 205, 304) })
}

export const ANY_STATUSES = [200, 201, 400, 401, 403, 404, 408, 409, 410, 415, 418, 429, 500, 502, 503] as const

export type NetworkFailure = 'type-error-econnrefused' | 'type-error-no-code' | 'string' | 'undefined' | 'abort-error' | 'timeout-error' | 'error-quoting-secret' | 'plain-object' | 'linkscreen-network'

export type AnswerSpec =
  | {
      readonly kind: 'response'
      readonly status: number
      readonly headers: readonly (readonly [string, string])[]
      readonly body: BodySpec
      readonly encoding: Encoding
      readonly contentLength: ContentLength
      readonly places: readonly Place[]
    }
  | { readonly kind: 'broken-stream'; readonly status: number; readonly body: BodySpec }
  | { readonly kind: 'throw'; readonly failure: NetworkFailure }

/** A kind of answer: its bodies and the statuses that usually come with them. */
export interface AnswerVariant {
  readonly body: fc.Arbitrary<BodySpec>
  readonly statuses: readonly number[]
  readonly weight?: number
}

/** An answer: mostly a response of one of `variants`, now and then a network failure or a body stream that breaks. */
export function answerArb(variants: readonly AnswerVariant[], places: fc.Arbitrary<Place[]>): fc.Arbitrary<AnswerSpec> {
  const responses = variants.map((variant) => ({
    weight: variant.weight ?? 1,
    arbitrary: fc.record({
      kind: fc.constant('response' as const),
      status: statusArb(variant.statuses),
      headers: headersArb,
      body: variant.body,
      encoding: encodingArb,
      contentLength: contentLengthArb,
      places,
    }),
  }))
  return fc.oneof(
    { weight: 40, arbitrary: fc.oneof(...responses) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('broken-stream' as const), status: fc.constantFrom(200, 400, 500), body: variants[0]?.body ?? fc.constant<BodySpec>({ top: 'raw', text: '{}' }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('throw' as const),
        failure: fc.constantFrom<NetworkFailure>('type-error-econnrefused', 'type-error-no-code', 'string', 'undefined', 'abort-error', 'timeout-error', 'error-quoting-secret', 'plain-object', 'linkscreen-network'),
      }),
    },
  )
}

// ---------------------------------------------------------------------------------------------
// Builders

function formText(entries: readonly Entry[]): string {
  const params = new URLSearchParams()
  for (const [key, rawText] of entries) params.append(key, stringOf(rawText) ?? rawText)
  return params.toString()
}

export function bodyText(body: BodySpec): string {
  return body.top === 'object' ? objectText(body.entries) : body.text
}

/** The bytes of `body` under `encoding` (null for an empty body). */
export function bodyBytes(body: BodySpec, encoding: Encoding): Uint8Array {
  const text = bodyText(body)
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
  switch (encoding.kind) {
    case 'plain':
      return utf8(text)
    case 'bom':
      return utf8(`\ufeff${text}`)
    case 'whitespace':
      return utf8(`\r\n\t ${text} \n`)
    case 'truncated':
      return utf8(text.slice(0, Math.floor(text.length * encoding.at)))
    case 'suffix':
      return utf8(`${text}${encoding.text}`)
    case 'form':
      return utf8(body.top === 'object' ? formText(body.entries) : text)
    case 'html':
      return utf8(`<!doctype html><html><body><pre>${text}</pre></body></html>`)
    case 'empty':
      return new Uint8Array(0)
    case 'padded':
      return utf8(`${text}${' '.repeat(Math.max(0, encoding.bytes - text.length))}`)
    case 'bad-utf8': {
      const bytes = utf8(text)
      const at = Math.floor(bytes.length * encoding.at)
      const out = new Uint8Array(bytes.length + encoding.bytes.length)
      out.set(bytes.subarray(0, at), 0)
      out.set(encoding.bytes, at)
      out.set(bytes.subarray(at), at + encoding.bytes.length)
      return out
    }
  }
}

const NULL_BODY = new Set([101, 204, 205, 304])

/** Headers that `Headers` accepts, one by one (an invalid one is dropped rather than failing the run). */
function validHeaders(pairs: readonly (readonly [string, string])[]): Headers {
  const headers = new Headers()
  for (const [name, value] of pairs) {
    try {
      headers.append(name, value)
    } catch {
      // not a valid header value for this fetch implementation
    }
  }
  return headers
}

function networkFailure(failure: NetworkFailure, secret: string): unknown {
  switch (failure) {
    case 'type-error-econnrefused':
      return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ECONNREFUSED ${secret}`), { code: 'ECONNREFUSED' }) })
    case 'type-error-no-code':
      return new TypeError(`fetch failed: header authorization: Bearer ${secret}`)
    case 'string':
      return `failure ${secret}`
    case 'undefined':
      return undefined
    case 'abort-error':
      return new DOMException(`aborted ${secret}`, 'AbortError')
    case 'timeout-error':
      return new DOMException(`timed out ${secret}`, 'TimeoutError')
    case 'error-quoting-secret':
      return Object.assign(new Error(`request with client_secret=${secret} failed`), { code: `E${secret}`, body: secret })
    case 'plain-object':
      return { code: 'ECONNRESET', message: secret }
    case 'linkscreen-network':
      return Object.assign(new Error(`socket hang up ${secret}`), { code: 'UND_ERR_SOCKET' })
  }
}

/** The `Response` (or the failure) an answer stands for, with `secret` put in its places. */
export function buildAnswer(answer: AnswerSpec, secret: string): Response {
  if (answer.kind === 'throw') throw networkFailure(answer.failure, secret)
  if (answer.kind === 'broken-stream') {
    const bytes = new TextEncoder().encode(bodyText(answer.body))
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, Math.floor(bytes.length / 2)))
        controller.error(new Error(`stream broke after ${secret}`))
      },
    })
    return new Response(stream, { status: answer.status, headers: { 'content-type': 'application/json' } })
  }
  const placed = placeSecret(answer.body, answer.headers, answer.places, secret)
  const bytes = bodyBytes(placed.body, answer.encoding)
  const headers = validHeaders(placed.headers)
  const cl = answer.contentLength
  if (cl.kind === 'exact') headers.set('content-length', String(Math.max(0, bytes.byteLength + cl.delta)))
  else if (cl.kind === 'text') {
    try {
      headers.set('content-length', cl.value)
    } catch {
      // invalid header value
    }
  }
  return new Response(NULL_BODY.has(answer.status) ? null : (bytes as BodyInit), { status: answer.status, headers })
}

/** A fetch that answers request n with `answers[n]` (the last one again once they run out); `fixed` answers some URLs itself. */
export function scriptedFetch(answers: readonly AnswerSpec[], secret: string, fixed?: (url: string) => Response | undefined) {
  const requests: { url: string; init: RequestInit }[] = []
  let next = 0
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    requests.push({ url, init })
    const own = fixed?.(url)
    if (own) return own
    const answer = answers[Math.min(next++, answers.length - 1)]
    if (answer === undefined) throw new Error('no answer scripted')
    return buildAnswer(answer, secret)
  }
  return { fetch, requests }
}

// ---------------------------------------------------------------------------------------------
// The answers each request usually gets

/** To a device authorization request. */
export const CODE_VARIANTS: readonly AnswerVariant[] = [
  { body: bodyArb({ device: 8 }), statuses: [200], weight: 6 },
  { body: bodyArb({ error: 6, 'message-code': 2 }), statuses: [400, 401, 403, 404, 415, 429, 500, 503], weight: 2 },
  { body: bodyArb({ error: 1 }), statuses: [200] },
  { body: bodyArb({ random: 8 }), statuses: ANY_STATUSES },
]

/** To a token poll. */
export const POLL_VARIANTS: readonly AnswerVariant[] = [
  { body: bodyArb({ token: 8 }), statuses: [200], weight: 3 },
  { body: bodyArb({ error: 8 }), statuses: [400, 400, 400, 401, 403, 429, 500], weight: 4 },
  { body: bodyArb({ error: 8 }), statuses: [200] },
  { body: bodyArb({ 'message-code': 8 }), statuses: [400] },
  { body: bodyArb({ session: 8 }), statuses: [200] },
  { body: bodyArb({ random: 4, token: 1, error: 1 }), statuses: [400, 404, 409, 410, 418, 429] },
  { body: bodyArb({ random: 8 }), statuses: ANY_STATUSES },
]
