/**
 * The QA flow log recorder (`flow-log.ts`), wrapped around a fetch (raw, or `createHttp`'s as in
 * the app and the CLI) and fed generated exchanges.
 *
 * (a) `wrap` behaves exactly as the fetch it wraps: the same response object, its body whole and
 *     readable, or the same rejection; and it settles within the bound.
 * (b) The exported log never holds a secret the recorder knows, wherever else it shows up: the
 *     recorder knows the values of secret-named fields of request bodies (JSON, form,
 *     `URLSearchParams`, `FormData`, bytes, and multipart, which `postFields` sends for api-v1),
 *     the credentials of an `Authorization` header, the values it was given (`secrets`,
 *     `addSecret`), and the values of secret-named fields of JSON responses it inspects. The
 *     secret is then also put where the log does record text: the URL (query and path), body
 *     field names, the response's `error`, its media type.
 *     It never holds a header value or a body value either (markers put there must not appear).
 * (d) Everything it records is printable, and it keeps at most `maxEntries` entries.
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { multipart } from '../../electron/core/dialects/wire'
import { DEFAULT_MAX_INSPECT_BYTES, createFlowRecorder, type FlowLogEntry } from '../../electron/core/flow-log'
import { createHttp } from '../../electron/core/http'
import type { FetchLike } from '../../electron/core/types'
import { anyString, bodyArb, bodyBytes, encodingArb, headersArb, objectText, oddSecretArb, secretArb, statusArb, type BodySpec, type Encoding, type Entry } from './support/arbitraries'
import { check, expectNoSecret, expectPrintable, runs, settle, stillClock } from './support/harness'

/** Where the recorder can learn the secret. */
const LEARN = [
  'request-json', 'request-json-nested', 'request-form', 'request-urlsearchparams', 'request-formdata', 'request-multipart', 'request-bytes',
  'authorization-bearer', 'authorization-basic', 'authorization-basic-form-encoded', 'registered', 'added-later', 'response-field', 'response-nested',
] as const
type Learn = (typeof LEARN)[number]

/** Where the log records text, and the secret is put too. */
const EXPOSE = ['url-query', 'url-query-secret-key', 'url-path', 'request-key', 'response-key', 'response-error', 'content-type'] as const
type Expose = (typeof EXPOSE)[number]

const REQUEST_SECRET_KEYS = ['device_code', 'client_secret', 'refresh_token', 'code', 'token', 'password', 'clientSecret', 'client-secret', 'assertion'] as const
const RESPONSE_SECRET_KEYS = ['access_token', 'refresh_token', 'id_token', 'device_code', 'token', 'session_token', 'accessToken'] as const

interface Exchange {
  readonly learn: readonly Learn[]
  readonly expose: readonly Expose[]
  readonly requestKey: (typeof REQUEST_SECRET_KEYS)[number]
  readonly responseKey: (typeof RESPONSE_SECRET_KEYS)[number]
  readonly headerForm: 'object' | 'headers' | 'pairs'
  readonly method: string
  readonly outcome: { readonly kind: 'response'; readonly status: number; readonly headers: [string, string][]; readonly body: BodySpec; readonly encoding: Encoding } | { readonly kind: 'throw' } | { readonly kind: 'broken' }
}

const exchangeArb: fc.Arbitrary<Exchange> = fc.record({
  learn: fc.subarray([...LEARN], { maxLength: 2 }),
  expose: fc.subarray([...EXPOSE], { maxLength: 3 }),
  requestKey: fc.constantFrom(...REQUEST_SECRET_KEYS),
  responseKey: fc.constantFrom(...RESPONSE_SECRET_KEYS),
  headerForm: fc.constantFrom('object' as const, 'headers' as const, 'pairs' as const),
  method: fc.constantFrom('POST', 'GET', 'post', 'PATCH'),
  outcome: fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('response' as const),
        status: statusArb([200, 400, 401, 429, 500]),
        headers: headersArb,
        body: bodyArb({ token: 2, error: 2, random: 1 }),
        encoding: encodingArb,
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'throw' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'broken' as const }) },
  ),
})

/**
 * The markers of one run: the secret, a header value and a body value (neither of which may ever
 * be recorded), and any text at all as the value of other secret-named fields (which the recorder
 * learns as secrets too, lone surrogates included).
 */
interface Markers {
  readonly secret: string
  readonly header: string
  readonly value: string
  readonly junk: string
}

const NULL_BODY = new Set([204, 205, 304])
const INSPECTABLE: ReadonlySet<Encoding['kind']> = new Set(['plain', 'bom', 'whitespace'])

/** Whether the recorder can know the secret from this exchange (it inspects answers and byte bodies of at most 64 KiB). */
function learns(x: Exchange, m: Markers): boolean {
  return x.learn.some((place) => {
    if (place === 'request-bytes') return (requestOf(x, m).init.body as Uint8Array).byteLength <= DEFAULT_MAX_INSPECT_BYTES
    if (place !== 'response-field' && place !== 'response-nested') return true
    return x.outcome.kind === 'response' && INSPECTABLE.has(x.outcome.encoding.kind) && !NULL_BODY.has(x.outcome.status) && responseBytes(x, m).byteLength <= DEFAULT_MAX_INSPECT_BYTES
  })
}

function requestOf(x: Exchange, m: Markers): { url: string; init: RequestInit } {
  const { secret } = m
  const fields: [string, string][] = [
    ['grant_type', 'urn:ietf:params:oauth:grant-type:device_code'],
    ['client_id', 'tv'],
    ['scope', m.value],
    ['client_assertion', m.junk],
  ]
  if (x.expose.includes('request-key')) fields.push([secret, 'x'])
  const learnsFrom = (place: Learn): boolean => x.learn.includes(place)
  const withSecret: [string, string][] = [...fields, [x.requestKey, secret]]
  let body: BodyInit | undefined
  if (learnsFrom('request-json')) body = JSON.stringify(Object.fromEntries(withSecret))
  else if (learnsFrom('request-json-nested')) body = JSON.stringify({ ...Object.fromEntries(fields), data: { nested: { [x.requestKey]: secret } } })
  else if (learnsFrom('request-form')) body = new URLSearchParams(withSecret).toString()
  else if (learnsFrom('request-urlsearchparams')) body = new URLSearchParams(withSecret)
  else if (learnsFrom('request-formdata')) {
    const form = new FormData()
    for (const [k, v] of withSecret) form.append(k, v)
    body = form
  } else if (learnsFrom('request-multipart')) body = multipart(withSecret, '----linkscreen-form-boundary')
  else if (learnsFrom('request-bytes')) body = new TextEncoder().encode(JSON.stringify(Object.fromEntries(withSecret)))
  else body = JSON.stringify(Object.fromEntries(fields))

  const headers: [string, string][] = [['x-custom', m.header], ['accept', 'application/json']]
  if (learnsFrom('authorization-bearer')) headers.push(['authorization', `Bearer ${secret}`])
  else if (learnsFrom('authorization-basic')) headers.push(['authorization', `Basic ${btoa(`tv:${secret}`)}`])
  else if (learnsFrom('authorization-basic-form-encoded')) headers.push(['authorization', `Basic ${btoa(`tv:${new URLSearchParams({ v: secret }).toString().slice(2)}`)}`])
  else headers.push(['authorization', `Bearer ${m.header}x`])
  const init: RequestInit = {
    method: x.method,
    headers: x.headerForm === 'object' ? Object.fromEntries(headers) : x.headerForm === 'headers' ? new Headers(headers) : headers,
    body,
  }

  let url = 'https://as.example/oauth/token'
  if (x.expose.includes('url-path')) url = `https://as.example/device/${encodeURIComponent(secret)}/token`
  const query: string[] = []
  if (x.expose.includes('url-query')) query.push(`state=${encodeURIComponent(secret)}`)
  if (x.expose.includes('url-query-secret-key')) query.push(`user_code=${encodeURIComponent(secret)}`)
  if (query.length > 0) url += `?${query.join('&')}`
  return { url, init }
}

function responseOf(x: Exchange, m: Markers): Response {
  if (x.outcome.kind !== 'response') throw new Error('no response')
  const headers = new Headers()
  for (const [k, v] of x.outcome.headers) {
    try {
      headers.append(k, v)
    } catch {
      // invalid for this fetch implementation
    }
  }
  if (x.expose.includes('content-type')) headers.set('content-type', `application/${m.secret.replace(/[^A-Za-z0-9._-]/g, '')}+json`)
  return new Response(NULL_BODY.has(x.outcome.status) ? null : (responseBytes(x, m) as BodyInit), { status: x.outcome.status, headers })
}

function responseBytes(x: Exchange, m: Markers): Uint8Array {
  if (x.outcome.kind !== 'response') throw new Error('no response')
  const { secret } = m
  const { body: spec, encoding } = x.outcome
  let entries: Entry[] = spec.top === 'object' ? [...spec.entries] : []
  entries = entries.filter(([k]) => k !== 'error_description')
  entries.push(['error_description', JSON.stringify(m.value)], ['subject_token', JSON.stringify(m.junk)])
  if (x.expose.includes('response-key')) entries.push([secret, '1'])
  if (x.expose.includes('response-error')) entries.push(['error', JSON.stringify(secret)])
  if (x.learn.includes('response-field')) entries.push([x.responseKey, JSON.stringify(secret)])
  if (x.learn.includes('response-nested')) entries.push(['data', objectText([['session', objectText([[x.responseKey, JSON.stringify(secret)]])]])])
  const body: BodySpec = spec.top === 'object' || entries.length > 1 ? { top: 'object', entries } : spec
  return bodyBytes(body, encoding)
}

function brokenResponse(m: Markers): Response {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(`{"access_token":"${m.value}`))
      controller.error(new Error('connection reset'))
    },
  })
  return new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } })
}

const markersArb = fc.record({ secret: fc.oneof({ weight: 3, arbitrary: secretArb }, { weight: 1, arbitrary: oddSecretArb }), header: secretArb, value: secretArb, junk: anyString })

describe('flow log recorder', () => {
  it('(a) wraps a fetch transparently; (b) never exports a secret it knows, a header value or a body value; (d) records printable text only', async () => {
    await fc.assert(
      fc.asyncProperty(markersArb, fc.array(exchangeArb, { minLength: 1, maxLength: 3 }), fc.boolean(), async (m, exchanges, throughHttp) => {
        const clock = stillClock()
        const recorder = createFlowRecorder({ clock, provider: 'p', ...(exchanges.some((x) => x.learn.includes('registered')) ? { secrets: [m.secret] } : {}) })
        for (const x of exchanges) {
          let innerResult: { response?: Response; error?: unknown } = {}
          const raw: FetchLike = async () => {
            if (x.outcome.kind === 'throw') throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) })
            return x.outcome.kind === 'broken' ? brokenResponse(m) : responseOf(x, m)
          }
          const bounded = throughHttp ? createHttp({ fetch: raw, clock }) : raw
          const inner: FetchLike = async (url, init) => {
            innerResult = {}
            try {
              innerResult = { response: await bounded(url, init) }
            } catch (error) {
              innerResult = { error }
            }
            if (innerResult.response) return innerResult.response
            throw innerResult.error
          }
          const { url, init } = requestOf(x, m)
          const result = await settle(() => recorder.wrap(inner)(url, init))
          if (x.learn.includes('added-later')) recorder.addSecret(m.secret)
          if (!result.ok) {
            check(innerResult.error !== undefined && result.error === innerResult.error, `wrap threw what the fetch did not: ${String(result.error)}`)
            continue
          }
          check(innerResult.response !== undefined && result.value === innerResult.response, 'wrap answered another response than the fetch')
          if (x.outcome.kind === 'response') {
            const read = await settle(() => result.value.arrayBuffer())
            const expected = await responseOf(x, m).arrayBuffer()
            check(read.ok && Buffer.from(read.value).equals(Buffer.from(expected)), 'the body is not whole after wrap')
          }
        }
        const log = recorder.toJSON()
        const text = JSON.stringify(log)
        if (exchanges.some((x) => learns(x, m))) expectNoSecret([text], m.secret, 'the flow log')
        expectNoSecret([text], m.header, 'the flow log (a header value)')
        expectNoSecret([text], m.value, 'the flow log (a body value)')
        const strings = (e: FlowLogEntry): string[] => [e.method, e.url, e.contentType ?? '', e.oauthError ?? '', ...(e.requestFields ?? []), ...(e.responseFields ?? []), e.failure?.code ?? '', e.failure?.reason ?? '']
        for (const entry of log.entries) for (const s of strings(entry)) expectPrintable(s, 'a recorded text')
      }),
      { numRuns: runs(400) },
    )
  })

  it('keeps at most maxEntries entries, the latest, and counts the dropped', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 9 }), anyString, async (maxEntries, n, method) => {
        const recorder = createFlowRecorder({ clock: stillClock(), maxEntries })
        const http = recorder.wrap(async () => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }))
        for (let i = 0; i < n; i++) await http(`https://as.example/${i}`, { method })
        const log = recorder.toJSON()
        check(log.entries.length === Math.min(n, maxEntries) && log.dropped === n - log.entries.length, `kept ${log.entries.length}, dropped ${log.dropped} of ${n} (max ${maxEntries})`)
        log.entries.forEach((e, i) => check(e.seq === n - log.entries.length + i + 1, 'entries are not the latest, in order'))
        for (const e of log.entries) expectPrintable(e.method, 'the method')
      }),
      { numRuns: runs(100) },
    )
  })
})
