/**
 * Issue #13: one scrubbing mechanism for every request. A hostile provider echoes every secret
 * it receives (the client secret, a configured header value, the approver's session token, the
 * registration token) and every secret it hands out (the device code, the access and refresh
 * tokens) into every text it can answer: `error`, `error_description`, better-auth's `message`
 * and `code`, a provider `message`, `verification_uri_complete`, an HTML page, a redirect
 * `Location`; as is, percent-encoded (every byte, or `+` for space), base64 or base64url,
 * HTML-escaped, or split over two fields. Every command and channel is driven against it:
 * login (the flow, and the CLI's JSON and human output), refresh, revoke, approve, register,
 * and serve's channels through `dispatch` + `FlowService` (start, state, refresh, sign-out,
 * approve:claim, approve:decide, open in browser, the flow log). No output may hold a secret.
 *
 * Shown by design, so not checked: the tokens of an `authorized` result (the point of it; no
 * output prints them without `--show-token`), the device code inside main's own values.
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { providerSchema, type ProviderConfig } from '../../electron/core/config'
import { createApprover } from '../../electron/core/approve'
import { createDialect } from '../../electron/core/dialects'
import { discover } from '../../electron/core/dialects/oidc'
import { runDeviceFlow } from '../../electron/core/flow'
import { createHttp } from '../../electron/core/http'
import { registerDeviceClient } from '../../electron/core/registration'
import type { FetchLike, TokenSet } from '../../electron/core/types'
import { humanReporter, jsonReporter, type Io } from '../../electron/cli/output'
import { dispatch, type DispatchContext } from '../../electron/ipc/dispatch'
import type { FlowSnapshot } from '../../electron/ipc/contract'
import { FlowService } from '../../electron/services/flow-service'
import { FakeClock } from '../helpers/fake-clock'
import { oddSecretArb, secretArb } from './support/arbitraries'
import { errorSurfaces, expectNoSecret, runs, settle } from './support/harness'

const ORIGIN = 'https://as.example'
const USER_CODE = 'WDJB-MJHT'

// ---------------------------------------------------------------------------------------------
// The echoing provider

type Encoding = 'raw' | 'percent' | 'every-byte' | 'form' | 'base64' | 'base64url' | 'html' | 'json-unicode'
const ENCODINGS: readonly Encoding[] = ['raw', 'percent', 'every-byte', 'form', 'base64', 'base64url', 'html', 'json-unicode']

function encode(secret: string, how: Encoding): string {
  switch (how) {
    case 'raw':
      return secret
    case 'percent':
      return encodeURIComponent(secret)
    case 'every-byte':
      return [...Buffer.from(secret)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
    case 'form':
      return new URLSearchParams({ v: ` ${secret}` }).toString().slice(2)
    case 'base64':
      return Buffer.from(secret).toString('base64')
    case 'base64url':
      return Buffer.from(secret).toString('base64url')
    case 'html':
      return secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
    case 'json-unicode':
      // Written into JSON text as is; JSON.stringify escapes what it must.
      return secret
  }
}

/** How the provider answers an error: where the secrets go. */
type Shape = 'json' | 'json-split' | 'message-code' | 'html' | 'redirect' | 'form'
const SHAPES: readonly Shape[] = ['json', 'json-split', 'message-code', 'html', 'redirect', 'form']

interface Plan {
  readonly encoding: Encoding
  readonly shape: Shape
  readonly status: number
  /** The token poll: authorize (then profile, refresh, revoke), or refuse with the echo. */
  readonly authorize: boolean
  /** A refused poll is `access_denied` (its description echoing), not the plan's shape. */
  readonly deny: boolean
}

const planArb = fc.record({
  encoding: fc.constantFrom(...ENCODINGS),
  shape: fc.constantFrom(...SHAPES),
  status: fc.constantFrom(400, 401, 403, 500, 503),
  authorize: fc.boolean(),
  deny: fc.boolean(),
})

interface Secrets {
  readonly clientSecret: string
  readonly header: string
  readonly session: string
  readonly registration: string
  readonly deviceCode: string
  readonly access: string
  readonly refresh: string
}

const secretsArb = fc.record({
  clientSecret: fc.oneof(secretArb, oddSecretArb),
  header: fc.oneof(secretArb, oddSecretArb.map((s) => s.replace(/[^\x21-\x7e]/g, 'x'))),
  session: secretArb,
  registration: secretArb,
  deviceCode: secretArb,
  access: secretArb,
  refresh: secretArb,
})

/** Every string a request carries: header values and body values, whatever the encoding. */
function received(init: RequestInit): string[] {
  const out: string[] = []
  new Headers(init.headers).forEach((value) => out.push(value.replace(/^Bearer /i, '')))
  const body = typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : ''
  if (body.trim().startsWith('{')) {
    try {
      for (const value of Object.values(JSON.parse(body) as Record<string, unknown>)) if (typeof value === 'string') out.push(value)
    } catch {
      // not JSON
    }
  } else if (body.includes('=')) for (const [, value] of new URLSearchParams(body)) out.push(value)
  else if (body !== '') out.push(...body.split(/\r?\n/))
  return out.filter((value) => value.length >= 8)
}

/**
 * The provider: every request is answered from what it carries. A code request gets a code whose
 * complete URI and message carry the device code (and every other secret); a poll is authorized
 * or refused with an echo; everything else is refused with an echo (in the plan's shape).
 */
function echoServer(secrets: Secrets, plan: Plan): FetchLike {
  /** What this server has handed out so far (a server can quote only what it received or gave). */
  const issued = new Set<string>()
  return async (input, init) => {
    const url = new URL(input)
    const got = [...new Set([...received(init), ...issued])]
    const echo = got.map((s) => encode(s, plan.encoding)).join(' ')
    const body = typeof init.body === 'string' ? init.body : String(init.body ?? '')
    const carriesDeviceCode = body.includes(secrets.deviceCode)
    if (url.pathname.endsWith('/.well-known/openid-configuration') && plan.shape === 'redirect') {
      return new Response(null, { status: 302, headers: { location: `https://${secrets.clientSecret.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.evil.example/?e=${encodeURIComponent(echo)}` } })
    }
    const isCodeRequest = !carriesDeviceCode && /device(\/code|code|_authorization|-authorization)?\/?$|device\/code$/.test(url.pathname) && init.method === 'POST'
    if (isCodeRequest) {
      issued.add(secrets.deviceCode)
      return Response.json({
        device_code: secrets.deviceCode,
        user_code: USER_CODE,
        verification_uri: `${ORIGIN}/device`,
        verification_uri_complete: `${ORIGIN}/device?user_code=${USER_CODE}&dc=${encodeURIComponent(encode(secrets.deviceCode, plan.encoding))}&e=${encodeURIComponent(echo)}`,
        verification_url: `${ORIGIN}/device`,
        message: `Open ${ORIGIN}/device and enter ${USER_CODE} (${echo})`,
        expires_in: 30,
        interval: 5,
      })
    }
    if (carriesDeviceCode && plan.authorize) {
      issued.add(secrets.access)
      issued.add(secrets.refresh)
      return Response.json({ access_token: secrets.access, refresh_token: secrets.refresh, token_type: 'Bearer', expires_in: 3600, scope: `openid ${echo}` })
    }
    if (carriesDeviceCode && plan.deny) {
      // Trakt says "denied" with its status alone; GitHub with HTTP 200.
      return Response.json({ error: 'access_denied', error_description: `denied: ${echo}` }, { status: url.pathname.includes('/oauth/device/token') ? 418 : url.pathname.includes('/login/oauth') ? 200 : 400 })
    }
    if (/get-session$/.test(url.pathname) && plan.authorize && init.headers && new Headers(init.headers).get('authorization') === `Bearer ${secrets.session}`) {
      return Response.json({ session: { token: secrets.session }, user: { id: 'u1', name: `Ada ${echo}`, email: 'ada@example.com' } })
    }
    const head = echo.slice(0, Math.ceil(echo.length / 2))
    const tail = echo.slice(head.length)
    switch (plan.shape) {
      case 'json':
        return Response.json({ error: `invalid_request ${echo}`, error_description: `refused: ${echo}`, message: echo }, { status: plan.status })
      case 'json-split':
        return Response.json({ error: head, error_description: tail }, { status: plan.status })
      case 'message-code':
        return Response.json({ message: `nope ${echo}`, code: echo.toUpperCase() }, { status: plan.status })
      case 'html':
        return new Response(`<html><body><a href="https://portal.example/?e=${encodeURIComponent(echo)}">${encode(echo, 'html')}</a><meta http-equiv="refresh" content="0; url=https://${secrets.header.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.evil.example/"></body></html>`, { status: plan.status, headers: { 'content-type': 'text/html' } })
      case 'redirect':
        return new Response(null, { status: 302, headers: { location: `https://${secrets.clientSecret.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.evil.example/?e=${encodeURIComponent(echo)}` } })
      case 'form':
        return new Response(new URLSearchParams({ error: `bad ${echo}`, error_description: echo }).toString(), { status: plan.status, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Providers and checks

type DialectName = 'oauth2' | 'better-auth' | 'trakt' | 'api-v1' | 'github' | 'google' | 'microsoft'
const DIALECTS: readonly DialectName[] = ['oauth2', 'better-auth', 'trakt', 'api-v1', 'github', 'google', 'microsoft']

function providerFor(dialect: DialectName, secrets: Secrets): ProviderConfig {
  const common = { id: 'p', name: 'Echo', clientId: 'client', clientSecret: secrets.clientSecret, headers: { 'x-api-key': secrets.header } }
  const raw: Record<DialectName, Record<string, unknown>> = {
    oauth2: { endpoints: { deviceAuthorization: `${ORIGIN}/device_authorization`, token: `${ORIGIN}/token`, userinfo: `${ORIGIN}/userinfo`, revocation: `${ORIGIN}/revoke` } },
    'better-auth': { baseUrl: `${ORIGIN}/api/auth` },
    trakt: { baseUrl: ORIGIN },
    'api-v1': { baseUrl: ORIGIN },
    github: { baseUrl: ORIGIN, apiBaseUrl: ORIGIN },
    google: { baseUrl: ORIGIN, userinfoUrl: `${ORIGIN}/userinfo` },
    microsoft: { baseUrl: ORIGIN, tenant: 'common', userinfoUrl: `${ORIGIN}/userinfo` },
  }
  return providerSchema.parse({ ...common, dialect, ...raw[dialect] })
}

function allSecrets(secrets: Secrets): string[] {
  return Object.values(secrets)
}

/** No secret in `texts` (nor its head or tail), in any of the harness's forms, nor base64-encoded. */
function expectClean(texts: readonly string[], secrets: Secrets, what: string): void {
  for (const secret of allSecrets(secrets)) {
    expectNoSecret(texts, secret, what)
    // A secret split over two fields leaves its tail in the second one.
    expectNoSecret(texts, secret.slice(-12), `${what} (the tail of ${JSON.stringify(secret)})`)
    const encoded = [Buffer.from(secret).toString('base64').slice(0, 12), Buffer.from(secret).toString('base64url').slice(0, 12)]
    for (const text of texts) for (const form of encoded) if (text.includes(form)) throw new Error(`${what} contains ${JSON.stringify(secret)} base64-encoded: ${text.slice(0, 300)}`)
  }
}

/** A result or error as text, without an authorized result's tokens. */
function surfaces(value: unknown): string[] {
  if (value instanceof Error) return errorSurfaces(value)
  return [JSON.stringify(value, (key, member: unknown) => (key === 'tokens' ? undefined : member instanceof Error ? errorSurfaces(member).join(' ') : member)) ?? '']
}

function captureIo(): { io: Io; text: () => string } {
  let out = ''
  const stream = { write: (chunk: string) => ((out += chunk), true), isTTY: false, columns: 120 }
  return { io: { stdout: stream, stderr: stream } as unknown as Io, text: () => out }
}

// ---------------------------------------------------------------------------------------------

describe('no output of any command or channel holds a secret the provider echoes', () => {
  it('login (flow, JSON and human output), then refresh, revoke and the profile, every dialect', async () => {
    const reached = new Set<string>()
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...DIALECTS), secretsArb, planArb, async (dialectName, secrets, plan) => {
        const clock = new FakeClock()
        const provider = providerFor(dialectName, secrets)
        const dialect = createDialect(provider, { http: createHttp({ fetch: echoServer(secrets, plan), clock }), clock })
        const json = captureIo()
        const human = captureIo()
        const options = { provider, showToken: false, now: () => clock.now(), monotonic: () => clock.monotonic(), ...(dialect.scrubber ? { scrubber: dialect.scrubber } : {}) }
        const reporters = [jsonReporter(json.io, options), humanReporter(human.io, options)]
        let chain = Promise.resolve()
        const result = await settle(() =>
          clock.run(runDeviceFlow({ dialect, clock, renewals: 0, pollMargin: () => 0, onEvent: (e) => void (chain = chain.then(() => Promise.all(reporters.map((r) => r.event(e)))).then(() => undefined)) })),
        )
        await chain
        for (const reporter of reporters) reporter.close()
        if (!result.ok) throw new Error(`runDeviceFlow threw: ${String(result.error)}`)
        reached.add(result.value.status)
        if (json.text().includes('"warning"')) reached.add('warning')
        expectClean([json.text(), human.text()], secrets, 'the CLI output')
        expectClean(surfaces(result.value), secrets, 'the flow result')
        const tokens: TokenSet = result.value.status === 'authorized' ? result.value.tokens : { access_token: secrets.access, refresh_token: secrets.refresh, token_type: 'Bearer', extra: {} }
        for (const op of ['refresh', 'revoke', 'fetchAccount'] as const) {
          const call = op === 'refresh' ? dialect.refresh?.bind(dialect, secrets.refresh) : op === 'revoke' ? dialect.revoke?.bind(dialect, tokens) : dialect.fetchAccount?.bind(dialect, tokens)
          if (!call) continue
          const settled = await settle(() => clock.run(Promise.resolve(call())))
          if (settled.ok && op === 'refresh') continue // new tokens, the point of it
          expectClean(surfaces(settled.ok ? settled.value : settled.error), secrets, `${op}'s ${settled.ok ? 'result' : 'error'}`)
        }
      }),
      { numRuns: runs(70) },
    )
    for (const status of ['authorized', 'error', 'denied', 'warning']) if (!reached.has(status)) throw new Error(`no run reached ${status}: ${[...reached].join(', ')}`)
  })

  it('approve (claim and decide) and register (discovery and registration)', async () => {
    await fc.assert(
      fc.asyncProperty(secretsArb, planArb, async (secrets, plan) => {
        const clock = new FakeClock()
        const http = createHttp({ fetch: echoServer(secrets, plan), clock })
        const approver = createApprover({ id: 'p', baseUrl: `${ORIGIN}/api/auth`, headers: { 'x-api-key': secrets.header } }, secrets.session, { http })
        const claimed = await settle(() => clock.run(approver.claim(USER_CODE)))
        expectClean(surfaces(claimed.ok ? claimed.value : claimed.error), secrets, 'the claim')
        const decided = await settle(() => clock.run(approver.decide({ providerId: 'p', userCode: USER_CODE, clientId: 'c', scopes: [] }, 'approve')))
        expectClean(surfaces(decided.ok ? decided.value : decided.error), secrets, 'the decision')
        const provider = { id: 'p', issuer: ORIGIN, clientId: 'c', clientSecret: secrets.clientSecret, headers: { 'x-api-key': secrets.header } }
        const discovered = await settle(() => clock.run(discover(provider, { http, clock }, undefined)))
        expectClean(surfaces(discovered.ok ? 'discovered' : discovered.error), secrets, 'discovery')
        const registered = await settle(() => clock.run(registerDeviceClient(http, `${ORIGIN}/register`, { name: 'Linkscreen', accessToken: secrets.registration }, 'p')))
        expectClean(surfaces(registered.ok ? registered.value : registered.error), secrets, 'the registration')
      }),
      { numRuns: runs(120) },
    )
  })

  it("serve's channels through dispatch and FlowService: snapshots, results, open in browser, the flow log", async () => {
    /** What the runs reached, so that the property cannot pass by reaching nothing. */
    const reached = new Set<string>()
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<DialectName>('better-auth', 'oauth2', 'api-v1', 'microsoft'), secretsArb, planArb, async (dialectName, secrets, plan) => {
        const clock = new FakeClock()
        const provider = providerFor(dialectName, secrets)
        const service = new FlowService({
          providers: [{ view: { id: 'p', name: 'Echo', dialect: dialectName, builtIn: false }, resolve: async () => provider }],
          deps: { http: createHttp({ fetch: echoServer({ ...secrets, session: secrets.access }, plan), clock }), clock },
          renewals: 0,
          codeRetryMs: 10_000,
          random: () => 0,
        })
        const opened: string[] = []
        const context: DispatchContext = { service, info: { kiosk: false, fixedProvider: null, locale: 'en', host: 'serve', storage: 'memory', notices: [] }, openExternal: async (url) => void opened.push(url) }
        const snapshots: FlowSnapshot[] = []
        const seen: unknown[] = []
        service.onSnapshot((s) => snapshots.push(s))
        service.onAccounts((a) => seen.push(a))
        const call = async (channel: string, request: unknown): Promise<unknown> => {
          const answer = await clock.run(dispatch(context, channel, request))
          seen.push(answer)
          return answer
        }
        const ended = new Promise<void>((resolve) => service.onSnapshot((s) => (['authorized', 'denied', 'expired', 'error'].includes(s.status) ? resolve() : undefined)))
        await call('auth:start', { providerId: 'p' })
        await call('shell:open-verification', null)
        await clock.run(ended)
        await call('auth:state', null)
        const accounts = (await call('accounts:list', null)) as { id: string }[]
        for (const account of accounts) {
          await call('accounts:refresh', { accountId: account.id })
          await call('approve:claim', { accountId: account.id, userCode: USER_CODE })
          await call('approve:decide', { accountId: account.id, userCode: USER_CODE, decision: 'approve' })
          await call('accounts:sign-out', { accountId: account.id })
        }
        seen.push(await call('log:get', null))
        await service.close()
        for (const s of snapshots) reached.add(s.status)
        for (const answer of seen) if (answer && typeof answer === 'object' && 'code' in answer) reached.add(String((answer as { code: unknown }).code))
        if (opened.length > 0) reached.add('opened')
        expectClean(snapshots.map((s) => JSON.stringify(s)), secrets, 'a snapshot')
        expectClean(seen.flatMap(surfaces), secrets, 'a channel answer')
        expectClean(opened, secrets, 'the URL opened in the browser')
      }),
      { numRuns: runs(60) },
    )
    for (const status of ['waiting', 'authorized', 'error', 'opened', 'revocation_failed']) if (!reached.has(status)) throw new Error(`no run reached ${status}: ${[...reached].join(', ')}`)
  })
})
