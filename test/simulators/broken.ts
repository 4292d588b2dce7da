/**
 * A deliberately broken device-flow server, for `linkscreen check`: across its three modes it
 * fails every probe the checker has at least once (where a warning is a probe's worst verdict,
 * as for confusable characters, it earns the warning).
 *
 * - `answers` (speak to it with the `api-v1` dialect): code answers with `expires_in` as a
 *   string, no `interval`, no `Cache-Control`, a `verification_uri_complete` that carries the
 *   device code, 3-character user codes from `0O1Ilé`; a code for an unknown client; the first
 *   poll of a code answered with an HTML 500, the second with `invalid_grant`; an expired code
 *   still `authorization_pending`; a denial answered with HTTP 200, and tokens for a denied or
 *   already redeemed code; a wrong `grant_type` answered with an HTML 500, a malformed body
 *   accepted with `{}`; an ID token for another audience that has expired.
 * - `metadata` (the `oidc` dialect): discovery whose `grant_types_supported` leaves out the
 *   device grant; the first `rateLimitCodes` code requests answered 429; `slow_down` followed by
 *   an HTML 500; refresh refused with `invalid_grant` and markup in its description; revocation answered 503.
 * - `refused` (`api-v1`): the first code answer has a plain-http `verification_uri` on another
 *   host and `interval: "soon"`; later codes are fine but never leave `authorization_pending`,
 *   even once approved.
 * The user's side is `approve(userCode)` / `deny(userCode)`, as for every simulator.
 */
import { randomBytes } from 'node:crypto'
import { json, startSimulatorServer, text, verificationPage, type SimRequest, type SimResponse } from './server'
import { DEFAULT_CLIENT_ID, fakeJwt, randomChars, randomHex, unixSeconds, type Simulator } from './device-flow'

export type BrokenMode = 'answers' | 'metadata' | 'refused'

export interface BrokenSimulatorOptions {
  readonly mode: BrokenMode
  /** Code lifetime, seconds. Default 14 (answers), 60 (others). */
  readonly expiresIn?: number
  /** `metadata` and `refused`: the interval sent, seconds. Default 1. */
  readonly interval?: number
  /** `metadata`: how many code requests are answered 429 first. Default 0. */
  readonly rateLimitCodes?: number
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
/** What `metadata` mode says when it refuses a refresh: markup that a report must escape. */
export const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & </td>'

interface Code {
  deviceCode: string
  userCode: string
  expiresAt: number
  state: 'pending' | 'approved' | 'denied' | 'redeemed'
  polls: number
  deniedAnswered: boolean
}

const html500 = (): SimResponse => ({ status: 500, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!doctype html><title>500</title><h1>Internal Server Error</h1>' })
/** JSON without `Cache-Control` (the `json` helper adds no-store). */
const bare = (status: number, value: unknown): SimResponse => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) })
const norm = (code: string): string => code.normalize('NFC')

export async function startBrokenSimulator(opts: BrokenSimulatorOptions): Promise<Simulator & { readonly mode: BrokenMode }> {
  const mode = opts.mode
  const expiresIn = opts.expiresIn ?? (mode === 'answers' ? 14 : 60)
  const interval = opts.interval ?? 1
  let rateLimited = opts.rateLimitCodes ?? 0
  const codes = new Map<string, Code>()
  const byUser = new Map<string, Code>()
  let issued = 0

  const issue = (userCode: string): Code => {
    const code: Code = { deviceCode: randomHex(24), userCode, expiresAt: performance.now() + expiresIn * 1000, state: 'pending', polls: 0, deniedAnswered: false }
    codes.set(code.deviceCode, code)
    byUser.set(norm(userCode), code)
    issued++
    return code
  }
  const newUserCode = (make: () => string): string => {
    let code = make()
    for (let i = 0; i < 200 && byUser.has(norm(code)); i++) code = make()
    return code
  }
  const tokens = (origin: string, withIdToken: boolean): Record<string, unknown> => ({
    access_token: randomHex(24),
    token_type: 'bearer',
    expires_in: 3600,
    ...(withIdToken ? { id_token: fakeJwt({ iss: origin, aud: 'someone-else', sub: '1001', iat: unixSeconds() - 7200, exp: unixSeconds() - 3600 }) } : {}),
  })

  // --- answers ----------------------------------------------------------------------------
  const answersCode = (req: SimRequest): SimResponse => {
    // Any client gets a code, the unknown one too.
    // Always a character outside ASCII (the alphabet probe's failure), the rest confusable ones; a
    // random pick of all six left it out of every code seen about one run in nine.
    const code = issue(newUserCode(() => `${randomChars('0O1Il', 2)}é`))
    const uri = `${req.origin}/device`
    return bare(200, {
      device_code: code.deviceCode,
      user_code: code.userCode,
      verification_uri: uri,
      verification_uri_complete: `${uri}?user_code=${encodeURIComponent(code.userCode)}&device_code=${code.deviceCode}`,
      expires_in: String(expiresIn),
    })
  }
  const answersToken = (req: SimRequest): SimResponse => {
    if (req.bodyError !== undefined || req.body === undefined) return bare(200, {})
    if (req.body['grant_type'] !== DEVICE_GRANT) return html500()
    const code = codes.get(req.body['device_code'] ?? '')
    if (!code) return bare(400, { error: 'invalid_grant' })
    code.polls++
    if (performance.now() >= code.expiresAt) return bare(400, { error: 'authorization_pending' })
    if (code.state === 'approved' || code.state === 'redeemed') {
      code.state = 'redeemed'
      return bare(200, tokens(req.origin, true))
    }
    if (code.state === 'denied') {
      if (code.deniedAnswered) return bare(200, tokens(req.origin, false))
      code.deniedAnswered = true
      return bare(200, { error: 'access_denied' })
    }
    return code.polls === 1 ? html500() : bare(400, { error: 'invalid_grant', error_description: 'polled too early' })
  }

  // --- metadata ---------------------------------------------------------------------------
  const discovery = (req: SimRequest): SimResponse =>
    json(200, {
      issuer: req.origin,
      device_authorization_endpoint: `${req.origin}/device/code`,
      token_endpoint: `${req.origin}/token`,
      revocation_endpoint: `${req.origin}/revoke`,
      grant_types_supported: ['authorization_code', 'refresh_token'],
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    })
  const metadataCode = (req: SimRequest): SimResponse => {
    if (rateLimited > 0) {
      rateLimited--
      return text(429, 'Too Many Requests', { 'retry-after': '1' })
    }
    if (req.body?.['client_id'] !== DEFAULT_CLIENT_ID) return json(401, { error: 'invalid_client', error_description: 'unknown client' })
    const code = issue(newUserCode(() => `${randomChars('BCDFGHJKLMNPQRSTVWXZ', 4)}-${randomChars('BCDFGHJKLMNPQRSTVWXZ', 4)}`))
    return json(200, { device_code: code.deviceCode, user_code: code.userCode, verification_uri: `${req.origin}/device`, expires_in: expiresIn, interval })
  }
  const metadataToken = (req: SimRequest): SimResponse => {
    const body = req.body
    if (req.bodyError !== undefined || body === undefined || body['grant_type'] === undefined) return json(400, { error: 'invalid_request', error_description: 'malformed' })
    // Hostile text in a description, for the report's escaping.
    if (body['grant_type'] === 'refresh_token') return json(400, { error: 'invalid_grant', error_description: HOSTILE })
    if (body['grant_type'] !== DEVICE_GRANT) return json(400, { error: 'unsupported_grant_type' })
    const code = codes.get(body['device_code'] ?? '')
    if (!code) return json(400, { error: 'invalid_grant' })
    if (performance.now() >= code.expiresAt) return json(400, { error: 'expired_token' })
    code.polls++
    if (code.state === 'approved') {
      code.state = 'redeemed'
      return json(200, { ...tokens(req.origin, false), refresh_token: randomBytes(24).toString('hex') })
    }
    if (code.state === 'redeemed') return json(400, { error: 'invalid_grant' })
    if (code.state === 'denied') return json(400, { error: 'access_denied' })
    return code.polls === 1 ? json(400, { error: 'authorization_pending' }) : code.polls === 2 ? json(400, { error: 'slow_down' }) : html500()
  }

  // --- refused ----------------------------------------------------------------------------
  const refusedCode = (req: SimRequest): SimResponse => {
    const code = issue(newUserCode(() => `${randomChars('BCDFGHJKLMNPQRSTVWXZ', 4)}-${randomChars('BCDFGHJKLMNPQRSTVWXZ', 4)}`))
    if (issued === 1) return json(200, { device_code: code.deviceCode, user_code: code.userCode, verification_uri: 'http://broken.example/device', expires_in: expiresIn, interval: 'soon' })
    return json(200, { device_code: code.deviceCode, user_code: code.userCode, verification_uri: `${req.origin}/device`, expires_in: expiresIn, interval })
  }
  const refusedToken = (req: SimRequest): SimResponse => {
    const body = req.body
    if (req.bodyError !== undefined || body === undefined) return json(400, { error: 'invalid_request' })
    if (body['grant_type'] !== DEVICE_GRANT) return json(400, { error: 'unsupported_grant_type' })
    const code = codes.get(body['device_code'] ?? '')
    if (!code) return json(400, { error: 'invalid_grant' })
    if (code.state === 'denied') return json(400, { error: 'access_denied' })
    return json(400, { error: 'authorization_pending' })
  }

  const server = await startSimulatorServer({
    target: () => undefined,
    slowDown: () => json(400, { error: 'slow_down' }),
    handle: (req) => {
      const route = `${req.method} ${req.path}`
      if (route === 'GET /device') return verificationPage('Broken')
      if (mode === 'metadata') {
        if (route === 'GET /.well-known/openid-configuration') return discovery(req)
        if (route === 'POST /device/code') return metadataCode(req)
        if (route === 'POST /token') return metadataToken(req)
        if (route === 'POST /revoke') return { status: 503, headers: { 'content-type': 'text/html' }, body: '<h1>Service Unavailable</h1>' }
      } else {
        if (route === 'POST /api/v1/oauth/device-authorization/') return mode === 'answers' ? answersCode(req) : refusedCode(req)
        if (route === 'POST /api/v1/oauth/token') return mode === 'answers' ? answersToken(req) : refusedToken(req)
      }
      return json(404, { error: 'not_found' })
    },
  })
  const find = (userCode: string): Code => {
    const code = byUser.get(norm(userCode))
    if (!code) throw new Error(`unknown user code ${JSON.stringify(userCode)}`)
    if (code.state !== 'pending') throw new Error(`user code already ${code.state}`)
    return code
  }
  return {
    ...server,
    mode,
    approve: (userCode) => {
      find(userCode).state = 'approved'
    },
    deny: (userCode) => {
      find(userCode).state = 'denied'
    },
  }
}
