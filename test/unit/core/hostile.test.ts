/**
 * What a hostile or sloppy server can send, and what must never come of it: a secret in a
 * message, a control character on a terminal, a polluted prototype, a crash.
 */
import { describe, expect, it } from 'vitest'
import { createOAuth2Dialect } from '../../../electron/core/dialects/oauth2'
import { parseDeviceAuthorization } from '../../../electron/core/device-authorization'
import { runDeviceFlow, type FlowResult } from '../../../electron/core/flow'
import { createHttp } from '../../../electron/core/http'
import { cleanText } from '../../../electron/core/redact'
import { MAX_TOKEN_LIFETIME_SECONDS, outcomeForOAuthError, parseTokenSet } from '../../../electron/core/token-response'
import { parseConfig } from '../../../electron/core/config'
import { FakeClock } from '../../helpers/fake-clock'
import { DEVICE_ENDPOINT, ScriptedServer, TOKEN_ENDPOINT, deviceResponse, json, type Answer } from '../../helpers/scripted-server'

const DEVICE_CODE = String(deviceResponse()['device_code'])

async function flow(polls: Answer[], secrets: string[] = []): Promise<FlowResult> {
  const clock = new FakeClock()
  const server = new ScriptedServer(clock, polls)
  const dialect = createOAuth2Dialect(
    { id: 'p', clientId: 'c', clientSecret: 'CLIENT-SECRET-XYZ', endpoints: { deviceAuthorization: DEVICE_ENDPOINT, token: TOKEN_ENDPOINT } },
    { http: createHttp({ fetch: server.fetch, clock }), clock },
  )
  return clock.run(runDeviceFlow({ dialect, clock, secrets, pollMargin: () => 0 }))
}

describe('server text that echoes secrets is scrubbed', () => {
  it('a device code or client secret echoed in error_description is redacted', async () => {
    const result = await flow([json(400, { error: 'invalid_grant', error_description: `code ${DEVICE_CODE} for CLIENT-SECRET-XYZ is unknown` })], ['CLIENT-SECRET-XYZ'])
    expect(result.status).toBe('error')
    if (result.status !== 'error') return
    expect(result.error.message).toBe('p: token endpoint answered invalid_grant (code [redacted] for [redacted] is unknown)')
    expect(result.error.description).toBe('code [redacted] for [redacted] is unknown')
  })

  it('a denial description is scrubbed too', async () => {
    const result = await flow([json(400, { error: 'access_denied', error_description: `no for ${DEVICE_CODE}` })])
    expect(result).toEqual({ status: 'denied', description: 'no for [redacted]' })
  })
})

describe('control characters never reach a terminal', () => {
  it('an error code with escape sequences becomes invalid_error_code', async () => {
    const result = await flow([json(400, { error: '\u001b[2J\u001b]0;pwned\u0007invalid_client' })])
    expect(result.status === 'error' && result.error.oauthError).toBe('invalid_error_code')
  })

  it('descriptions lose C0, C1 and bidi controls', () => {
    expect(outcomeForOAuthError('access_denied', { error_description: 'a\u001b[31mb\u009b2Jc\u202edcba\u2066x' })).toEqual({ kind: 'denied', description: 'a [31mb 2Jc dcba x' })
    expect(cleanText('\u0000\u0007  Ada\u200f Lovelace\n')).toBe('Ada Lovelace')
  })

  it('a user code with a C1 control or a bidi override is refused', () => {
    for (const user_code of ['ABCD\u009bEFGH', 'ABCD\u202eEFGH']) {
      expect(() => parseDeviceAuthorization(deviceResponse({ user_code }), 0, 'w')).toThrow('"user_code" must contain only printable characters')
    }
  })
})

describe('sloppy but harmless answers are accepted', () => {
  it('a "never" token lifetime is clamped, not refused', () => {
    expect(parseTokenSet({ access_token: 'a', token_type: 'bearer', expires_in: 2 ** 31 - 1 }, 0, 'w').expires_in).toBe(MAX_TOKEN_LIFETIME_SECONDS)
  })

  it('slow_down with a numeric-string interval adopts it', () => {
    expect(outcomeForOAuthError('slow_down', { interval: '20' })).toEqual({ kind: 'slow_down', interval: 20 })
  })

  it('a "__proto__" member is kept whole and pollutes nothing', () => {
    const body = JSON.parse('{"access_token":"a","token_type":"bearer","__proto__":{"isAdmin":true}}') as unknown
    const tokens = parseTokenSet(body, 0, 'w')
    expect(Object.getPrototypeOf(tokens.extra)).toBe(Object.prototype)
    expect((tokens.extra as Record<string, unknown>)['isAdmin']).toBeUndefined()
    expect(Object.keys(tokens.extra)).toEqual(['__proto__'])
  })

  it('a verification_uri_complete on another origin is dropped (the QR code must lead where the text says)', () => {
    const parsed = parseDeviceAuthorization(deviceResponse({ verification_uri_complete: 'https://phish.example/device?user_code=WDJB-MJHT' }), 0, 'w')
    expect(parsed.verification_uri_complete).toBeUndefined()
  })

  it('a verification URI too long for a QR code is refused', () => {
    expect(() => parseDeviceAuthorization(deviceResponse({ verification_uri_complete: `https://as.example/device?x=${'a'.repeat(3000)}` }), 0, 'w')).toThrow(
      '"verification_uri_complete" must be at most 2048 characters',
    )
  })
})

describe('configuration text', () => {
  it('a JSON syntax error names the place, never the text around it', () => {
    const text = '{\n  "providers": [{"id": "x", "clientSecret": \'S3cr3t-VALUE\'}]\n}'
    expect(() => parseConfig(text, 'f.json')).toThrow(/^f\.json: not valid JSON \(line 2, column 45\)$/)
    try {
      parseConfig(text, 'f.json')
    } catch (error) {
      expect(String(error)).not.toContain('S3cr3t')
    }
  })

  it.each([
    ['{"a": 1,}', 'line 1, column 9'],
    ['{"a" 1}', 'line 1, column 6'],
    ['[1, 2', 'line 1, column 6'],
    ['{"a": tru}', 'line 1, column 7'],
    ['{"a": "x\u0001"}', 'line 1, column 9'],
    ['{}\n{}', 'line 2, column 1'],
    ['', 'line 1, column 1'],
  ])('locates the fault in %j at %s', (text, where) => {
    expect(() => parseConfig(text, 'f')).toThrow(`f: not valid JSON (${where})`)
  })

  it('a byte-order mark is ignored', () => {
    expect(parseConfig('\uFEFF{"providers": []}', 'f').providers).toEqual([])
  })

  it('a header value with a line break is refused', () => {
    const text = JSON.stringify({ providers: [{ id: 'x', dialect: 'oidc', issuer: 'https://a.example', clientId: 'c', headers: { authorization: 'Basic abc\nInjected: 1' } }] })
    expect(() => parseConfig(text, 'f')).toThrow('f: providers[0].headers.authorization: header values must not contain line breaks or NUL')
  })
})
