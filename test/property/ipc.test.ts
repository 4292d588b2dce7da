/**
 * The IPC request validator (`validateRequest`, shared by the Electron handlers and `linkscreen
 * serve`), for every channel, against arbitrary requests: near-valid shapes with hostile values,
 * extra keys, `__proto__`, huge strings, cycles, BigInts, Maps, null-prototype objects.
 *
 * (a) It returns or throws `ContractError` (never anything else); (c) what it returns is exactly
 * the channel's shape; (b) it never quotes a value of the request (keys may be named: zod lists
 * unknown keys; the renderer holds no secrets, but a value may still be someone's user code);
 * (d) its messages are printable.
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { INVOKE_CHANNELS, type InvokeChannel } from '../../electron/ipc/contract'
import { ContractError, MAX_REQUEST_CHARS, validateRequest } from '../../electron/ipc/dispatch'
import { EVIL_KEYS, NASTY_STRINGS, anyString, keyArb, secretArb } from './support/arbitraries'
import { attempt, check, expectNoSecret, expectPrintable, runs } from './support/harness'

const MARK = '$VALUE$'

const stringValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('corp', 'a.b_c-d', 'corp:1234', 'WDJB-MJHT', 'approve', 'deny', MARK, `${MARK}-x`) },
  { weight: 2, arbitrary: anyString },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(65), 'a'.repeat(401), 'A'.repeat(192), 'x'.repeat(5000)) },
)
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: stringValue },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 0, -0, Number.NaN, Infinity, true, [], {}, [MARK], { toString: MARK }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
)

/** A request object: the channel's keys, mostly, with hostile values and now and then extra keys. */
const requestObject: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.subarray(['providerId', 'accountId', 'userCode', 'decision'], { minLength: 0 }),
    fc.array(hostileValue, { minLength: 4, maxLength: 4 }),
    fc.oneof({ weight: 5, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.oneof(keyArb, fc.constantFrom(...EVIL_KEYS)), hostileValue), { minLength: 1, maxLength: 2 }) }),
    fc.boolean(),
  )
  .map(([keys, values, extra, nullProto]) => {
    const out: Record<string, unknown> = nullProto ? (Object.create(null) as Record<string, unknown>) : {}
    keys.forEach((key, i) => {
      out[key] = values[i]
    })
    // defineProperty: an own "__proto__" key, as JSON.parse and structured clone make them.
    for (const [key, value] of extra) Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true })
    return out
  })

const cyclic = fc.constant(null).map(() => {
  const a: Record<string, unknown> = { providerId: 'corp' }
  a['self'] = a
  return a
})

/** The channel's own shape with values valid most of the time. */
function shaped(channel: InvokeChannel): fc.Arbitrary<unknown> {
  const keys = SHAPES[channel]
  if (keys === null) return fc.constant(null)
  const valid: Record<string, fc.Arbitrary<unknown>> = {
    providerId: fc.constantFrom('corp', 'a.b_c-d', 'x', MARK.toLowerCase()),
    accountId: fc.constantFrom('corp:1234', MARK, 'a'),
    userCode: fc.constantFrom('WDJB-MJHT', MARK, 'abcd efgh'),
    decision: fc.constantFrom('approve', 'deny'),
    discardUnsaved: fc.nat({ max: 1000 }),
  }
  return fc
    .tuple(...keys.map((key) => fc.oneof({ weight: 6, arbitrary: valid[key] ?? fc.constant(null) }, { weight: 1, arbitrary: hostileValue })))
    .map((values) => Object.fromEntries(keys.map((key, i) => [key, values[i]])))
}

const requestArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: requestObject },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 0, '', 'corp', [], [{ providerId: 'corp' }]) },
  { weight: 2, arbitrary: fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true, withObjectString: true, key: keyArb }) },
  { weight: 1, arbitrary: cyclic },
)

/** Puts `value` in for every MARK in strings of `request` (also in nested plain objects and arrays). */
function marked(request: unknown, value: string, seen = new Set<unknown>()): unknown {
  if (typeof request === 'string') return request.split(MARK).join(value)
  if (request === null || typeof request !== 'object' || seen.has(request)) return request
  seen.add(request)
  if (Array.isArray(request)) return request.map((v) => marked(v, value, seen))
  const proto = Object.getPrototypeOf(request) as unknown
  if (proto !== Object.prototype && proto !== null) return request
  const out = (proto === null ? Object.create(null) : {}) as Record<string, unknown>
  for (const key of Object.keys(request)) {
    const member = (request as Record<string, unknown>)[key]
    Object.defineProperty(out, key, { value: member === request ? out : marked(member, value, seen), enumerable: true, configurable: true, writable: true })
  }
  return out
}

const SHAPES: Record<InvokeChannel, readonly string[] | null> = {
  'app:info': null,
  'app:retryKeystore': null,
  'app:restart': ['discardUnsaved'],
  'providers:list': null,
  'auth:state': null,
  'auth:start': ['providerId'],
  'auth:cancel': null,
  'auth:renew': null,
  'accounts:list': null,
  'accounts:sign-out': ['accountId'],
  'accounts:refresh': ['accountId'],
  'approve:claim': ['accountId', 'userCode'],
  'approve:decide': ['accountId', 'userCode', 'decision'],
  'log:get': null,
  'log:export': null,
  'shell:open-verification': null,
  'clipboard:copy-code': null,
}

/** (c) What an accepted request is. */
function checkAccepted(channel: InvokeChannel, value: unknown): void {
  const keys = SHAPES[channel]
  if (keys === null) return check(value === null, `${channel} accepted ${String(value)}`)
  check(typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype, `${channel} returned no plain object`)
  const record = value as Record<string, unknown>
  check(JSON.stringify(Object.keys(record).sort()) === JSON.stringify([...keys].sort()), `${channel} returned keys ${Object.keys(record).join(', ')}`)
  if ('providerId' in record) check(typeof record['providerId'] === 'string' && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(record['providerId']), 'providerId')
  if ('accountId' in record) check(typeof record['accountId'] === 'string' && record['accountId'].length >= 1 && record['accountId'].length <= 400, 'accountId')
  if ('userCode' in record) check(typeof record['userCode'] === 'string' && record['userCode'].length >= 1 && record['userCode'].length <= 191, 'userCode')
  if ('decision' in record) check(record['decision'] === 'approve' || record['decision'] === 'deny', 'decision')
  if ('discardUnsaved' in record) check(Number.isInteger(record['discardUnsaved']) && (record['discardUnsaved'] as number) >= 0, 'discardUnsaved')
  check(JSON.stringify(record).length <= MAX_REQUEST_CHARS, 'an accepted request larger than the limit')
}

describe.each(INVOKE_CHANNELS)('validateRequest %s', (channel) => {
  it('(a) returns the channel shape (c) or throws ContractError; (b) never quotes a value; (d) printable', () => {
    fc.assert(
      fc.property(fc.oneof(shaped(channel), requestArb), secretArb, (request, value) => {
        const input = marked(request, value)
        const result = attempt(() => validateRequest(channel, input))
        if (result.ok) return checkAccepted(channel, result.value)
        check(result.error instanceof ContractError, `threw something other than a ContractError: ${String(result.error)}`)
        const error = result.error as ContractError
        check(error.code === 'invalid_request' || error.code === 'request_too_large', `code ${error.code}`)
        check(error.message.startsWith(`${channel}: `), 'the message does not name the channel')
        expectNoSecret([error.message, JSON.stringify(error)], value, 'the contract error')
        expectPrintable(error.message, 'the contract error')
      }),
      { numRuns: runs(150) },
    )
  })
})

describe('validateRequest when zod itself throws', () => {
  // zod 4.6's safeParse throws TypeError for a length-checked string given
  // {"length": {"toString": 1}}, which JSON (serve) and structured clone (IPC) both carry;
  // validateRequest turns that into a ContractError.
  it('a request value whose length cannot be compared gives a ContractError', () => {
    fc.assert(
      fc.property(fc.constantFrom<InvokeChannel>('auth:start', 'accounts:sign-out', 'approve:claim', 'approve:decide'), (channel) => {
        const key = SHAPES[channel]?.[0] as string
        const result = attempt(() => validateRequest(channel, { [key]: { length: { toString: 1 } } }))
        check(result.ok || result.error instanceof ContractError, `threw ${String(!result.ok && result.error)}`)
      }),
      { numRuns: runs(10) },
    )
  })
})
