/**
 * Every dialect's `requestCode` and `poll`, built with `createDialect` as the app builds them
 * (behind `createHttp`, sometimes also behind the flow log recorder), fed generated answers.
 *
 * (a) They settle within the bound and throw only `LinkscreenError` (a returned `PollOutcome` is
 *     fine, and must be well-formed); (c) a device authorization they return is safe and bounded.
 * (b) Secrets: the property's secret is the client secret and/or the device code being polled,
 *     and is put in secret-bearing places of the answer (token fields, keys, URL queries, ID token
 *     claims, headers). Neither an error nor an outcome other than `authorized` (whose tokens are
 *     the point) may hold it.
 *     Server-written text (`error`, `error_description`, better-auth's `message` and `code`) is
 *     returned by the dialects on purpose and scrubbed by the flow runner of the secrets it knows
 *     (the client secret it is given, every device code): that is the last property here, where
 *     the secret goes everywhere, free text included.
 * (d) Messages hold no control characters.
 *
 * Shown by design, so not checked for the secret: what an accepted `requestCode` returns (the
 * device code, the verification URIs with their queries, Microsoft's `message`: the provider's
 * own text, shown or encoded in the QR code as it wrote it) and an `authorized` outcome's tokens
 * and account.
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { createDialect } from '../../electron/core/dialects'
import { runDeviceFlow, type FlowEvent } from '../../electron/core/flow'
import { createFlowRecorder } from '../../electron/core/flow-log'
import { createHttp } from '../../electron/core/http'
import type { Clock, FetchLike, PollOutcome } from '../../electron/core/types'
import { FakeClock } from '../helpers/fake-clock'
import { checkDeviceAuthorization, checkOutcome, checkTokenSet } from './support/checks'
import {
  FREE_TEXT_PLACES,
  SECRET_FIELD_PLACES,
  ANY_STATUSES,
  CODE_VARIANTS,
  POLL_VARIANTS,
  answerArb,
  bodyArb,
  oddSecretArb,
  placesArb,
  scriptedFetch,
  secretArb,
  PROTOTYPE_NAMES,
  bodyText,
  type AnswerSpec,
  type AnswerVariant,
  type Entry,
} from './support/arbitraries'
import { DIALECT_NAMES, NOW, ORIGIN, authorizationWith, discoveryAnswer, providerFor } from './support/dialects'
import { errorSurfaces, expectNoSecret, expectPrintable, expectTyped, runs, settle, stillClock } from './support/harness'

const codeAnswers = fc.array(answerArb(CODE_VARIANTS, placesArb(SECRET_FIELD_PLACES)), { minLength: 1, maxLength: 2 })
const pollAnswers = fc.array(answerArb(POLL_VARIANTS, placesArb(SECRET_FIELD_PLACES)), { minLength: 1, maxLength: 3 })

const roles = fc.record({ clientSecret: fc.boolean(), deviceCode: fc.boolean(), recorded: fc.boolean(), encoding: fc.constantFrom('json' as const, 'form' as const, 'multipart' as const) })

function setup(name: (typeof DIALECT_NAMES)[number], secret: string, answers: readonly AnswerSpec[], role: { clientSecret: boolean; recorded: boolean; encoding: 'json' | 'form' | 'multipart' }, clock: Clock = stillClock(NOW)) {
  const { fetch } = scriptedFetch(answers, secret, discoveryAnswer)
  const bounded = createHttp({ fetch, clock })
  const recorder = createFlowRecorder({ clock })
  const http: FetchLike = role.recorded ? recorder.wrap(bounded) : bounded
  const dialect = createDialect(providerFor(name, role.clientSecret ? secret : 'cs-not-the-secret', role.encoding), { http, clock })
  return { dialect, recorder }
}


describe.each(DIALECT_NAMES)('dialect %s', (name) => {
  it('requestCode: (a) typed errors only, bounded; (b) no secret in an error; (c) an accepted code is safe and bounded', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, roles, codeAnswers, async (secret, role, answers) => {
        const { dialect } = setup(name, secret, answers, role)
        const result = await settle(() => dialect.requestCode())
        if (result.ok) return checkDeviceAuthorization(result.value, NOW)
        expectTyped(result.error)
        expectNoSecret(errorSurfaces(result.error), secret, 'the error')
      }),
      { numRuns: runs(250) },
    )
  })

  it('poll: (a) a well-formed outcome or a typed error, bounded; (b) no secret in an error or an outcome other than authorized', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, roles, pollAnswers, async (secret, role, answers) => {
        const { dialect } = setup(name, secret, answers, role)
        const result = await settle(() => dialect.poll(authorizationWith(role.deviceCode ? secret : 'dc-not-the-secret')))
        if (result.ok) {
          const outcome = result.value
          checkOutcome(outcome)
          if (outcome.kind === 'authorized') return checkTokenSet(outcome.tokens, NOW)
          return expectNoSecret([JSON.stringify(outcome)], secret, `the ${outcome.kind} outcome`)
        }
        expectTyped(result.error)
        expectNoSecret(errorSurfaces(result.error), secret, 'the error')
      }),
      { numRuns: runs(250) },
    )
  })
})

describe('GitHub error codes named after Object.prototype members', () => {
  // dialects/github.ts once looked the server's `error` up in plain objects: "constructor",
  // "toString", "__proto__"… found Object.prototype's members, and a description was a function.
  it('requestCode and poll: an error code named after an Object.prototype member still gives text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PROTOTYPE_NAMES), fc.constantFrom('code' as const, 'poll' as const), async (error, op) => {
        const answer: AnswerSpec = { kind: 'response', status: 200, headers: [['content-type', 'application/json']], body: { top: 'object', entries: [['error', JSON.stringify(error)]] }, encoding: { kind: 'plain' }, contentLength: { kind: 'none' }, places: [] }
        const { dialect } = setup('github', 'cs', [answer], { clientSecret: false, recorded: false, encoding: 'json' })
        const result = await settle<unknown>(() => (op === 'code' ? dialect.requestCode() : dialect.poll(authorizationWith('dc'))))
        if (result.ok) checkOutcome(result.value as PollOutcome)
        else expectTyped(result.error)
      }),
      { numRuns: runs(20) },
    )
  })
})

describe('(d) dialect messages hold no control characters', () => {
  // The media type of a refused answer reaches messages through dialects/standard.ts
  // `failedResponse` (and id-token.ts for a JWKS answer): both clean it now.
  it.each(DIALECT_NAMES)('%s: requestCode and poll', async (name) => {
    await fc.assert(
      fc.asyncProperty(secretArb, roles, codeAnswers, pollAnswers, async (secret, role, code, poll) => {
        for (const op of ['code', 'poll'] as const) {
          const { dialect } = setup(name, secret, op === 'code' ? code : poll, role)
          const result = await settle<unknown>(() => (op === 'code' ? dialect.requestCode() : dialect.poll(authorizationWith('dc'))))
          if (!result.ok) expectPrintable((result.error as Error).message, `the ${op} error message`)
        }
      }),
      { numRuns: runs(150) },
    )
  })
})

/** A device authorization answer the flow accepts, with `deviceCode`. */
function validCode(deviceCode: string): AnswerSpec {
  const entries: Entry[] = [
    ['device_code', JSON.stringify(deviceCode)],
    ['user_code', '"WDJB-MJHT"'],
    ['verification_uri', JSON.stringify(`${ORIGIN}/device`)],
    ['expires_in', '30'],
    ['interval', '5'],
  ]
  return { kind: 'response', status: 200, headers: [['content-type', 'application/json']], body: { top: 'object', entries }, encoding: { kind: 'plain' }, contentLength: { kind: 'none' }, places: [] }
}

/** Mostly the server-written text dialects pass on (the secret-bearing fields are covered above), now and then anywhere. */
const flowPlaces = fc.oneof(
  { weight: 4, arbitrary: placesArb(['free:error', 'free:error_description', 'free:error_description-at-cap', 'free:message', 'free:code']) },
  { weight: 1, arbitrary: placesArb([...SECRET_FIELD_PLACES, ...FREE_TEXT_PLACES]) },
)
/** Mostly error answers, in each dialect's manner. */
const FLOW_POLL_VARIANTS: readonly AnswerVariant[] = [
  { body: bodyArb({ error: 8 }), statuses: [400, 400, 401, 403], weight: 4 },
  { body: bodyArb({ error: 8 }), statuses: [200] },
  { body: bodyArb({ 'message-code': 8 }), statuses: [400], weight: 2 },
  { body: bodyArb({ token: 8 }), statuses: [200] },
  { body: bodyArb({ random: 8 }), statuses: ANY_STATUSES },
]
const flowPollAnswers = fc.array(answerArb(FLOW_POLL_VARIANTS, flowPlaces), { minLength: 1, maxLength: 2 })
const flowCodeAnswer = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  // Refusals only: an accepted code may live a day at a 1 s interval (86,400 polls), too long a run here.
  { weight: 1, arbitrary: answerArb([{ body: bodyArb({ error: 6, 'message-code': 2, random: 1 }), statuses: [400, 401, 403, 404, 415, 429, 500, 503] }], flowPlaces) },
)

describe('the flow runner scrubs what dialects pass on', () => {
  it.each(DIALECT_NAMES)(
    '%s: no event and no result but the code and the tokens holds the client secret or the device code, even where the server quotes them in its own text',
    async (name) => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(secretArb, oddSecretArb), roles, flowCodeAnswer, flowPollAnswers, async (secret, role, codeAnswer, polls) => {
          const clock = new FakeClock(NOW)
          // The secret is one the flow knows: the client secret (given as `secrets`, as the CLI does) or
          // the device code (only known once a code was received).
          const asClientSecret = role.clientSecret || !role.deviceCode || codeAnswer !== undefined
          const answers = [codeAnswer ?? validCode(role.deviceCode ? secret : 'dc-not-the-secret'), ...polls]
          const { dialect } = setup(name, secret, answers, { ...role, clientSecret: asClientSecret }, clock)
          const events: FlowEvent[] = []
          const result = await settle(() =>
            clock.run(runDeviceFlow({ dialect, clock, secrets: asClientSecret ? [secret] : [], pollMargin: () => 0, onEvent: (e) => events.push(e) })),
          )
          if (!result.ok) throw new Error(`runDeviceFlow threw: ${String(result.error)}`)
          const end = result.value
          if (end.status === 'error') {
            expectTyped(end.error)
            expectNoSecret(errorSurfaces(end.error), secret, 'the flow error')
          } else if (end.status === 'denied') expectNoSecret([JSON.stringify(end)], secret, 'the denial')
          for (const event of events) {
            if (event.type === 'code' || event.type === 'renewed' || event.type === 'authorized') continue
            expectNoSecret(event.type === 'error' ? errorSurfaces(event.error) : [JSON.stringify(event)], secret, `the ${event.type} event`)
          }
        }),
        { numRuns: runs(150) },
      )
    },
  )
})
