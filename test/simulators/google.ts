/**
 * Google simulator ("OAuth 2.0 for TV and limited-input device applications").
 *
 * - `POST /device/code` (form or JSON: `client_id`, `scope`) → `{device_code, user_code, expires_in, interval,
 *   verification_url}` (`verification_url`, not `_uri`). Scopes outside the device-flow allowed list
 *   (email, openid, profile, drive.appdata, drive.file, youtube, youtube.readonly) → 400 `invalid_scope`;
 *   unknown client → 401 `invalid_client`.
 * - `POST /token` (`client_id`, `client_secret`, `device_code`, `grant_type`): 428 `authorization_pending`,
 *   403 `slow_down`, 403 `access_denied`, 400 `expired_token`, 400 `invalid_grant` (unknown or already
 *   claimed code), 400 `unsupported_grant_type`; missing secret → 400 `invalid_request` "client_secret is
 *   missing.", wrong secret → 401 `invalid_client`. Success `{access_token, expires_in, refresh_token, scope,
 *   token_type: 'Bearer', id_token}` (id_token when openid/email/profile was asked). Also grant_type refresh_token.
 * - `GET /v1/userinfo` (Bearer) → `{sub, name, email, picture, ...}` (real: openidconnect.googleapis.com).
 */
import { json, startSimulatorServer, verificationPage, type SimRequest, type SimResponse } from './server'
import { DeviceCodes, Tokens, bearerToken, fakeJwt, randomChars, randomHex, settings, unixSeconds, type Grant, type Simulator, type SimulatorOptions } from './device-flow'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const API = 'https://www.googleapis.com/auth/'
/** Device-flow allowed scopes, short form → what the token response reports. */
const ALLOWED_SCOPES: Record<string, string> = {
  openid: 'openid',
  email: `${API}userinfo.email`,
  profile: `${API}userinfo.profile`,
  [`${API}userinfo.email`]: `${API}userinfo.email`,
  [`${API}userinfo.profile`]: `${API}userinfo.profile`,
  [`${API}drive.appdata`]: `${API}drive.appdata`,
  [`${API}drive.file`]: `${API}drive.file`,
  [`${API}youtube`]: `${API}youtube`,
  [`${API}youtube.readonly`]: `${API}youtube.readonly`,
}
const OIDC = new Set(['openid', `${API}userinfo.email`, `${API}userinfo.profile`])

const error = (status: number, code: string, description: string): SimResponse => json(status, { error: code, error_description: description })

/** Starts a Google simulator on 127.0.0.1. */
export async function startGoogleSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const config = settings(opts)
  const codes = new DeviceCodes(config, () => `${randomChars('BCDFGHJKLMNPQRSTVWXZ', 4)}-${randomChars('BCDFGHJKLMNPQRSTVWXZ', 4)}`, () => `AH-1${randomChars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 96)}`)
  const tokens = new Tokens()
  const slowDown = () => error(403, 'slow_down', 'Forbidden')

  const deviceCode = (req: SimRequest): SimResponse => {
    if (req.body?.client_id !== config.clientId) return error(401, 'invalid_client', 'The OAuth client was not found.')
    const requested = (req.body.scope ?? '').split(/\s+/).filter(Boolean)
    if (requested.length === 0) return error(400, 'invalid_request', 'Missing required parameter: scope')
    const refused = requested.find((s) => !Object.hasOwn(ALLOWED_SCOPES, s))
    if (refused !== undefined) return error(400, 'invalid_scope', `Invalid device flow scope: ${refused}`)
    const code = codes.issue(config.clientId, [...new Set(requested.map((s) => ALLOWED_SCOPES[s]!))].join(' '))
    return json(200, { device_code: code.deviceCode, user_code: code.userCode, expires_in: config.expiresIn, interval: config.interval, verification_url: `${req.origin}/device` })
  }

  const tokenResponse = (req: SimRequest, grant: Grant, withRefresh: boolean): SimResponse => {
    const granted = grant.scope.split(' ')
    const idToken = granted.some((s) => OIDC.has(s))
      ? { id_token: fakeJwt({ iss: req.origin, aud: grant.clientId, azp: grant.clientId, sub: grant.user.id, email: grant.user.email, email_verified: true, name: grant.user.name, iat: unixSeconds(), exp: unixSeconds() + 3600 }) }
      : {}
    return json(200, {
      access_token: tokens.issueAccess(grant, `ya29.${randomHex(40)}`),
      expires_in: 3599,
      ...(withRefresh ? { refresh_token: tokens.issueRefresh(grant, `1//${randomHex(40)}`) } : {}),
      scope: grant.scope,
      token_type: 'Bearer',
      ...idToken,
    })
  }

  const token = (req: SimRequest): SimResponse => {
    const body = req.body ?? {}
    if (body.client_id !== config.clientId) return error(401, 'invalid_client', 'The OAuth client was not found.')
    if (body.client_secret === undefined || body.client_secret === '') return error(400, 'invalid_request', 'client_secret is missing.')
    if (body.client_secret !== config.clientSecret) return error(401, 'invalid_client', 'Unauthorized')
    if (body.grant_type === 'refresh_token') {
      const grant = tokens.takeRefresh(body.refresh_token, config.clientId)
      if (!grant) return error(400, 'invalid_grant', 'Token has been expired or revoked.')
      tokens.issueRefresh(grant, body.refresh_token) // Google refresh tokens are reusable.
      return tokenResponse(req, grant, false)
    }
    if (body.grant_type !== DEVICE_GRANT) return error(400, 'unsupported_grant_type', `Invalid grant_type: ${body.grant_type ?? ''}`)
    const poll = codes.poll(body.device_code)
    switch (poll.kind) {
      case 'unknown':
      case 'redeemed': return error(400, 'invalid_grant', 'Bad Request')
      case 'expired': return error(400, 'expired_token', 'Bad Request')
      case 'too_fast': return slowDown()
      case 'pending': return error(428, 'authorization_pending', 'Precondition Required')
      case 'denied': return error(403, 'access_denied', 'Forbidden')
      case 'approved': return tokenResponse(req, { user: poll.user, scope: poll.code.scope, clientId: config.clientId }, true)
    }
  }

  const userinfo = (req: SimRequest): SimResponse => {
    const grant = tokens.byAccess(bearerToken(req))
    if (!grant) return json(401, { error: 'invalid_request', error_description: 'Invalid Credentials' }, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' })
    const { id, name, email } = grant.user
    const [given, ...family] = name.split(' ')
    return json(200, { sub: id, name, given_name: given ?? name, family_name: family.join(' '), picture: `${req.origin}/a/${encodeURIComponent(id)}=s96-c`, email, email_verified: true })
  }

  const server = await startSimulatorServer({
    target: (req) => (req.method !== 'POST' ? undefined : req.path === '/device/code' ? 'code' : req.path === '/token' ? 'token' : undefined),
    slowDown,
    handle: (req) => {
      const route = `${req.method} ${req.path}`
      if (route === 'POST /device/code') return deviceCode(req)
      if (route === 'POST /token') return token(req)
      if (route === 'GET /v1/userinfo') return userinfo(req)
      if (route === 'GET /device') return verificationPage('Google')
      return error(404, 'not_found', 'Not Found')
    },
  })
  return { ...server, approve: (userCode, user) => codes.approve(userCode, user), deny: (userCode) => codes.deny(userCode) }
}
