/**
 * The demo provider's in-memory state: the accounts made up from typed names
 * (`AccountBook`) and the oidc-provider adapter storage (`MemoryStore`).
 * Nothing is persisted; everything is gone when the server closes.
 */
import { createHash } from 'node:crypto'
import type { Account, Adapter, AdapterPayload } from 'oidc-provider'

/** Domain of the made-up e-mail addresses (`.invalid` is reserved, RFC 2606). */
export const DEMO_EMAIL_DOMAIN = 'demo.linkscreen.invalid'
export const MAX_NAME_LENGTH = 80
/**
 * Expired artifacts are kept this long past their expiry, so a late poll gets
 * `expired_token` (not `invalid_grant: device code not found`) and the
 * verification page says "expired" (not "not found").
 */
export const EXPIRED_RETENTION_SECONDS = 10 * 60
export const MAX_STORED_ENTRIES = 10_000

// ---------------------------------------------------------------------------
// Accounts: made up from whatever name is typed

/** Trims, strips control characters, collapses whitespace. */
export function normalizeName(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim()
}

/**
 * The stable account id (`sub`) for a typed name: a lowercase ASCII slug
 * ("Ada Lovelace" → "ada-lovelace"), or `user-<12 hex>` (a SHA-256 prefix of
 * the normalized name) when nothing ASCII is left, e.g. for "山田".
 */
export function slugForName(name: string): string {
  const normalized = normalizeName(name)
  const slug = normalized
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '')
  if (slug) return slug
  return `user-${createHash('sha256').update(normalized).digest('hex').slice(0, 12)}`
}

interface DemoAccount {
  readonly sub: string
  readonly name: string
}

export class AccountBook {
  readonly #bySub = new Map<string, DemoAccount>()

  /** Remembers (or re-labels) the account for a typed name and returns it. */
  signIn(name: string): DemoAccount {
    const account: DemoAccount = { sub: slugForName(name), name }
    this.#bySub.delete(account.sub)
    this.#bySub.set(account.sub, account)
    if (this.#bySub.size > MAX_STORED_ENTRIES) {
      const oldest = this.#bySub.keys().next()
      if (!oldest.done) this.#bySub.delete(oldest.value)
    }
    return account
  }

  get(sub: string): DemoAccount | undefined {
    return this.#bySub.get(sub)
  }

  /** oidc-provider `findAccount`. */
  find(sub: string): Account | undefined {
    const account = this.#bySub.get(sub)
    if (!account) return undefined
    return {
      accountId: account.sub,
      claims: () => ({
        sub: account.sub,
        name: account.name,
        email: `${account.sub}@${DEMO_EMAIL_DOMAIN}`,
        email_verified: false,
      }),
    }
  }
}

// ---------------------------------------------------------------------------
// Storage: a small per-server in-memory adapter.
// (Passing our own adapter also avoids oidc-provider's "development-only
// in-memory adapter" warning; its built-in one drops expired device codes
// 15 s — `clockTolerance` — after expiry, which turns expired_token into
// invalid_grant for late polls.)

/** Models whose entries belong to a grant (revoked together by `revokeByGrantId`), as in oidc-provider's own adapter. */
const GRANTABLE_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
])

function modelOf(key: string): string {
  return key.slice(0, key.indexOf(':'))
}

interface StoredEntry {
  payload: Record<string, unknown>
  /** ms epoch after which the entry is dropped (expiry + retention), or Infinity. */
  dropAt: number
}

export class MemoryStore {
  readonly entries = new Map<string, StoredEntry>()
  readonly userCodes = new Map<string, string>()
  readonly sessionUids = new Map<string, string>()
  readonly grants = new Map<string, Set<string>>()
  #writes = 0

  get(key: string): StoredEntry | undefined {
    const entry = this.entries.get(key)
    if (entry && entry.dropAt <= Date.now()) {
      this.delete(key)
      return undefined
    }
    return entry
  }

  set(key: string, entry: StoredEntry): void {
    this.delete(key)
    this.entries.set(key, entry)
    const { userCode, uid, grantId } = entry.payload
    const id = key.slice(key.indexOf(':') + 1)
    if (typeof userCode === 'string' && modelOf(key) === 'DeviceCode') this.userCodes.set(userCode, id)
    if (typeof uid === 'string' && modelOf(key) === 'Session') this.sessionUids.set(uid, id)
    if (typeof grantId === 'string' && GRANTABLE_MODELS.has(modelOf(key))) {
      const members = this.grants.get(grantId) ?? new Set<string>()
      members.add(key)
      this.grants.set(grantId, members)
    }
    this.#writes += 1
    if (this.#writes % 100 === 0 || this.entries.size > MAX_STORED_ENTRIES) this.sweep()
  }

  delete(key: string): void {
    const entry = this.entries.get(key)
    if (!entry) return
    this.entries.delete(key)
    const { userCode, uid, grantId } = entry.payload
    const id = key.slice(key.indexOf(':') + 1)
    if (typeof userCode === 'string' && this.userCodes.get(userCode) === id) this.userCodes.delete(userCode)
    if (typeof uid === 'string' && this.sessionUids.get(uid) === id) this.sessionUids.delete(uid)
    if (typeof grantId === 'string') {
      const members = this.grants.get(grantId)
      members?.delete(key)
      if (members?.size === 0) this.grants.delete(grantId)
    }
  }

  /** Drops stale entries, then the oldest ones while over the cap. */
  sweep(): void {
    const now = Date.now()
    for (const [key, entry] of [...this.entries]) {
      if (entry.dropAt <= now) this.delete(key)
    }
    for (const key of [...this.entries.keys()]) {
      if (this.entries.size <= MAX_STORED_ENTRIES) break
      this.delete(key)
    }
  }

  adapterFor(model: string): Adapter {
    const keyOf = (id: string): string => `${model}:${id}`
    const read = (key: string): AdapterPayload | undefined => {
      const entry = this.get(key)
      return entry ? { ...entry.payload } : undefined
    }
    return {
      upsert: async (id, payload, expiresIn) => {
        const dropAt = typeof expiresIn === 'number'
          ? Date.now() + (expiresIn + EXPIRED_RETENTION_SECONDS) * 1000
          : Number.POSITIVE_INFINITY
        this.set(keyOf(id), { payload: { ...payload }, dropAt })
      },
      find: async (id) => read(keyOf(id)),
      findByUserCode: async (userCode) => {
        const id = this.userCodes.get(userCode)
        return id === undefined ? undefined : read(keyOf(id))
      },
      findByUid: async (uid) => {
        const id = this.sessionUids.get(uid)
        return id === undefined ? undefined : read(keyOf(id))
      },
      consume: async (id) => {
        const entry = this.get(keyOf(id))
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
      },
      destroy: async (id) => {
        this.delete(keyOf(id))
      },
      revokeByGrantId: async (grantId) => {
        for (const key of [...(this.grants.get(grantId) ?? [])]) this.delete(key)
        this.grants.delete(grantId)
      },
    }
  }
}
