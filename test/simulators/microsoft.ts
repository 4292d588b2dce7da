/**
 * Microsoft identity platform simulator (v2.0 device authorization grant), from the Entra docs.
 *
 * - `POST /{tenant}/oauth2/v2.0/devicecode` (form: `client_id`, `scope`) → `{user_code, device_code,
 *   verification_uri, expires_in, interval, message}` (no `verification_uri_complete`). Tenant: `common`,
 *   `organizations`, `consumers`, a GUID or a domain; anything else → 400 (AADSTS90002).
 * - `POST /{tenant}/oauth2/v2.0/token` (form: `grant_type` device_code URN, `client_id`, `device_code`):
 *   errors are 400 `{error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}`:
 *   authorization_pending (70016), authorization_declined, bad_verification_code (70018), expired_token
 *   (70019), and RFC 8628 slow_down for polls faster than `interval`. Success `{token_type: 'Bearer', scope,
 *   expires_in, ext_expires_in, access_token, id_token (only with openid), refresh_token (only with offline_access)}`.
 * - `GET /oidc/userinfo` (Bearer) → `{sub, name, given_name, family_name, email, picture}` (real: graph.microsoft.com).
 * Only form bodies are read, as the real endpoints do: a JSON body counts as missing parameters.
 */
import { json, startSimulatorServer, verificationPage, type SimRequest, type SimResponse } from './server'
import { DeviceCodes, Tokens, bearerToken, fakeJwt, randomChars, randomHex, randomUUID, settings, unixSeconds, type Simulator, type SimulatorOptions } from './device-flow'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i
const ENDPOINT = /^\/([^/]+)\/oauth2\/v2\.0\/(devicecode|token)$/

const validTenant = (tenant: string) => ['common', 'organizations', 'consumers'].includes(tenant) || GUID.test(tenant) || DOMAIN.test(tenant)

/** An error in the identity platform's format. `aadsts` is omitted where the docs name no code. */
function aadError(req: SimRequest, error: string, aadsts: number | undefined, message: string): SimResponse {
  const traceId = randomUUID()
  const correlationId = randomUUID()
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
  return json(400, {
    error,
    error_description: `${aadsts === undefined ? '' : `AADSTS${aadsts}: `}${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: aadsts === undefined ? [] : [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    ...(aadsts === undefined ? {} : { error_uri: `${req.origin}/error?code=${aadsts}` }),
  })
}

/** Starts a Microsoft identity platform simulator on 127.0.0.1. */
export async function startMicrosoftSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const config = settings(opts)
  const codes = new DeviceCodes(config, () => randomChars('ABCDEFGHJKLMNPQRSTUVWXYZ23456789', 9), () => `DAQABAAEAAA${randomChars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 140)}`)
  const tokens = new Tokens()
  const slowDown = (req: SimRequest) => aadError(req, 'slow_down', undefined, 'The client is polling too quickly; wait 5 more seconds between requests.')

  /** The endpoints read form bodies only: any other encoding counts as no parameters. */
  const fields = (req: SimRequest): Record<string, string> => (req.contentType === 'application/x-www-form-urlencoded' ? (req.body ?? {}) : {})

  /** Missing parameter or unknown client. */
  const problem = (req: SimRequest, body: Record<string, string>, required: string[]): SimResponse | undefined => {
    const missing = required.find((name) => !body[name])
    if (missing !== undefined) return aadError(req, 'invalid_request', 900144, `The request body must contain the following parameter: '${missing}'.`)
    if (body.client_id !== config.clientId) {
      return aadError(req, 'unauthorized_client', 700016, `Application with identifier '${body.client_id}' was not found in the directory.`)
    }
    return undefined
  }

  const deviceCode = (req: SimRequest): SimResponse => {
    const body = fields(req)
    const bad = problem(req, body, ['client_id', 'scope'])
    if (bad) return bad
    const code = codes.issue(config.clientId, (body.scope ?? '').split(/\s+/).filter(Boolean).join(' '))
    const uri = `${req.origin}/devicelogin`
    return json(200, {
      user_code: code.userCode,
      device_code: code.deviceCode,
      verification_uri: uri,
      expires_in: config.expiresIn,
      interval: config.interval,
      message: `To sign in, use a web browser to open the page ${uri} and enter the code ${code.userCode} to authenticate.`,
    })
  }

  const token = (req: SimRequest): SimResponse => {
    const body = fields(req)
    const bad = problem(req, body, ['grant_type', 'client_id'])
    if (bad) return bad
    if (body.grant_type !== DEVICE_GRANT) return aadError(req, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${body.grant_type}'.`)
    if (!body.device_code) return aadError(req, 'invalid_request', 900144, 'The request body must contain the following parameter: \'device_code\'.')
    const poll = codes.poll(body.device_code)
    switch (poll.kind) {
      case 'unknown': return aadError(req, 'bad_verification_code', 70018, 'Invalid verification code.')
      case 'redeemed': return aadError(req, 'invalid_grant', 70000, 'The provided value for the input parameter \'device_code\' is not valid.')
      case 'expired': return aadError(req, 'expired_token', 70019, 'Verification code expired.')
      case 'too_fast': return slowDown(req)
      case 'pending': return aadError(req, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.')
      case 'denied': return aadError(req, 'authorization_declined', undefined, 'The end user denied the authorization request.')
      case 'approved': {
        const requested = poll.code.scope.split(' ')
        const grant = { user: poll.user, scope: requested.filter((s) => s !== 'offline_access').join(' '), clientId: config.clientId }
        const { user } = grant
        return json(200, {
          token_type: 'Bearer',
          scope: grant.scope,
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: tokens.issueAccess(grant, `eyJ0eXAiOiJKV1Qi.${randomHex(48)}`),
          ...(requested.includes('openid')
            ? { id_token: fakeJwt({ aud: config.clientId, iss: `${req.origin}/${req.path.split('/')[1]}/v2.0`, sub: user.id, oid: user.id, name: user.name, preferred_username: user.email, iat: unixSeconds(), exp: unixSeconds() + 3600 }) }
            : {}),
          ...(requested.includes('offline_access') ? { refresh_token: tokens.issueRefresh(grant, `0.A${randomHex(64)}`) } : {}),
        })
      }
    }
  }

  const userinfo = (req: SimRequest): SimResponse => {
    const grant = tokens.byAccess(bearerToken(req))
    if (!grant) return json(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty or invalid.' } }, { 'www-authenticate': 'Bearer realm="", error="invalid_token"' })
    const { id, name, email } = grant.user
    const [given, ...family] = name.split(' ')
    return json(200, { sub: id, name, family_name: family.join(' '), given_name: given ?? name, picture: `${req.origin}/v1.0/me/photo/$value`, email })
  }

  const server = await startSimulatorServer({
    target: (req) => {
      const kind = req.method === 'POST' ? ENDPOINT.exec(req.path)?.[2] : undefined
      return kind === 'devicecode' ? 'code' : kind === 'token' ? 'token' : undefined
    },
    slowDown,
    handle: (req) => {
      const endpoint = ENDPOINT.exec(req.path)
      if (endpoint && req.method === 'POST') {
        const tenant = decodeURIComponent(endpoint[1]!)
        if (!validTenant(tenant)) return aadError(req, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`)
        return endpoint[2] === 'devicecode' ? deviceCode(req) : token(req)
      }
      if (req.method === 'GET' && req.path === '/oidc/userinfo') return userinfo(req)
      if (req.method === 'GET' && req.path === '/devicelogin') return verificationPage('Microsoft')
      return json(404, { error: 'not_found', error_description: `No route for ${req.method} ${req.path}` })
    },
  })
  return { ...server, approve: (userCode, user) => codes.approve(userCode, user), deny: (userCode) => codes.deny(userCode) }
}
