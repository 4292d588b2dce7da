/**
 * "api-v1" simulator: a device-flow API known only from its OpenAPI client docs, which give the paths
 * `POST /api/v1/oauth/device-authorization/` and `POST /api/v1/oauth/token`, each accepting
 * `application/json`, `application/x-www-form-urlencoded` and `multipart/form-data`, answering JSON.
 * The fields are our choice, RFC 8628 style:
 * - device authorization: `client_id`, `scope`, and device metadata `device_name`, `device_model`,
 *   `device_os`, `app_version` (recorded in `devices`) → `{device_code, user_code, verification_uri,
 *   verification_uri_complete, expires_in, interval}`.
 * - token: `grant_type` (device_code URN), `device_code`, `client_id` → RFC 6749/8628 JSON errors
 *   (400; `invalid_client` 401) or `{access_token, token_type, expires_in, refresh_token, scope}`.
 * A content type outside `acceptedEncodings` gets 415 with a JSON error body.
 */
import { json, startSimulatorServer, verificationPage, type SimRequest, type SimResponse } from './server'
import { DeviceCodes, Tokens, randomChars, randomHex, settings, type Simulator, type SimulatorOptions } from './device-flow'

/** A body encoding the API accepts. */
export type ApiV1Encoding = 'json' | 'form' | 'multipart'

/** Device metadata sent with a device authorization request (only the fields that were sent). */
export interface ApiV1Device {
  device_name?: string
  device_model?: string
  device_os?: string
  app_version?: string
}

/** api-v1 simulator options. */
export interface ApiV1SimulatorOptions extends SimulatorOptions {
  /** Body encodings accepted by both endpoints. Default all three. */
  acceptedEncodings?: ApiV1Encoding[]
}

/** The api-v1 simulator: the common API plus the device metadata it received. */
export interface ApiV1Simulator extends Simulator {
  /** One entry per device authorization request that was answered 200, in order. */
  devices: ApiV1Device[]
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const MEDIA: Record<ApiV1Encoding, string> = { json: 'application/json', form: 'application/x-www-form-urlencoded', multipart: 'multipart/form-data' }
const METADATA = ['device_name', 'device_model', 'device_os', 'app_version'] as const
const AUTHORIZE = '/api/v1/oauth/device-authorization/'
const TOKEN = '/api/v1/oauth/token'

const error = (status: number, code: string, description: string): SimResponse => json(status, { error: code, error_description: description })

/** Starts an api-v1 simulator on 127.0.0.1. */
export async function startApiV1Simulator(opts: ApiV1SimulatorOptions = {}): Promise<ApiV1Simulator> {
  const config = settings(opts)
  const accepted = (opts.acceptedEncodings ?? ['json', 'form', 'multipart']).map((e) => MEDIA[e])
  const consonants = 'BCDFGHJKLMNPQRSTVWXZ'
  const codes = new DeviceCodes(config, () => `${randomChars(consonants, 4)}-${randomChars(consonants, 4)}`)
  const tokens = new Tokens()
  const devices: ApiV1Device[] = []
  const slowDown = () => error(400, 'slow_down', 'Polling too frequently; increase the interval by 5 seconds.')

  /** 415 for an unaccepted encoding, 400 for an unparsable body, 400/401 for a missing/unknown client. */
  const problem = (req: SimRequest): SimResponse | undefined => {
    if (req.contentType === undefined || !accepted.includes(req.contentType)) {
      return error(415, 'invalid_request', `Unsupported media type "${req.contentType ?? ''}" in request.`)
    }
    if (req.bodyError !== undefined) return error(400, 'invalid_request', `Malformed request body: ${req.bodyError}`)
    if (!req.body?.client_id) return error(400, 'invalid_request', 'Missing required parameter: client_id')
    if (req.body.client_id !== config.clientId) return error(401, 'invalid_client', 'Unknown client')
    return undefined
  }

  const authorize = (req: SimRequest): SimResponse => {
    const bad = problem(req)
    if (bad) return bad
    const body = req.body ?? {}
    const device: ApiV1Device = {}
    for (const field of METADATA) if (body[field] !== undefined) device[field] = body[field]
    devices.push(device)
    const code = codes.issue(config.clientId, body.scope ?? '')
    const uri = `${req.origin}/device`
    return json(200, {
      device_code: code.deviceCode,
      user_code: code.userCode,
      verification_uri: uri,
      verification_uri_complete: `${uri}?user_code=${encodeURIComponent(code.userCode)}`,
      expires_in: config.expiresIn,
      interval: config.interval,
    })
  }

  const token = (req: SimRequest): SimResponse => {
    const bad = problem(req)
    if (bad) return bad
    const body = req.body ?? {}
    if (body.grant_type !== DEVICE_GRANT) return error(400, 'unsupported_grant_type', `Unsupported grant_type: ${body.grant_type ?? ''}`)
    if (!body.device_code) return error(400, 'invalid_request', 'Missing required parameter: device_code')
    const poll = codes.poll(body.device_code)
    switch (poll.kind) {
      case 'unknown': return error(400, 'invalid_grant', 'Unknown device_code')
      case 'redeemed': return error(400, 'invalid_grant', 'This device_code was already used')
      case 'expired': return error(400, 'expired_token', 'The device_code has expired')
      case 'too_fast': return slowDown()
      case 'pending': return error(400, 'authorization_pending', 'The user has not yet approved this device')
      case 'denied': return error(400, 'access_denied', 'The user denied this device')
      case 'approved': {
        const grant = { user: poll.user, scope: poll.code.scope, clientId: config.clientId }
        return json(200, { access_token: tokens.issueAccess(grant), token_type: 'Bearer', expires_in: 3600, refresh_token: tokens.issueRefresh(grant), scope: grant.scope })
      }
    }
  }

  const server = await startSimulatorServer({
    target: (req) => (req.method !== 'POST' ? undefined : req.path === AUTHORIZE ? 'code' : req.path === TOKEN ? 'token' : undefined),
    slowDown,
    handle: (req) => {
      if (req.path === AUTHORIZE || req.path === TOKEN) {
        if (req.method !== 'POST') return json(405, { detail: `Method "${req.method}" not allowed.` }, { allow: 'POST, OPTIONS' })
        return req.path === AUTHORIZE ? authorize(req) : token(req)
      }
      if (req.method === 'GET' && req.path === '/device') return verificationPage('api-v1')
      return json(404, { detail: 'Not found.' })
    },
  })
  return { ...server, devices, approve: (userCode, user) => codes.approve(userCode, user), deny: (userCode) => codes.deny(userCode) }
}
