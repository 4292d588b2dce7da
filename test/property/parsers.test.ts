/**
 * Properties of the core's shared response parsers: the device authorization parser, the token
 * set parser, the token error classifier, `readJsonBody`, `retryAfterMs`, and the text cleaners
 * they use.
 *
 * What each may show (and so where the secret is not put):
 * - `parseDeviceAuthorization`, `parseTokenSet`: nothing from the body but the host of a refused
 *   verification URI (it is on screen when accepted) and the number in a refused lifetime. The
 *   secret goes everywhere else, server-written text included.
 * - `classifyTokenErrorResponse`: the server's `error` and `error_description` are returned by
 *   design (shown to people after the flow runner scrubs the secrets it knows; see
 *   dialects.test.ts, "the flow runner"), and the media type of a refused answer. The secret goes
 *   everywhere else.
 */
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { describe, it } from 'vitest'
import { DEFAULT_INTERVAL_SECONDS, MAX_EXPIRES_IN_SECONDS, MAX_INTERVAL_SECONDS, MAX_USER_CODE_LENGTH, parseDeviceAuthorization } from '../../electron/core/device-authorization'
import { ErrorCode } from '../../electron/core/errors'
import { createHttp, readJsonBody, retryAfterMs } from '../../electron/core/http'
import { UNSAFE_TEXT, cleanText } from '../../electron/core/redact'
import { MAX_TOKEN_LIFETIME_SECONDS, classifyTokenErrorResponse, cleanDescription, cleanErrorCode, outcomeForOAuthError, parseTokenSet } from '../../electron/core/token-response'
import type { DeviceAuthorization, PollOutcome, TokenSet } from '../../electron/core/types'
import {
  FREE_TEXT_PLACES,
  POLL_VARIANTS,
  SECRET_FIELD_PLACES,
  anyString,
  answerArb,
  bodyArb,
  bodyBytes,
  bodyText,
  buildAnswer,
  encodingArb,
  headersArb,
  placeSecret,
  placesArb,
  rawValue,
  secretArb,
  type BodySpec,
  type Place,
} from './support/arbitraries'
import { checkDeviceAuthorization, checkOutcome, checkTokenSet } from './support/checks'
import { LONE_SURROGATE, attempt, check, errorSurfaces, expectNoSecret, expectPrintable, expectTyped, runs, settle, stillClock } from './support/harness'

const NOW = Date.UTC(2026, 0, 1)
const WHERE = 'p: response'

/** The body as a parser gets it: parsed JSON, or (for text that is not JSON) the text itself. */
function parsed(body: BodySpec): unknown {
  const text = bodyText(body)
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

const BODY_PLACES: readonly Place[] = [...SECRET_FIELD_PLACES.filter((p) => !p.startsWith('header:')), ...FREE_TEXT_PLACES]

const anyInput = fc.oneof(
  { weight: 6, arbitrary: bodyArb({ device: 8, token: 1, error: 1, random: 1 }).map(parsed) },
  { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true, withObjectString: true }) },
)

describe('parseDeviceAuthorization', () => {
  it('(a) throws only invalid_response or insecure_url, and (c) whatever it accepts is safe and bounded', () => {
    fc.assert(
      fc.property(anyInput, (body) => {
        const result = attempt(() => parseDeviceAuthorization(body, NOW, WHERE))
        if (!result.ok) return expectTyped(result.error, [ErrorCode.InvalidResponse, ErrorCode.InsecureUrl])
        checkDeviceAuthorization(result.value, NOW)
      }),
      { numRuns: runs(500) },
    )
  })

  it('(c) keeps a safe complete URI on the same origin, and drops one on another origin', () => {
    const origin = fc.constantFrom('https://as.example', 'https://as.example:8443', 'https://other.example', 'http://127.0.0.1:8080', 'http://localhost')
    fc.assert(
      fc.property(origin, origin, fc.constantFrom('/device', '/activate?user_code=WDJB'), (a, b, path) => {
        const result = parseDeviceAuthorization(
          { device_code: 'dc', user_code: 'WDJB-MJHT', verification_uri: `${a}/device`, verification_uri_complete: `${b}${path}`, expires_in: 600 },
          NOW,
          WHERE,
        )
        check((result.verification_uri_complete !== undefined) === (new URL(a).origin === new URL(b).origin), `complete ${b}${path} for ${a}: ${result.verification_uri_complete}`)
        check(result.interval === DEFAULT_INTERVAL_SECONDS, 'no interval means 5 s')
      }),
      { numRuns: runs(100) },
    )
  })

  it('(b) never quotes a secret, wherever the body holds it', () => {
    fc.assert(
      fc.property(secretArb, bodyArb({ device: 8, random: 1 }), placesArb(BODY_PLACES), (secret, body, places) => {
        const placed = placeSecret(body, [], places, secret).body
        const result = attempt(() => parseDeviceAuthorization(parsed(placed), NOW, WHERE))
        if (result.ok) return
        expectTyped(result.error)
        expectNoSecret(errorSurfaces(result.error), secret, 'the error')
      }),
      { numRuns: runs(500) },
    )
  })

  it('(d) its messages hold no control characters', () => {
    fc.assert(
      fc.property(anyInput, (body) => {
        const result = attempt(() => parseDeviceAuthorization(body, NOW, WHERE))
        if (!result.ok) expectPrintable((result.error as Error).message, 'the message')
      }),
      { numRuns: runs(300) },
    )
  })
})

describe('parseTokenSet', () => {
  const input = fc.oneof({ weight: 6, arbitrary: bodyArb({ token: 8, session: 1, random: 1 }).map(parsed) }, { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withBigInt: true }) })

  it('(a) throws only invalid_response; an accepted set is whole, bounded, and pollutes no prototype', () => {
    fc.assert(
      fc.property(input, fc.option(fc.constantFrom('bearer', 'Bearer'), { nil: undefined }), (body, defaultType) => {
        const result = attempt(() => parseTokenSet(body, NOW, WHERE, defaultType))
        check(Object.getOwnPropertyNames(Object.prototype).every((k) => k !== 'isAdmin' && k !== 'polluted'), 'Object.prototype was polluted')
        if (!result.ok) return expectTyped(result.error, [ErrorCode.InvalidResponse])
        checkTokenSet(result.value, NOW)
      }),
      { numRuns: runs(400) },
    )
  })

  it('(b) never quotes a secret, wherever the body holds it', () => {
    fc.assert(
      fc.property(secretArb, bodyArb({ token: 8, random: 1 }), placesArb(BODY_PLACES), (secret, body, places) => {
        const result = attempt(() => parseTokenSet(parsed(placeSecret(body, [], places, secret).body), NOW, WHERE))
        if (result.ok) return
        expectTyped(result.error)
        expectNoSecret(errorSurfaces(result.error), secret, 'the error')
        expectPrintable((result.error as Error).message, 'the message')
      }),
      { numRuns: runs(400) },
    )
  })
})

const CLASSIFY_PLACES: readonly Place[] = [...SECRET_FIELD_PLACES, ...FREE_TEXT_PLACES.filter((p) => !['free:error', 'free:error_description', 'free:error_description-at-cap'].includes(p))]
const errorAnswer = answerArb([{ body: bodyArb({ error: 8, 'message-code': 1, token: 1, random: 1 }), statuses: [400, 400, 401, 403, 404, 408, 409, 410, 418, 429, 500, 502, 503] }], placesArb(CLASSIFY_PLACES))

describe('classifyTokenErrorResponse', () => {
  it('(a)(b) returns a well-formed outcome or throws invalid_response, and neither holds a secret the body carried', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, errorAnswer, async (secret, answer) => {
        if (answer.kind !== 'response') return
        const response = buildAnswer(answer, secret)
        const body = await readJsonBody(response)
        const result = attempt(() => classifyTokenErrorResponse(response, body, NOW, WHERE))
        if (result.ok) {
          checkOutcome(result.value)
          if (response.status === 429) check(result.value.kind === 'rate_limited', '429 must be rate_limited')
          if (response.status === 408 || response.status >= 500) check(result.value.kind === 'transient', `${response.status} must be transient`)
          expectNoSecret([JSON.stringify(result.value)], secret, 'the outcome')
          return
        }
        expectTyped(result.error, [ErrorCode.InvalidResponse])
        expectNoSecret(errorSurfaces(result.error), secret, 'the error')
      }),
      { numRuns: runs(400) },
    )
  })

  it('(d) its messages hold no control characters, whatever the content type', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, errorAnswer, async (secret, answer) => {
        if (answer.kind !== 'response') return
        const response = buildAnswer(answer, secret)
        const result = attempt(() => classifyTokenErrorResponse(response, undefined, NOW, WHERE))
        if (!result.ok) expectPrintable((result.error as Error).message, 'the message')
      }),
      { numRuns: runs(300) },
    )
  })

  it('outcomeForOAuthError and cleanErrorCode take any value', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.anything()), rawValue, (error, rawBody) => {
        const code = cleanErrorCode(error)
        check(/^[\x20-\x7e]{1,64}$/.test(code), `cleanErrorCode gave ${JSON.stringify(code)}`)
        let body: unknown
        try {
          body = JSON.parse(rawBody)
        } catch {
          body = {}
        }
        const object = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
        checkOutcome(outcomeForOAuthError(code, object))
      }),
      { numRuns: runs(300) },
    )
  })
})

describe('cleanText and cleanDescription', () => {
  it('leave no control characters, stay within their cap, and never cut a character in half', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ unit: 'binary', minLength: 400, maxLength: 700 })), fc.integer({ min: 1, max: 600 }), (text, max) => {
        const out = cleanText(text, max)
        check(out.length <= max, `longer than ${max}`)
        expectPrintable(out, 'cleanText')
        if (!LONE_SURROGATE.test(text)) check(!LONE_SURROGATE.test(out), `cleanText cut a surrogate pair: …${JSON.stringify(out.slice(-4))}`)
        const description = cleanDescription(text)
        check(description === undefined || (description.length > 0 && description.length <= 500), 'cleanDescription out of bounds')
      }),
      { numRuns: runs(300) },
    )
  })
})

describe('readJsonBody and retryAfterMs', () => {
  const wire = fc.record({ body: bodyArb({ token: 1, error: 1, device: 1, random: 2 }), encoding: encodingArb, headers: headersArb, status: fc.constantFrom(200, 400, 500, 204) })

  it('readJsonBody never throws on a buffered answer, agrees with JSON.parse of the decoded text, and leaves the body readable', async () => {
    await fc.assert(
      fc.asyncProperty(wire, async ({ body, encoding, headers, status }) => {
        const bytes = bodyBytes(body, encoding)
        const response = new Response(status === 204 ? null : (bytes as BodyInit), { status, headers: headers.filter(([, v]) => !/[\r\n\0]/.test(v)) })
        const result = await settle(() => readJsonBody(response))
        check(result.ok, `readJsonBody threw ${String(!result.ok && result.error)}`)
        const text = status === 204 ? '' : new TextDecoder().decode(bytes)
        let expected: unknown
        try {
          expected = text.trim() === '' ? undefined : (JSON.parse(text) as unknown)
        } catch {
          expected = undefined
        }
        check(isDeepStrictEqual(result.value, expected), 'readJsonBody disagrees with JSON.parse')
        check((await response.text()) === text, 'the body is no longer readable')
      }),
      { numRuns: runs(300) },
    )
  })

  it('retryAfterMs is undefined or within [0, 1 h], for any header value and clock', () => {
    fc.assert(
      fc.property(headersArb, fc.oneof(fc.string(), fc.nat().map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())), fc.integer({ min: -8.64e15, max: 8.64e15 }), (headers, value, now) => {
        const h = new Headers()
        for (const [k, v] of headers) h.append(k, v)
        try {
          h.set('retry-after', value)
        } catch {
          // not a valid header value
        }
        const ms = retryAfterMs(h, now)
        check(ms === undefined || (Number.isFinite(ms) && ms >= 0 && ms <= 3_600_000), `retryAfterMs gave ${ms}`)
        if (/^\s*\d+\s*$/.test(h.get('retry-after') ?? '')) check(ms === Math.min(Number(h.get('retry-after')) * 1000, 3_600_000), 'seconds are taken as they are')
      }),
      { numRuns: runs(300) },
    )
  })

  it('createHttp throws only its four codes and never quotes what a failure carried; its answer reads back whole', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, answerArb(POLL_VARIANTS, placesArb(SECRET_FIELD_PLACES)), async (secret, answer) => {
        const http = createHttp({ fetch: async () => buildAnswer(answer, secret), clock: stillClock() })
        const result = await settle(() => http('https://as.example/token', { method: 'POST' }))
        if (result.ok) {
          check(answer.kind === 'response', 'a broken stream or a failed fetch must not answer')
          const again = buildAnswer(answer, secret)
          check(result.value.status === again.status, 'status changed')
          check((await result.value.text()) === (await again.text()), 'body changed')
          return
        }
        expectTyped(result.error, [ErrorCode.Network, ErrorCode.Timeout, ErrorCode.Aborted, ErrorCode.ResponseTooLarge])
        expectNoSecret(errorSurfaces(result.error), secret, 'the error')
        expectPrintable((result.error as Error).message, 'the message')
      }),
      { numRuns: runs(300) },
    )
  })
})
