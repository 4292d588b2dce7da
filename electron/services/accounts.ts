/**
 * Signed-in accounts and their tokens' life cycle, for the app and `linkscreen serve`:
 *
 * - one account per provider + subject; signing in again updates it instead of adding one;
 * - access tokens are refreshed shortly before they expire, and once after a 401; only one
 *   refresh per account is ever in flight (racing callers share it);
 * - a rotated refresh token is written to the vault before the new access token is used;
 * - a refresh refused with `invalid_grant` marks the account "needs sign-in again" and keeps it;
 * - sign-out revokes at the provider (bounded in time), then removes the account whatever the
 *   provider said, and says when the provider was not reached.
 *
 * No `electron` import; the clock is injected, so tests control time.
 */
import { ErrorCode, LinkscreenError, isLinkscreenError } from '../core/errors'
import { cleanText } from '../core/redact'
import type { Account, Clock, Dialect, TokenSet } from '../core/types'
import { isSafeUrl } from '../core/urls'
import type { AccountView, Result } from '../ipc/contract'
import type { AccountRecord, AccountVault } from './vault-types'

export interface AccountManagerOptions {
  readonly vault: AccountVault
  readonly clock: Clock
  /** The dialect of a provider, or undefined when the provider is gone from the configuration. */
  readonly dialectFor: (providerId: string) => Promise<Dialect | undefined>
  readonly onChange: (accounts: readonly AccountView[]) => void
  readonly onVaultError?: (error: unknown) => void
  /** How long before expiry a token is refreshed; default: a tenth of its lifetime, 5 s to 5 min, at most half. */
  readonly refreshLead?: (lifetimeMs: number) => number
  /** How long sign-out waits for the provider's revocation. Default 10 s. */
  readonly revokeTimeoutMs?: number
  /** Whether accounts of this provider can approve other screens' codes (better-auth device plugin). */
  readonly canApprove?: (providerId: string) => boolean
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value })
const fail = (code: string, message: string): Result<never> => ({ ok: false, code, message })

/** A tenth of the lifetime, between 5 s and 5 min, and never more than half of it. */
export function defaultRefreshLead(lifetimeMs: number): number {
  return Math.min(300_000, Math.max(5_000, lifetimeMs / 10), lifetimeMs / 2)
}

/** The `sub` of an ID token the dialect has already validated (read, not checked, here). */
function subjectOf(idToken: string | undefined): string | undefined {
  const payload = idToken?.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }
    return typeof claims.sub === 'string' ? claims.sub : undefined
  } catch {
    return undefined
  }
}

/** After a failed refresh that may succeed later (network, 5xx): retry after this long. */
const RETRY_MS = [10_000, 30_000, 120_000, 600_000] as const

function safePicture(url: string | undefined): string | null {
  if (url === undefined || !URL.canParse(url)) return null
  return isSafeUrl(new URL(url)) ? url : null
}

export class AccountManager {
  private readonly records = new Map<string, AccountRecord>()
  private readonly refreshing = new Map<string, Promise<Result<AccountView>>>()
  private readonly timers = new Map<string, AbortController>()
  private readonly failures = new Map<string, number>()
  private writes: Promise<void> = Promise.resolve()
  private closed = false

  constructor(private readonly options: AccountManagerOptions) {}

  list(): readonly AccountView[] {
    return [...this.records.values()].map((r) => r.view)
  }

  get(id: string): AccountRecord | undefined {
    return this.records.get(id)
  }

  /**
   * Loads the vault's accounts and plans their refreshes. Accounts this run already knows (a
   * sign-in made while the keystore was opening) are kept as they are, so calling it again when
   * a locked keystore opens only adds what it held.
   */
  async restore(): Promise<void> {
    const added: string[] = []
    for (const record of await this.options.vault.load()) {
      if (this.records.has(record.view.id)) continue
      this.records.set(record.view.id, this.normalise(record))
      added.push(record.view.id)
    }
    this.publish()
    for (const id of added) this.schedule(id)
  }

  /**
   * Stores a sign-in: the same provider + subject replaces the account it had (fresh tokens,
   * fresh labels, status active). Without a subject the sign-in cannot be matched and is kept
   * as its own account.
   */
  remember(providerId: string, providerName: string, tokens: TokenSet, account: Account | undefined): AccountView {
    const subject = account?.sub ?? account?.email
    const id = `${providerId}:${subject ?? `unidentified-${this.options.clock.now().toString(36)}`}`
    const view: AccountView = {
      id,
      providerId,
      providerName,
      sub: account?.sub ?? null,
      name: account?.name === undefined ? null : cleanText(account.name, 100),
      email: account?.email === undefined ? null : cleanText(account.email, 200),
      picture: safePicture(account?.picture),
      scope: tokens.scope === undefined ? null : cleanText(tokens.scope, 1000),
      signedInAt: this.options.clock.now(),
      status: 'active',
      expiresAt: tokens.expires_at ?? null,
      canApprove: this.options.canApprove?.(providerId) ?? false,
    }
    const record: AccountRecord = { view, tokens }
    this.records.set(id, record)
    this.failures.delete(id)
    this.publish()
    this.persist(() => this.options.vault.put(record))
    this.schedule(id)
    return view
  }

  /**
   * Refreshes an account's tokens now. Callers racing for the same account share one request.
   * `invalid_grant` marks the account as needing a new sign-in; other failures leave it as it
   * was and retry later.
   */
  refresh(id: string, signal?: AbortSignal): Promise<Result<AccountView>> {
    const running = this.refreshing.get(id)
    if (running) return running
    const started = this.doRefresh(id, signal).finally(() => this.refreshing.delete(id))
    this.refreshing.set(id, started)
    return started
  }

  /**
   * Runs `use` with the account's access token; when it fails with HTTP 401, refreshes once
   * and runs it again with the new token.
   */
  async withAccessToken<T>(id: string, use: (tokens: TokenSet) => Promise<T>): Promise<T> {
    const record = this.records.get(id)
    if (!record) throw new LinkscreenError(ErrorCode.Config, 'no such account')
    try {
      return await use(record.tokens)
    } catch (error) {
      if (!isLinkscreenError(error) || error.status !== 401) throw error
      const refreshed = await this.refresh(id)
      if (!refreshed.ok) throw new LinkscreenError(ErrorCode.OAuth, `the provider refused the token, and refreshing it failed: ${refreshed.message}`, { status: 401 })
      const again = this.records.get(id)
      if (!again) throw new LinkscreenError(ErrorCode.Config, 'no such account')
      return use(again.tokens)
    }
  }

  /**
   * Asks the provider who the account is now (userinfo or its profile endpoint) and updates the
   * labels; a refused access token (401) is refreshed once. A profile about another subject is
   * not used.
   */
  async updateProfile(id: string): Promise<Result<AccountView>> {
    const record = this.records.get(id)
    if (!record) return fail('unknown_account', 'no such account')
    const dialect = await this.options.dialectFor(record.view.providerId).catch(() => undefined)
    if (!dialect?.fetchAccount) return ok(record.view)
    let profile: Account | undefined
    try {
      profile = await this.withAccessToken(id, (tokens) => dialect.fetchAccount?.(tokens) ?? Promise.resolve(undefined))
    } catch (error) {
      const current = this.records.get(id)
      if (current && isLinkscreenError(error) && error.status === 401 && current.view.status === 'needs_sign_in') return fail('needs_sign_in', `${current.view.providerName} no longer accepts this sign-in; sign in again`)
      return fail(isLinkscreenError(error) ? error.code : 'internal_error', isLinkscreenError(error) ? cleanText(error.message, 500) : 'the profile could not be read')
    }
    const current = this.records.get(id)
    if (!current) return fail('unknown_account', 'the account was signed out meanwhile')
    if (!profile || (profile.sub !== undefined && current.view.sub !== null && profile.sub !== current.view.sub)) return ok(current.view)
    const view: AccountView = {
      ...current.view,
      ...(profile.name === undefined ? {} : { name: cleanText(profile.name, 100) }),
      ...(profile.email === undefined ? {} : { email: cleanText(profile.email, 200) }),
      ...(profile.picture === undefined ? {} : { picture: safePicture(profile.picture) }),
    }
    this.update(id, { ...current, view })
    return ok(view)
  }

  /** Revokes at the provider (bounded in time), then removes the account in any case. */
  async signOut(id: string): Promise<Result<readonly AccountView[]>> {
    const record = this.records.get(id)
    if (!record) return fail('unknown_account', 'no such account')
    this.cancelTimer(id)
    let problem: string | undefined
    const dialect = await this.options.dialectFor(record.view.providerId).catch(() => undefined)
    if (dialect?.revoke) {
      const controller = new AbortController()
      const limit = this.options.revokeTimeoutMs ?? 10_000
      const timer = this.options.clock.sleep(limit, controller.signal).then(
        () => controller.abort(new LinkscreenError(ErrorCode.Timeout, `no answer within ${limit / 1000} s`)),
        () => undefined,
      )
      try {
        await dialect.revoke(record.tokens, controller.signal)
      } catch (error) {
        problem = controller.signal.aborted ? `no answer within ${limit / 1000} s` : isLinkscreenError(error) ? error.message : 'unknown error'
      } finally {
        controller.abort()
        await timer
      }
    }
    this.records.delete(id)
    this.failures.delete(id)
    this.publish()
    this.persist(() => this.options.vault.remove(id))
    if (problem !== undefined) return fail('revocation_failed', `Signed out on this device, but ${record.view.providerName} was not reached to end the session: ${cleanText(problem, 300)}`)
    return ok(this.list())
  }

  /** Stops every planned refresh and waits for vault writes. */
  async close(): Promise<void> {
    this.closed = true
    for (const id of [...this.timers.keys()]) this.cancelTimer(id)
    await Promise.allSettled([...this.refreshing.values()])
    await this.writes
  }

  // --- Internals ---

  /** Records from older versions lack the newer view fields. */
  private normalise(record: AccountRecord): AccountRecord {
    const view = record.view as Partial<AccountView> & AccountRecord['view']
    return {
      tokens: record.tokens,
      view: {
        ...view,
        status: view.status ?? 'active',
        expiresAt: view.expiresAt ?? record.tokens.expires_at ?? null,
        canApprove: this.options.canApprove?.(view.providerId) ?? false,
      },
    }
  }

  private async doRefresh(id: string, signal?: AbortSignal): Promise<Result<AccountView>> {
    const record = this.records.get(id)
    if (!record) return fail('unknown_account', 'no such account')
    const refreshToken = record.tokens.refresh_token
    if (refreshToken === undefined) return fail('no_refresh_token', `${record.view.providerName} gave no refresh token; sign in again when the access expires`)
    const dialect = await this.options.dialectFor(record.view.providerId).catch(() => undefined)
    if (!dialect?.refresh) return fail('unsupported', `${record.view.providerName} cannot refresh tokens here`)
    let tokens: TokenSet
    try {
      tokens = await dialect.refresh(refreshToken, signal)
    } catch (error) {
      const e = isLinkscreenError(error) ? error : new LinkscreenError(ErrorCode.InvalidResponse, 'unexpected failure')
      if (e.oauthError === 'invalid_grant') {
        this.update(id, { ...record, view: { ...record.view, status: 'needs_sign_in' } })
        return fail('needs_sign_in', `${record.view.providerName} no longer accepts this sign-in; sign in again`)
      }
      this.retryLater(id)
      return fail(e.code, cleanText(e.message, 500))
    }
    const current = this.records.get(id)
    if (!current) return fail('unknown_account', 'the account was signed out meanwhile')
    // OpenID Connect Core §12.2: a refreshed ID token must be about the same person.
    const refreshedSub = subjectOf(tokens.id_token)
    if (refreshedSub !== undefined && current.view.sub !== null && refreshedSub !== current.view.sub) {
      this.retryLater(id)
      return fail(ErrorCode.InvalidIdToken, `${current.view.providerName} answered the refresh with an ID token for someone else; it was not used`)
    }
    const next: AccountRecord = {
      tokens,
      view: { ...current.view, status: 'active', expiresAt: tokens.expires_at ?? null, scope: tokens.scope === undefined ? current.view.scope : cleanText(tokens.scope, 1000) },
    }
    // The new refresh token is on disk before the new access token is used: a crash now
    // cannot leave the vault holding a refresh token the provider has already rotated away.
    try {
      await this.queue(() => this.options.vault.put(next))
    } catch (error) {
      this.options.onVaultError?.(error)
    }
    this.records.set(id, next)
    this.failures.delete(id)
    this.publish()
    this.schedule(id)
    return ok(next.view)
  }

  private update(id: string, record: AccountRecord): void {
    this.records.set(id, record)
    this.publish()
    this.persist(() => this.options.vault.put(record))
  }

  /** Plans the next refresh: a lead before expiry, when the token expires and can be refreshed. */
  private schedule(id: string): void {
    this.cancelTimer(id)
    const record = this.records.get(id)
    if (this.closed || !record || record.view.status !== 'active') return
    const { expires_at, expires_in, refresh_token } = record.tokens
    if (expires_at === undefined || refresh_token === undefined) return
    const lifetime = (expires_in ?? 3600) * 1000
    const lead = (this.options.refreshLead ?? defaultRefreshLead)(lifetime)
    this.after(id, Math.max(0, expires_at - lead - this.options.clock.now()))
  }

  private retryLater(id: string): void {
    const failures = (this.failures.get(id) ?? 0) + 1
    this.failures.set(id, failures)
    this.after(id, RETRY_MS[Math.min(failures, RETRY_MS.length) - 1] ?? 600_000)
  }

  private after(id: string, ms: number): void {
    this.cancelTimer(id)
    if (this.closed) return
    const controller = new AbortController()
    this.timers.set(id, controller)
    this.options.clock.sleep(ms, controller.signal).then(
      () => {
        if (this.timers.get(id) !== controller) return
        this.timers.delete(id)
        void this.refresh(id, controller.signal)
      },
      () => undefined,
    )
  }

  private cancelTimer(id: string): void {
    this.timers.get(id)?.abort()
    this.timers.delete(id)
  }

  private queue(write: () => Promise<void>): Promise<void> {
    const next = this.writes.then(write)
    this.writes = next.catch(() => undefined)
    return next
  }

  /** Queues a vault write after every earlier one (the flow service's too); a failure is reported, never thrown. */
  persist(write: () => Promise<void>): void {
    this.queue(write).catch((error: unknown) => this.options.onVaultError?.(error))
  }

  private publish(): void {
    this.options.onChange(this.list())
  }
}
