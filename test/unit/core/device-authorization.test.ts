import { describe, expect, it } from 'vitest'
import { parseDeviceAuthorization } from '../../../electron/core/device-authorization'
import { LinkscreenError } from '../../../electron/core/errors'
import { deviceResponse } from '../../helpers/scripted-server'

const NOW = Date.UTC(2026, 0, 1)
const where = 'test: device authorization response'

function failure(body: unknown): LinkscreenError {
  try {
    parseDeviceAuthorization(body, NOW, where)
  } catch (error) {
    if (error instanceof LinkscreenError) return error
    throw error
  }
  throw new Error('expected a LinkscreenError')
}

describe('device authorization response, field by field (RFC 8628 §3.2)', () => {
  it('accepts a standard response and stamps the wall-clock deadline', () => {
    const parsed = parseDeviceAuthorization(deviceResponse(), NOW, where)
    expect(parsed).toEqual({ ...deviceResponse(), expires_at: NOW + 1800_000 })
  })

  it('defaults interval to 5 seconds', () => {
    expect(parseDeviceAuthorization(deviceResponse({ interval: undefined }), NOW, where).interval).toBe(5)
  })

  it('allows plain http: verification URIs on loopback hosts only', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:3000', '[::1]:9000']) {
      expect(() => parseDeviceAuthorization(deviceResponse({ verification_uri: `http://${host}/device`, verification_uri_complete: undefined }), NOW, where)).not.toThrow()
    }
  })

  const INVALID: [string, unknown, string, string][] = [
    ['a body that is not an object', ['device_code'], 'invalid_response', 'body must be a JSON object, got an array'],
    ['null', null, 'invalid_response', 'body must be a JSON object, got null'],
    ['missing device_code', deviceResponse({ device_code: undefined }), 'invalid_response', '"device_code" is missing'],
    ['numeric device_code', deviceResponse({ device_code: 42 }), 'invalid_response', '"device_code" must be a string, got a number'],
    ['empty user_code', deviceResponse({ user_code: '' }), 'invalid_response', '"user_code" must not be empty'],
    ['absurdly long user_code', deviceResponse({ user_code: 'A'.repeat(65) }), 'invalid_response', '"user_code" must be at most 64 characters'],
    ['user_code with control characters', deviceResponse({ user_code: 'AB\u001b[2JCD' }), 'invalid_response', '"user_code" must contain only printable characters'],
    ['missing verification_uri', deviceResponse({ verification_uri: undefined }), 'invalid_response', '"verification_uri" is missing'],
    ['relative verification_uri', deviceResponse({ verification_uri: '/device' }), 'invalid_response', '"verification_uri" is not an absolute URL'],
    ['http: verification_uri on a public host', deviceResponse({ verification_uri: 'http://as.example/device' }), 'insecure_url', '"verification_uri" must use https:'],
    ['javascript: verification_uri', deviceResponse({ verification_uri: 'javascript:alert(1)' }), 'insecure_url', '"verification_uri" must use https:'],
    ['http: verification_uri_complete', deviceResponse({ verification_uri_complete: 'http://evil.example/?c=1' }), 'insecure_url', '"verification_uri_complete" must use https:'],
    ['credentials in the verification URI', deviceResponse({ verification_uri: 'https://user:pw@as.example/device' }), 'insecure_url', 'must not contain credentials'],
    ['missing expires_in', deviceResponse({ expires_in: undefined }), 'invalid_response', '"expires_in" is missing'],
    ['negative expires_in', deviceResponse({ expires_in: -5 }), 'invalid_response', '"expires_in" must be between 1 and 86400 seconds, got -5'],
    ['zero expires_in', deviceResponse({ expires_in: 0 }), 'invalid_response', '"expires_in" must be between 1 and 86400 seconds, got 0'],
    ['absurd expires_in', deviceResponse({ expires_in: 1e12 }), 'invalid_response', '"expires_in" must be between 1 and 86400 seconds'],
    ['string expires_in', deviceResponse({ expires_in: 'soon' }), 'invalid_response', '"expires_in" must be a number of seconds, got a string'],
    ['NaN-like expires_in', deviceResponse({ expires_in: {} }), 'invalid_response', '"expires_in" must be a number of seconds, got an object'],
    ['zero interval', deviceResponse({ interval: 0 }), 'invalid_response', '"interval" must be between 1 and 600 seconds, got 0'],
    ['negative interval', deviceResponse({ interval: -1 }), 'invalid_response', '"interval" must be between 1 and 600 seconds, got -1'],
    ['absurd interval', deviceResponse({ interval: 86_400 }), 'invalid_response', '"interval" must be between 1 and 600 seconds, got 86400'],
    ['boolean interval', deviceResponse({ interval: true }), 'invalid_response', '"interval" must be a number of seconds, got a boolean'],
  ]

  for (const [name, body, code, message] of INVALID) {
    it(`refuses ${name}`, () => {
      const error = failure(body)
      expect(error.code).toBe(code)
      expect(error.message).toContain(message)
      expect(error.message.startsWith('test: device authorization response')).toBe(true)
    })
  }

  it('never quotes the device code in an error', () => {
    const secret = 'SECRET-DEVICE-CODE-0123456789'
    const error = failure(deviceResponse({ device_code: secret, expires_in: 'x' }))
    expect(error.message).not.toContain(secret)
  })
})
