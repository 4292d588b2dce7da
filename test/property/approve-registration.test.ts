/**
 * Properties of the two core clients that are not dialects: approving a code from the desktop
 * (`approve.ts`: `normalizeUserCode`, and the answer handling of `claim` and `decide`) and
 * dynamic client registration (`registration.ts`).
 *
 * What may be shown: approve's messages name the user code (it is on the device's screen), and a
 * claimed request carries what the server says is asking (client id and name, scopes, the
 * approver's labels): server text, cleaned, shown to the approver by design. Registration returns
 * the client id and name the server chose. Neither may ever show the credential it holds (the
 * approver's session token; the initial access token), wherever the server puts it, its own
 * error text included: these modules are the last to know the credential before their errors
 * are printed.
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { ApproveError, createApprover, normalizeUserCode } from '../../electron/core/approve'
import { ErrorCode } from '../../electron/core/errors'
import { createHttp } from '../../electron/core/http'
import { registerDeviceClient } from '../../electron/core/registration'
import {
  ANY_STATUSES,
  FREE_TEXT_PLACES,
  NASTY_STRINGS,
  SECRET_FIELD_PLACES,
  answerArb,
  anyString,
  bodyArb,
  oddSecretArb,
  placesArb,
  scriptedFetch,
  secretArb,
  utf16Unit,
  type AnswerVariant,
} from './support/arbitraries'
import { LONE_SURROGATE, check, errorSurfaces, expectNoSecret, expectPrintable, expectTyped, runs, settle, stillClock } from './support/harness'

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
const ALL_PLACES = placesArb([...SECRET_FIELD_PLACES, ...FREE_TEXT_PLACES])

/** A code as a person may type it: anything, or a default-alphabet code dressed up with separators and case. */
const typedCode = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('WDJB-MJHT', 'wdjb mjht', ' ABCD-EFGH ', 'abc-1001', 'ÖKÖ-1') },
  { weight: 2, arbitrary: anyString },
  { weight: 1, arbitrary: fc.string({ unit: utf16Unit, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(192), 'A'.repeat(191), '---', '') },
)

describe('normalizeUserCode', () => {
  it('takes any text, is idempotent, and gives either a default-alphabet code or the input trimmed', () => {
    fc.assert(
      fc.property(fc.oneof(typedCode, fc.string({ unit: 'binary' }), fc.constantFrom(...NASTY_STRINGS)), (input) => {
        const out = normalizeUserCode(input)
        check(normalizeUserCode(out) === out, `not idempotent: ${JSON.stringify(input)} -> ${JSON.stringify(out)} -> ${JSON.stringify(normalizeUserCode(out))}`)
        check(/^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]+$/.test(out) || out === input.trim(), `${JSON.stringify(input)} -> ${JSON.stringify(out)}`)
      }),
      { numRuns: runs(500) },
    )
  })

  it('reads a default-alphabet code whatever its case and separators', () => {
    const separator = fc.constantFrom('-', ' ', '.', '\u2013', '_', '\t', '\u00a0', 'ö', '\u200b', '/')
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 1, maxLength: 12 }), fc.array(fc.tuple(fc.nat(), separator), { maxLength: 4 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (code, cuts, lower) => {
        let typed = [...code].map((c, i) => (lower[i] ? c.toLowerCase() : c)).join('')
        for (const [at, sep] of cuts) {
          const i = at % (typed.length + 1)
          typed = `${typed.slice(0, i)}${sep}${typed.slice(i)}`
        }
        check(normalizeUserCode(typed) === code, `${JSON.stringify(typed)} -> ${JSON.stringify(normalizeUserCode(typed))}, expected ${code}`)
      }),
      { numRuns: runs(300) },
    )
  })
})

/** Anything better-auth may answer, and the ways it refuses. */
const ANY_APPROVE_ANSWER: readonly AnswerVariant[] = [
  { body: bodyArb({ error: 8 }), statuses: [400, 400, 401, 403, 404, 429, 500], weight: 3 },
  { body: bodyArb({ 'message-code': 8 }), statuses: [400, 403, 500] },
  { body: bodyArb({ random: 8 }), statuses: ANY_STATUSES },
]
/** Mostly the server's text (where it would echo a token), now and then anywhere. */
const approvePlaces = fc.oneof(
  { weight: 3, arbitrary: placesArb(['free:error', 'free:error_description', 'free:message', 'free:code', 'free:status', 'free:client_name', 'free:user.name']) },
  { weight: 1, arbitrary: ALL_PLACES },
)
/** In order: GET /get-session, GET /device, (GET /device as typed), POST /device/approve|deny; each mostly as expected, else a refusal. */
const approveAnswers = fc.tuple(
  answerArb([{ body: bodyArb({ session: 8 }), statuses: [200], weight: 6 }, ...ANY_APPROVE_ANSWER], approvePlaces),
  answerArb([{ body: bodyArb({ approve: 8 }), statuses: [200], weight: 6 }, ...ANY_APPROVE_ANSWER], approvePlaces),
  answerArb([{ body: bodyArb({ approve: 8 }), statuses: [200], weight: 3 }, ...ANY_APPROVE_ANSWER], approvePlaces),
  answerArb([{ body: bodyArb({ approve: 8 }), statuses: [200], weight: 6 }, ...ANY_APPROVE_ANSWER], approvePlaces),
)

describe('approve: claim and decide', () => {
  it('(a) only LinkscreenError (ApproveError for refusals), bounded; (b) never the session token, wherever the server echoes it; (d) printable', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(secretArb, oddSecretArb), typedCode, fc.constantFrom('approve' as const, 'deny' as const), approveAnswers, async (token, code, decision, answers) => {
        const clock = stillClock()
        const { fetch } = scriptedFetch(answers, token)
        const approver = createApprover({ id: 'ba', baseUrl: 'https://as.example/api/auth/', headers: { 'x-tenant': 'acme' } }, token, { http: createHttp({ fetch, clock }) })
        const failed = (error: unknown, step: string): void => {
          expectTyped(error)
          if (error instanceof ApproveError) check(error.code === (error.reason === 'not_supported' ? ErrorCode.InvalidResponse : ErrorCode.OAuth), `ApproveError ${error.reason} with code ${error.code}`)
          expectNoSecret(errorSurfaces(error), token, `the ${step} error`)
          expectPrintable((error as Error).message, `the ${step} message`)
        }
        const claimed = await settle(() => approver.claim(code))
        if (!claimed.ok) return failed(claimed.error, 'claim')
        const request = claimed.value
        // What the server says is printable; the code is the one typed (its own characters are the typist's).
        for (const text of [request.clientId, request.clientName ?? '', ...request.scopes, ...(request.resources ?? []), ...Object.values(request.approver ?? {})]) {
          expectPrintable(text, 'the claimed request')
        }
        check(request.userCode === normalizeUserCode(code) || request.userCode === code.trim(), `claimed ${JSON.stringify(request.userCode)} for ${JSON.stringify(code)}`)
        check(!LONE_SURROGATE.test(request.userCode), 'a user code with a lone surrogate was claimed')
        const decided = await settle(() => approver.decide(request, decision))
        if (!decided.ok) return failed(decided.error, 'decision')
        check(decided.value.decision === decision && decided.value.userCode === request.userCode, 'the decision is not the one asked for')
      }),
      { numRuns: runs(400) },
    )
  })
})

const REGISTRATION_VARIANTS: readonly AnswerVariant[] = [
  { body: bodyArb({ registration: 8 }), statuses: [201, 200], weight: 3 },
  { body: bodyArb({ error: 8 }), statuses: [400, 401, 403, 500], weight: 2 },
  { body: bodyArb({ 'message-code': 8 }), statuses: [400, 401, 403] },
  { body: bodyArb({ random: 8 }), statuses: ANY_STATUSES },
]
const endpointArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('https://as.example/register', 'http://127.0.0.1:9/reg') }, { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS) })

describe('registerDeviceClient', () => {
  it('(a) only LinkscreenError, bounded; (b) never the initial access token; (d) printable messages and client id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(secretArb, oddSecretArb), endpointArb, fc.option(fc.constantFrom('openid', 'openid offline_access'), { nil: undefined }), answerArb(REGISTRATION_VARIANTS, ALL_PLACES), async (token, endpoint, scope, answer) => {
        const { fetch } = scriptedFetch([answer], token)
        const result = await settle(() => registerDeviceClient(createHttp({ fetch, clock: stillClock() }), endpoint, { name: 'Linkscreen on tv', scope, accessToken: token }, 'p'))
        if (result.ok) {
          check(result.value.client_id.length > 0 && result.value.client_id.length <= 512, 'client_id out of bounds')
          expectPrintable(result.value.client_id, 'the client id')
          if (result.value.client_name !== undefined) expectPrintable(result.value.client_name, 'the client name')
          return
        }
        expectTyped(result.error)
        expectNoSecret(errorSurfaces(result.error), token, 'the error')
        expectPrintable((result.error as Error).message, 'the message')
      }),
      { numRuns: runs(400) },
    )
  })
})
