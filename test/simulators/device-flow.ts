/**
 * What every provider simulator shares: the public API, options, the in-memory device codes
 * (interval and expiry enforcement, approve/deny) and the issued tokens.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import type { Faults } from './faults'
import type { SeenRequest, SimRequest } from './server'

/** Who signs in on the provider's page. */
export interface SimUserInput {
  id?: string
  name?: string
  login?: string
  email?: string
}

/** A signed-in user, with every field filled in. */
export interface SimUser {
  id: string
  name: string
  login: string
  email: string
}

/** Options every simulator takes. */
export interface SimulatorOptions {
  /** Lifetime of a device code in seconds. Default 600 (GitHub: 900). */
  expiresIn?: number
  /** Minimum seconds between two polls of one device code. Default 5. */
  interval?: number
  clientId?: string
  clientSecret?: string
}

/** The API of every provider simulator. */
export interface Simulator {
  /** http://127.0.0.1:PORT */
  origin: string
  faults: Faults
  /** Every request, in order. */
  requests: SeenRequest[]
  /** What the person does on the provider's verification page. Throws if the code is unknown, expired or already decided. */
  approve(userCode: string, user?: SimUserInput): void
  /** The person refuses on the verification page. Throws like {@link Simulator.approve}. */
  deny(userCode: string): void
  close(): Promise<void>
}

/** Client credentials the simulators accept unless told otherwise. */
export const DEFAULT_CLIENT_ID = 'linkscreen-test-client'
export const DEFAULT_CLIENT_SECRET = 'linkscreen-test-secret'
/** Polls may arrive this much before `interval` has passed (timer granularity) without a slow-down. */
const GRACE_MS = 25

/** Options with defaults applied. */
export interface Settings {
  expiresIn: number
  interval: number
  clientId: string
  clientSecret: string
}

export function settings(opts: SimulatorOptions, defaultExpiresIn = 600): Settings {
  const out = {
    expiresIn: opts.expiresIn ?? defaultExpiresIn,
    interval: opts.interval ?? 5,
    clientId: opts.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: opts.clientSecret ?? DEFAULT_CLIENT_SECRET,
  }
  if (!(out.expiresIn > 0 && Number.isFinite(out.expiresIn))) throw new Error(`expiresIn must be a positive number, got ${out.expiresIn}`)
  if (!(out.interval >= 0 && Number.isFinite(out.interval))) throw new Error(`interval must be a non-negative number, got ${out.interval}`)
  return out
}

/** Random lower-case hex of `bytes` bytes. */
export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex')
/** `length` random characters from `alphabet`. */
export const randomChars = (alphabet: string, length: number): string =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('')
export const unixSeconds = (): number => Math.floor(Date.now() / 1000)
export { randomUUID }

/** An unsigned, JWT-shaped string (header.payload.signature), enough for an `id_token`. */
export function fakeJwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256', kid: 'simulator', typ: 'JWT' })}.${part(payload)}.${randomBytes(32).toString('base64url')}`
}

/** The credentials of an `Authorization: <scheme> <token>` header, for any of `schemes` (case-insensitive). */
export function bearerToken(req: SimRequest, schemes: readonly string[] = ['bearer']): string | undefined {
  const match = /^(\S+)\s+(\S+)\s*$/.exec(req.headers.authorization ?? '')
  return match && schemes.includes(match[1]!.toLowerCase()) ? match[2] : undefined
}

/** One device authorization, as the provider keeps it. */
export interface DeviceCode {
  deviceCode: string
  userCode: string
  clientId: string
  scope: string
  expiresAt: number
  /** Current minimum gap between polls (ms); a provider may raise it on slow-down. */
  intervalMs: number
  lastPollAt: number | undefined
  state: 'pending' | 'approved' | 'denied' | 'redeemed'
  user: SimUser | undefined
}

/** What a poll finds. `approved` is returned once; later polls of that code see `redeemed`. */
export type PollResult =
  | { kind: 'unknown' }
  | { kind: 'expired' | 'too_fast' | 'pending' | 'denied' | 'redeemed'; code: DeviceCode }
  | { kind: 'approved'; code: DeviceCode; user: SimUser }

const normalizeUserCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '')

/** The device codes a provider has issued, in memory. Time is `performance.now()`. */
export class DeviceCodes {
  private readonly byDevice = new Map<string, DeviceCode>()
  private readonly byUser = new Map<string, DeviceCode>()

  constructor(
    private readonly config: Settings,
    private readonly makeUserCode: () => string,
    private readonly makeDeviceCode: () => string = () => randomHex(32),
  ) {}

  issue(clientId: string, scope: string): DeviceCode {
    let userCode = this.makeUserCode()
    for (let i = 0; i < 100 && this.byUser.has(normalizeUserCode(userCode)); i++) userCode = this.makeUserCode()
    const code: DeviceCode = {
      deviceCode: this.makeDeviceCode(),
      userCode,
      clientId,
      scope,
      expiresAt: performance.now() + this.config.expiresIn * 1000,
      intervalMs: this.config.interval * 1000,
      lastPollAt: undefined,
      state: 'pending',
      user: undefined,
    }
    this.byDevice.set(code.deviceCode, code)
    this.byUser.set(normalizeUserCode(userCode), code)
    return code
  }

  find(deviceCode: string | undefined): DeviceCode | undefined {
    return deviceCode === undefined ? undefined : this.byDevice.get(deviceCode)
  }

  /** One poll: unknown → expired → too fast (sooner than the interval after the previous poll) → state. */
  poll(deviceCode: string | undefined): PollResult {
    const code = this.find(deviceCode)
    if (!code) return { kind: 'unknown' }
    const now = performance.now()
    if (now >= code.expiresAt) return { kind: 'expired', code }
    const previous = code.lastPollAt
    code.lastPollAt = now
    if (previous !== undefined && now - previous < code.intervalMs - GRACE_MS) return { kind: 'too_fast', code }
    if (code.state !== 'approved' || !code.user) return { kind: code.state === 'approved' ? 'pending' : code.state, code }
    code.state = 'redeemed'
    return { kind: 'approved', code, user: code.user }
  }

  approve(userCode: string, input: SimUserInput = {}): void {
    const code = this.decidable(userCode)
    const login = input.login ?? 'linkscreen-user'
    code.user = { id: input.id ?? '1001', login, name: input.name ?? 'Linkscreen User', email: input.email ?? `${login}@example.com` }
    code.state = 'approved'
  }

  deny(userCode: string): void {
    this.decidable(userCode).state = 'denied'
  }

  /** Another device redeems the approved code first: later polls see `redeemed`. */
  redeemElsewhere(userCode: string): void {
    const code = this.decidable(userCode)
    code.state = 'redeemed'
  }

  /** The provider loses the code (restarted, or purged it): later polls find nothing. */
  forget(userCode: string): void {
    const code = this.byUser.get(normalizeUserCode(userCode))
    if (!code) throw new Error(`unknown user code ${JSON.stringify(userCode)}`)
    this.byUser.delete(normalizeUserCode(userCode))
    this.byDevice.delete(code.deviceCode)
  }

  private decidable(userCode: string): DeviceCode {
    const code = this.byUser.get(normalizeUserCode(userCode))
    if (!code) throw new Error(`unknown user code ${JSON.stringify(userCode)}`)
    if (performance.now() >= code.expiresAt) throw new Error(`user code ${userCode} has expired`)
    if (code.state !== 'pending') throw new Error(`user code ${userCode} was already ${code.state}`)
    return code
  }
}

/** What an access or refresh token stands for. */
export interface Grant {
  user: SimUser
  scope: string
  clientId: string
}

/** Issued tokens, in memory. Refresh tokens are single-use. */
export class Tokens {
  private readonly access = new Map<string, Grant>()
  private readonly refresh = new Map<string, Grant>()

  issueAccess(grant: Grant, token = randomHex(24)): string {
    this.access.set(token, grant)
    return token
  }

  issueRefresh(grant: Grant, token = randomHex(32)): string {
    this.refresh.set(token, grant)
    return token
  }

  /** The grant of a live access token. */
  byAccess(token: string | undefined): Grant | undefined {
    return token === undefined ? undefined : this.access.get(token)
  }

  /** Uses up a refresh token of `clientId`. */
  takeRefresh(token: string | undefined, clientId: string | undefined): Grant | undefined {
    const grant = token === undefined ? undefined : this.refresh.get(token)
    if (!grant || grant.clientId !== clientId) return undefined
    this.refresh.delete(token!)
    return grant
  }

  /** Revokes an access or refresh token; unknown tokens are ignored. */
  revoke(token: string | undefined): void {
    if (token === undefined) return
    this.access.delete(token)
    this.refresh.delete(token)
  }
}
