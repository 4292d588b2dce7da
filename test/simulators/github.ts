/**
 * GitHub simulator (OAuth app device flow), from GitHub's "Authorizing OAuth apps" docs.
 *
 * - `POST /login/device/code` (form or JSON: `client_id`, `scope`) → `device_code` (40 hex), `user_code`
 *   (XXXX-XXXX), `verification_uri` (`<origin>/login/device`), `expires_in` (default 900), `interval`.
 * - `POST /login/oauth/access_token` (`client_id`, `device_code`, `grant_type`) → always HTTP 200; errors are
 *   `{error, error_description, error_uri}`: authorization_pending, slow_down (with the new `interval`, +5 s,
 *   enforced from then on), expired_token, unsupported_grant_type, incorrect_client_credentials,
 *   incorrect_device_code, access_denied, device_flow_disabled. Success `{access_token, token_type: 'bearer', scope}`
 *   with the scopes comma-separated.
 * Both answer JSON only with `Accept: application/json`, XML with `Accept: application/xml`, and
 * `application/x-www-form-urlencoded` otherwise, as GitHub does.
 * - `GET /api/user` (`Authorization: Bearer|token`) → `{login, id, name, email, avatar_url, ...}` (real: api.github.com/user).
 */
import { json, startSimulatorServer, verificationPage, type SimRequest, type SimResponse } from './server'
import { DeviceCodes, Tokens, bearerToken, randomChars, randomHex, settings, type DeviceCode, type Simulator, type SimulatorOptions } from './device-flow'

/** GitHub simulator options. */
export interface GitHubSimulatorOptions extends SimulatorOptions {
  /** The app has not enabled device flow: every device-flow request gets `device_flow_disabled`. */
  deviceFlowDisabled?: boolean
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const ERROR_URI = 'https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow'
const DESCRIPTIONS: Record<string, string> = {
  authorization_pending: 'The authorization request is still pending.',
  slow_down: 'Too many requests have been made in the same timeframe.',
  expired_token: 'The `device_code` has expired.',
  unsupported_grant_type: 'The grant type is not supported.',
  incorrect_client_credentials: 'The client_id and/or client_secret passed are incorrect.',
  incorrect_device_code: 'The device_code provided is not valid.',
  access_denied: 'The authorization request was denied.',
  device_flow_disabled: 'Device Flow must be explicitly enabled for this App',
}

/** GitHub's content negotiation for its OAuth endpoints: JSON, XML, or (by default) form-encoded. */
function negotiated(req: SimRequest, status: number, fields: Record<string, string | number>): SimResponse {
  const accept = req.headers.accept ?? ''
  if (accept.includes('application/json')) return json(status, fields)
  const headers = { 'cache-control': 'no-store' }
  if (accept.includes('application/xml')) {
    const escape = (v: string | number) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    const xml = Object.entries(fields).map(([k, v]) => `<${k}>${escape(v)}</${k}>`).join('')
    return { status, headers: { ...headers, 'content-type': 'application/xml; charset=utf-8' }, body: `<OAuth>${xml}</OAuth>` }
  }
  const form = new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString()
  return { status, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: form }
}

/** Starts a GitHub simulator on 127.0.0.1. */
export async function startGitHubSimulator(opts: GitHubSimulatorOptions = {}): Promise<Simulator> {
  const config = settings(opts, 900)
  const letters = 'BCDFGHJKLMNPQRSTVWXZ0123456789'
  const codes = new DeviceCodes(config, () => `${randomChars(letters, 4)}-${randomChars(letters, 4)}`, () => randomHex(20))
  const tokens = new Tokens()

  const error = (req: SimRequest, code: string, extra: Record<string, number> = {}, status = 200) =>
    negotiated(req, status, { error: code, error_description: DESCRIPTIONS[code] ?? code, error_uri: ERROR_URI, ...extra })

  /** slow_down: 5 more seconds for this device code from now on, and the new interval in the answer. */
  const slowDown = (req: SimRequest, code: DeviceCode | undefined = codes.find(req.body?.device_code)): SimResponse => {
    const seconds = (code ? code.intervalMs : config.interval * 1000) / 1000 + 5
    if (code) code.intervalMs += 5000
    return error(req, 'slow_down', { interval: Math.ceil(seconds) })
  }

  const deviceCode = (req: SimRequest): SimResponse => {
    if (opts.deviceFlowDisabled) return error(req, 'device_flow_disabled', {}, 400)
    if (req.body?.client_id !== config.clientId) return error(req, 'incorrect_client_credentials', {}, 401)
    const scope = (req.body.scope ?? '').split(/[\s,]+/).filter(Boolean).join(',')
    const code = codes.issue(config.clientId, scope)
    return negotiated(req, 200, {
      device_code: code.deviceCode,
      user_code: code.userCode,
      verification_uri: `${req.origin}/login/device`,
      expires_in: config.expiresIn,
      interval: config.interval,
    })
  }

  const accessToken = (req: SimRequest): SimResponse => {
    if (opts.deviceFlowDisabled) return error(req, 'device_flow_disabled')
    if (req.body?.grant_type !== DEVICE_GRANT) return error(req, 'unsupported_grant_type')
    if (req.body.client_id !== config.clientId) return error(req, 'incorrect_client_credentials')
    const poll = codes.poll(req.body.device_code)
    switch (poll.kind) {
      case 'unknown': return error(req, 'incorrect_device_code')
      case 'redeemed': return error(req, 'incorrect_device_code')
      case 'expired': return error(req, 'expired_token')
      case 'too_fast': return slowDown(req, poll.code)
      case 'pending': return error(req, 'authorization_pending')
      case 'denied': return error(req, 'access_denied')
      case 'approved': {
        const grant = { user: poll.user, scope: poll.code.scope, clientId: config.clientId }
        return negotiated(req, 200, { access_token: tokens.issueAccess(grant, `gho_${randomChars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 36)}`), token_type: 'bearer', scope: grant.scope })
      }
    }
  }

  const user = (req: SimRequest): SimResponse => {
    const token = bearerToken(req, ['bearer', 'token'])
    const grant = tokens.byAccess(token)
    if (!grant) return json(401, { message: token === undefined ? 'Requires authentication' : 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' })
    const { login, name, email, id } = grant.user
    const numericId = /^\d+$/.test(id) ? Number(id) : [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 2 ** 31, 7)
    return json(200, {
      login,
      id: numericId,
      node_id: Buffer.from(`04:User${numericId}`).toString('base64'),
      avatar_url: `${req.origin}/avatars/u/${numericId}?v=4`,
      html_url: `${req.origin}/${login}`,
      type: 'User',
      site_admin: false,
      name,
      email,
    }, { 'x-oauth-scopes': grant.scope.split(',').join(', ') })
  }

  const server = await startSimulatorServer({
    target: (req) => (req.method !== 'POST' ? undefined : req.path === '/login/device/code' ? 'code' : req.path === '/login/oauth/access_token' ? 'token' : undefined),
    slowDown: (req) => slowDown(req),
    handle: (req) => {
      const route = `${req.method} ${req.path}`
      if (route === 'POST /login/device/code') return deviceCode(req)
      if (route === 'POST /login/oauth/access_token') return accessToken(req)
      if (route === 'GET /api/user') return user(req)
      if (route === 'GET /login/device') return verificationPage('GitHub')
      return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' })
    },
  })
  return { ...server, approve: (userCode, u) => codes.approve(userCode, u), deny: (userCode) => codes.deny(userCode) }
}
