/**
 * Trakt simulator (api.trakt.tv device authentication), from Trakt's API docs.
 *
 * - `POST /oauth/device/code` JSON `{client_id}` → `{device_code, user_code, verification_url, expires_in, interval}`
 *   (`verification_url`, and no complete URI).
 * - `POST /oauth/device/token` JSON `{code, client_id, client_secret?}`: the HTTP status is the protocol —
 *   200 tokens, 400 pending, 404 invalid code, 409 already used, 410 expired, 418 denied, 429 slow down.
 *   Error bodies are empty, except 429 which is plain text with `Retry-After`.
 * - `POST /oauth/token` (grant_type refresh_token; refresh tokens are single-use; failure: 400 `invalid_grant`),
 *   `POST /oauth/revoke {token, client_id, client_secret}` → 200.
 * - `GET /users/settings` with `Authorization: Bearer`, `trakt-api-key: <client id>` and `trakt-api-version: 2`
 *   (403 bad/missing key, 412 missing version, 401 no OAuth).
 * POST bodies must be `application/json` (412 otherwise). `client_secret` is deprecated and optional,
 * but checked when sent (401). The access token lives 7 days.
 */
import { empty, json, startSimulatorServer, text, verificationPage, type SimRequest, type SimResponse } from './server'
import { DeviceCodes, Tokens, randomChars, randomHex, settings, unixSeconds, type Simulator, type SimulatorOptions, type Grant } from './device-flow'

const ACCESS_TOKEN_SECONDS = 7 * 24 * 3600

/** Starts a Trakt simulator on 127.0.0.1. */
export async function startTraktSimulator(opts: SimulatorOptions = {}): Promise<Simulator & { forget(userCode: string): void; redeemElsewhere(userCode: string): void }> {
  const config = settings(opts)
  const codes = new DeviceCodes(config, () => randomChars('0123456789ABCDEF', 8))
  const tokens = new Tokens()

  const slowDown = (): SimResponse => text(429, 'Rate Limit Exceeded', { 'retry-after': String(Math.max(1, config.interval)) })

  const tokenResponse = (grant: Grant): SimResponse =>
    json(200, {
      access_token: tokens.issueAccess(grant, randomHex(32)),
      token_type: 'bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      refresh_token: tokens.issueRefresh(grant, randomHex(32)),
      scope: grant.scope,
      created_at: unixSeconds(),
    })

  /** Client checks shared by the OAuth endpoints: JSON body, known client id, right secret if one is sent. */
  const clientProblem = (req: SimRequest): SimResponse | undefined => {
    if (req.contentType !== 'application/json') return empty(412)
    if (!req.body) return empty(400)
    const key = req.headers['trakt-api-key']
    if (req.body.client_id !== config.clientId || (key !== undefined && key !== config.clientId)) return empty(403)
    if (req.body.client_secret !== undefined && req.body.client_secret !== config.clientSecret) {
      return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' })
    }
    return undefined
  }

  const pollToken = (req: SimRequest): SimResponse => {
    const problem = clientProblem(req)
    if (problem) return problem
    const poll = codes.poll(req.body?.code)
    switch (poll.kind) {
      case 'unknown': return empty(404)
      case 'expired': return empty(410)
      case 'too_fast': return slowDown()
      case 'pending': return empty(400)
      case 'denied': return empty(418)
      case 'redeemed': return empty(409)
      case 'approved': return tokenResponse({ user: poll.user, scope: 'public', clientId: config.clientId })
    }
  }

  const settingsFor = (req: SimRequest): SimResponse => {
    if (req.headers['trakt-api-key'] !== config.clientId) return empty(403)
    if (req.headers['trakt-api-version'] !== '2') return empty(412)
    const grant = tokens.byAccess(/^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1])
    if (!grant) return empty(401, { 'www-authenticate': 'Bearer realm="trakt", error="invalid_token"' })
    const { login, name, id } = grant.user
    return json(200, {
      user: {
        username: login,
        private: false,
        name,
        vip: false,
        vip_ep: false,
        ids: { slug: login, uuid: id },
        joined_at: '2020-01-01T00:00:00.000Z',
        images: { avatar: { full: `${req.origin}/images/users/${encodeURIComponent(login)}/avatar.png` } },
      },
      account: { timezone: 'UTC', date_format: 'dmy', time_24hr: true, cover_image: null },
      connections: { facebook: false, twitter: false, google: false, tumblr: false, medium: false, slack: false },
      sharing_text: { watching: 'I\'m watching [item]', watched: 'I just watched [item]' },
    })
  }

  const routes: Record<string, Partial<Record<string, (req: SimRequest) => SimResponse>>> = {
    '/oauth/device/code': {
      POST: (req) => {
        const problem = clientProblem(req)
        if (problem) return problem
        const code = codes.issue(config.clientId, 'public')
        return json(200, {
          device_code: code.deviceCode,
          user_code: code.userCode,
          verification_url: `${req.origin}/activate`,
          expires_in: config.expiresIn,
          interval: config.interval,
        })
      },
    },
    '/oauth/device/token': { POST: pollToken },
    '/oauth/token': {
      POST: (req) => {
        const problem = clientProblem(req)
        if (problem) return problem
        if (req.body?.grant_type !== 'refresh_token') return json(400, { error: 'unsupported_grant_type', error_description: 'only refresh_token is simulated' })
        const grant = tokens.takeRefresh(req.body.refresh_token, config.clientId)
        return grant ? tokenResponse(grant) : json(400, { error: 'invalid_grant', error_description: 'session not found' })
      },
    },
    '/oauth/revoke': {
      POST: (req) => {
        const problem = clientProblem(req)
        if (problem) return problem
        tokens.revoke(req.body?.token)
        return empty(200)
      },
    },
    '/users/settings': { GET: settingsFor },
    '/activate': { GET: () => verificationPage('Trakt') },
  }

  const server = await startSimulatorServer({
    target: (req) => (req.method !== 'POST' ? undefined : req.path === '/oauth/device/code' ? 'code' : req.path.startsWith('/oauth/') && req.path.endsWith('/token') ? 'token' : undefined),
    slowDown,
    handle: (req) => {
      const route = routes[req.path]
      if (!route) return empty(404)
      return route[req.method]?.(req) ?? empty(405)
    },
  })
  return {
    ...server,
    approve: (userCode, user) => codes.approve(userCode, user),
    deny: (userCode) => codes.deny(userCode),
    forget: (userCode) => codes.forget(userCode),
    redeemElsewhere: (userCode) => codes.redeemElsewhere(userCode),
  }
}
