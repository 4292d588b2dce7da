/**
 * A token that arrived as bytes that were not UTF-8 (decoded to U+FFFD), or with any other
 * character outside RFC 6749's VSCHAR, is not the token the server issued: the sign-in ends with
 * `invalid_response` instead of storing a token that fails at every use. Found by the fault
 * matrix (`invalid_utf8_token`); the matrix checks it over the wire against oidc-provider and
 * better-auth.
 */
import { describe, expect, it } from 'vitest'
import { parseTokenSet } from '../../electron/core/token-response'

describe('token characters (RFC 6749 Appendix A.12, A.17: 1*VSCHAR)', () => {
  it.each([
    ['a replacement character', 'access_token', 'abc\uFFFDdef'],
    ['a control character', 'access_token', 'abc\u0000def'],
    ['a line break', 'refresh_token', 'abc\ndef'],
    ['a non-ASCII letter', 'refresh_token', 'abcédef'],
  ])('%s in %s is refused, unquoted', (_what, field, value) => {
    const body = { access_token: 'at-ok', token_type: 'Bearer', refresh_token: 'rt-ok', [field]: value }
    let caught: unknown
    try {
      parseTokenSet(body, 0, 'p: token response')
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'invalid_response', message: `p: token response: "${field}" must be printable ASCII (RFC 6749 Appendix A)` })
    expect(String((caught as Error).message)).not.toContain(value)
  })

  it('every printable ASCII character is accepted', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('')
    expect(parseTokenSet({ access_token: printable, token_type: 'Bearer', refresh_token: printable }, 0, 'w')).toMatchObject({ access_token: printable, refresh_token: printable })
  })
})
