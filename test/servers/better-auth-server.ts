/**
 * Test harness: a REAL better-auth 1.7 server (device-authorization + bearer
 * plugins, in-memory database) served in-process on 127.0.0.1 with node:http.
 *
 * The device flow is driven through the server's own HTTP API only:
 *   POST {baseUrl}/device/code   -> device_code, user_code, ...
 *   POST {baseUrl}/device/token  -> JSON only ({grant_type, device_code, client_id})
 *   GET  {baseUrl}/device?user_code=...  (Bearer) claims the code for the user
 *   POST {baseUrl}/device/approve | /device/deny  (Bearer, JSON {userCode})
 *   GET  {baseUrl}/get-session   (Bearer) -> {session, user} | null
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { betterAuth } from 'better-auth'
import { memoryAdapter } from 'better-auth/adapters/memory'
import { toNodeHandler } from 'better-auth/node'
import { bearer } from 'better-auth/plugins/bearer'
import { deviceAuthorization } from 'better-auth/plugins/device-authorization'
import { betterAuthApi } from './better-auth-api'

export interface BetterAuthServer {
  /** better-auth basePath URL, e.g. http://127.0.0.1:PORT/api/auth */
  baseUrl: string
  /** The only client id accepted by the device plugin's validateClient. */
  clientId: string
  /** Sign up (email+password) a fresh user and return its session token usable as `Authorization: Bearer <token>` */
  signUp(name?: string): Promise<{ token: string; userId: string; email: string; name: string }>
  /** Claim (GET /device?user_code=) then approve the user code as the given user; throws on any non-2xx. */
  approve(userCode: string, sessionToken: string): Promise<void>
  /** Claim (GET /device?user_code=) then deny the user code as the given user; throws on any non-2xx. */
  deny(userCode: string, sessionToken: string): Promise<void>
  close(): Promise<void>
}

export interface BetterAuthServerOptions {
  /** Device code lifetime: a better-auth time string ("3s", "30m") or a number of seconds. Default "5m". */
  expiresIn?: string | number
  /** Minimum polling interval: a time string ("1s") or a number of seconds. Default "1s". */
  interval?: string | number
}

type DeviceOptions = NonNullable<Parameters<typeof deviceAuthorization>[0]>
type TimeString = NonNullable<DeviceOptions['expiresIn']>

const CLIENT_ID = 'linkscreen-test'
/** Fixed, high-entropy test secret (never used outside tests). */
const SECRET = 'linkscreen-test-secret-7f3c9a1e5b2d4f60a8c1e3b5d7f9a2c4'

/** Numbers are seconds; strings are passed through (the plugin validates them with its own `ms` parser). */
function toTimeString(value: string | number): TimeString {
  return (typeof value === 'number' ? `${value}s` : value) as TimeString
}

export async function startBetterAuthServer(opts: BetterAuthServerOptions = {}): Promise<BetterAuthServer> {
  // Bind first so that baseURL can be the real bound URL; the handler is installed right after.
  let handle: ReturnType<typeof toNodeHandler> | undefined
  const server = createServer((req, res) => {
    if (handle) return void handle(req, res)
    res.writeHead(503).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const baseUrl = `${origin}/api/auth`

  const auth = betterAuth({
    baseURL: origin,
    basePath: '/api/auth',
    secret: SECRET,
    // The memory adapter throws on lookups in missing tables, so pre-create every model.
    database: memoryAdapter({ user: [], session: [], account: [], verification: [], deviceCode: [] }),
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    logger: { level: 'error' },
    plugins: [
      bearer(),
      deviceAuthorization({
        expiresIn: toTimeString(opts.expiresIn ?? '5m'),
        interval: toTimeString(opts.interval ?? '1s'),
        validateClient: (clientId) => clientId === CLIENT_ID,
        verificationUri: `${origin}/device`,
      }),
    ],
  })
  handle = toNodeHandler(auth)

  const api = betterAuthApi(baseUrl, origin)

  return {
    baseUrl,
    clientId: CLIENT_ID,
    signUp: (name) => api.signUp(name),
    approve: (userCode, sessionToken) => api.decide('approve', userCode, sessionToken),
    deny: (userCode, sessionToken) => api.decide('deny', userCode, sessionToken),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}
