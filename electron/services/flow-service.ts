/**
 * The app's sign-in service, shared by the Electron main process and `linkscreen serve`: it
 * runs one device flow at a time on the core, keeps the signed-in accounts, and publishes
 * whole view snapshots. Tokens stay here: nothing it publishes carries one.
 *
 * No `electron` import: the host injects the HTTP client, the clock and the providers.
 */
import { providerSecrets, type ProviderConfig } from '../core/config'
import { createDialect, type DialectDeps } from '../core/dialects'
import { ErrorCode, LinkscreenError, isLinkscreenError } from '../core/errors'
import { runDeviceFlow, type FlowEvent } from '../core/flow'
import { cleanText } from '../core/redact'
import { Scrubber } from '../core/scrubber'
import type { Account, DeviceAuthorization, Dialect, TokenSet } from '../core/types'
import { isSafeUrl } from '../core/urls'
import { createApprover, isApproveError, type DeviceRequest } from '../core/approve'
import { createFlowRecorder, type FlowLogJson, type FlowRecorder } from '../core/flow-log'
import { AccountManager } from './accounts'
import { memoryVault, type AccountVault, type PendingFlow } from './vault-types'
import { IDLE_SNAPSHOT, type AccountView, type ApprovalView, type FlowSnapshot, type ProviderView, type Result } from '../ipc/contract'

/** A provider as the service knows it: its configuration, or a starter for a built-in one. */
export interface ProviderEntry {
  readonly view: ProviderView
  /** The configuration to run; built-ins (the demo) resolve it on first use. */
  readonly resolve: () => Promise<ProviderConfig>
}

export interface FlowServiceOptions {
  readonly providers: readonly ProviderEntry[]
  /** Where accounts are kept; default: in memory for this process. */
  readonly vault?: AccountVault
  /** Told when the vault could not keep a change (the account still works for this run). */
  readonly onVaultError?: (error: unknown) => void
  /** How long before expiry access tokens are refreshed (see `AccountManager`). */
  readonly refreshLead?: (lifetimeMs: number) => number
  readonly deps: DialectDeps
  /** How many times an expired, unused code is replaced automatically. Default 2. */
  readonly renewals?: number
  /** Makes the dialect (tests may wrap it). */
  readonly createDialect?: (provider: ProviderConfig, deps: DialectDeps) => Dialect
  /**
   * How long a failing code request is tried again (network faults, 5xx, 429, a captive
   * portal's answers; see `FlowOptions.codeRetryMs`), ms. Default 2 minutes.
   */
  readonly codeRetryMs?: number
  /** Randomness for back-off jitter, in [0, 1). Default `Math.random`. */
  readonly random?: () => number
  /**
   * Whether the machine has a network (the app: Electron's `net.isOnline()`). While it says
   * offline, a sign-in waits ("waiting for the network") and asks for its code as soon as it
   * says online, with no keypress. Absent (serve): always online; the code request's retries
   * ride out a network that comes up late.
   */
  readonly connectivity?: Connectivity
}

/** The machine's network, as far as the host can tell (see `FlowServiceOptions.connectivity`). */
export interface Connectivity {
  online(): boolean
  /** Calls `listener` when the answer of `online()` may have changed; returns an unsubscribe function. */
  onChange(listener: () => void): () => void
}

/** Default of `FlowServiceOptions.codeRetryMs`: two minutes. */
export const DEFAULT_CODE_RETRY_MS = 120_000

/** Resolves once `connectivity` says online; rejects when `signal` aborts. */
function whenOnline(connectivity: Connectivity, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let off = (): void => undefined
    const done = (): void => {
      off()
      signal.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => {
      done()
      reject(new DOMException('Aborted', 'AbortError'))
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    off = connectivity.onChange(() => {
      if (!connectivity.online()) return
      done()
      resolve()
    })
    if (connectivity.online()) {
      done()
      resolve()
    }
  })
}


/** An approval refused by the server or the network, as the screen shows it. */
function approveFailure(error: unknown): Result<never> {
  if (isApproveError(error)) return fail(error.reason, cleanText(error.message, 500))
  if (isLinkscreenError(error)) return fail(error.code, cleanText(error.message, 500))
  return fail('internal_error', 'the approval could not be completed')
}

/** The idle view without its sequence number (each publish stamps a new one). */
const { seq: _seq, ...IDLE } = IDLE_SNAPSHOT

const ok = <T>(value: T): Result<T> => ({ ok: true, value })
const fail = (code: string, message: string): Result<never> => ({ ok: false, code, message })

export class FlowService {
  private snapshot: FlowSnapshot = IDLE_SNAPSHOT
  /** When the code on screen expires, on the clock's monotonic time (see `stamped`). */
  private codeDeadline: number | undefined
  private controller: AbortController | undefined
  private running: Promise<void> | undefined
  private readonly accounts: AccountManager
  private readonly dialects = new Map<string, Dialect>()
  private readonly snapshotListeners = new Set<(snapshot: FlowSnapshot) => void>()
  private readonly accountListeners = new Set<(accounts: readonly AccountView[]) => void>()
  private readonly providerListeners = new Set<(providers: readonly ProviderView[]) => void>()
  private entries: readonly ProviderEntry[]
  private readonly vault: AccountVault
  /** Records the HTTP exchanges of the flow under way (the QA flow log). */
  private recorder: FlowRecorder | undefined
  private lastLog: FlowLogJson | null = null
  /** Codes claimed by a desktop user and not yet decided, by account and code. */
  private readonly claims = new Map<string, DeviceRequest>()
  /** Every request goes through here, so the flow log sees the flow's exchanges. */
  private readonly http: DialectDeps['http']
  /**
   * Each provider's scrubber (see `core/scrubber.ts`), shared by its dialect and approvers: every
   * snapshot and every result this service gives out passes through it.
   */
  private readonly scrubbers = new Map<string, Scrubber>()

  constructor(private readonly options: FlowServiceOptions) {
    const base = options.deps.http
    this.http = (input, init) => (this.recorder ? this.recorder.wrap(base)(input, init) : base(input, init))
    this.entries = options.providers
    this.vault = options.vault ?? memoryVault()
    this.accounts = new AccountManager({
      vault: this.vault,
      clock: options.deps.clock,
      dialectFor: (providerId) => {
        const entry = this.entries.find((p) => p.view.id === providerId)
        return entry ? this.dialectFor(entry) : Promise.resolve(undefined)
      },
      onChange: (list) => {
        const shown = this.shownAccounts(list)
        for (const listener of this.accountListeners) listener(shown)
      },
      canApprove: (providerId) => this.entries.find((p) => p.view.id === providerId)?.view.dialect === 'better-auth',
      ...(options.onVaultError === undefined ? {} : { onVaultError: options.onVaultError }),
      ...(options.refreshLead === undefined ? {} : { refreshLead: options.refreshLead }),
    })
  }

  /** The accounts and their tokens' life cycle (refresh, sign-out). */
  get accountManager(): AccountManager {
    return this.accounts
  }

  /**
   * Loads the accounts kept by the vault, and picks up a flow the last run left on screen: its
   * code again while it is valid, else a fresh code from the same provider. Call once.
   */
  async restore(): Promise<void> {
    await this.accounts.restore()
    const pending = await this.vault.loadPending()
    // A sign-in started while the vault was opening wins over the code the last run left.
    if (pending === undefined || this.controller) return
    const entry = this.entries.find((p) => p.view.id === pending.providerId)
    if (!entry) {
      this.keepPending(undefined)
      return
    }
    const valid = pending.authorization.expires_at > this.options.deps.clock.now() + pending.authorization.interval * 1000
    await this.begin(entry, valid ? pending.authorization : undefined)
  }

  /**
   * Replaces the provider list (the configuration changed while running). A flow under way
   * goes on with the settings it started with, unless its provider is gone: then it is
   * cancelled. The next flow uses the new settings. Accounts are kept whatever happens.
   */
  async setProviders(providers: readonly ProviderEntry[]): Promise<void> {
    const current = this.snapshot.providerId
    this.entries = providers
    this.dialects.clear()
    if (current !== null && this.controller && !providers.some((p) => p.view.id === current)) await this.cancel()
    const list = this.providers()
    for (const listener of this.providerListeners) listener(list)
  }

  onProviders(listener: (providers: readonly ProviderView[]) => void): () => void {
    this.providerListeners.add(listener)
    return () => this.providerListeners.delete(listener)
  }

  // --- Reading ---

  providers(): readonly ProviderView[] {
    return this.entries.map((p) => p.view)
  }

  /** The current snapshot, its `expiresInMs` measured now. */
  state(): FlowSnapshot {
    return this.stamped(this.snapshot)
  }

  listAccounts(): readonly AccountView[] {
    return this.shownAccounts(this.accounts.list())
  }

  /** Account views as they may leave: each through its provider's scrubber (a refreshed scope may quote anything). */
  private shownAccounts(list: readonly AccountView[]): readonly AccountView[] {
    return list.map((view) => this.scrubberFor(view.providerId).deep(view))
  }

  /** The user code on screen, for "copy code": main copies it itself, so the page never chooses the text. */
  currentUserCode(): string | null {
    return this.snapshot.status === 'waiting' ? this.snapshot.userCode : null
  }

  /** The verification URL of the code on screen, for "open in browser" (already checked safe). */
  verificationTarget(): string | null {
    return this.snapshot.status === 'waiting' ? this.snapshot.qrTarget : null
  }

  onSnapshot(listener: (snapshot: FlowSnapshot) => void): () => void {
    this.snapshotListeners.add(listener)
    return () => this.snapshotListeners.delete(listener)
  }

  onAccounts(listener: (accounts: readonly AccountView[]) => void): () => void {
    this.accountListeners.add(listener)
    return () => this.accountListeners.delete(listener)
  }

  // --- Acting ---

  /** Starts a sign-in with `providerId`, cancelling any flow under way. */
  async start(providerId: string): Promise<Result<FlowSnapshot>> {
    const entry = this.entries.find((p) => p.view.id === providerId)
    if (!entry) return fail(ErrorCode.UnknownProvider, `unknown provider "${cleanText(providerId, 64)}"`)
    await this.begin(entry, undefined)
    return ok(this.snapshot)
  }

  private async begin(entry: ProviderEntry, resume: DeviceAuthorization | undefined): Promise<void> {
    await this.stop()
    this.recorder = createFlowRecorder({ clock: this.options.deps.clock, provider: entry.view.id })
    if (resume) this.recorder.addSecret(resume.device_code)
    const controller = new AbortController()
    this.controller = controller
    this.publish({ ...IDLE, status: 'starting', providerId: entry.view.id, providerName: entry.view.name, attempt: 1 })
    this.running = this.run(entry, controller.signal, resume)
  }

  /** A fresh code from the provider of the current (or last) flow. */
  async renew(): Promise<Result<FlowSnapshot>> {
    const providerId = this.snapshot.providerId
    if (providerId === null) return fail('no_flow', 'there is no sign-in to renew')
    return this.start(providerId)
  }

  /** Cancels the flow under way and returns to the picker. */
  async cancel(): Promise<Result<FlowSnapshot>> {
    await this.stop()
    this.keepPending(undefined)
    this.publish({ ...IDLE })
    return ok(this.snapshot)
  }

  /** Revokes the account's tokens at the provider, then removes it (see `AccountManager.signOut`). */
  signOut(accountId: string): Promise<Result<readonly AccountView[]>> {
    return this.scrubbedFor(accountId, () => this.accounts.signOut(accountId))
  }

  /** Refreshes an account's tokens now, then its labels from the provider's profile. */
  refreshAccount(accountId: string): Promise<Result<AccountView>> {
    return this.scrubbedFor(accountId, async () => {
      const refreshed = await this.accounts.refresh(accountId)
      if (!refreshed.ok && refreshed.code !== 'no_refresh_token' && refreshed.code !== 'unsupported') return refreshed
      return this.accounts.updateProfile(accountId)
    })
  }

  /**
   * The result of `work` on an account, passed through its provider's scrubber, which is told
   * the account's tokens first: what a provider said back about them (a refresh or revocation
   * refused) may quote them, or a configured header value.
   */
  private async scrubbedFor<T>(accountId: string, work: () => Promise<T>): Promise<T> {
    const record = this.accounts.get(accountId)
    const scrubber = record === undefined ? new Scrubber() : this.scrubberFor(record.view.providerId)
    for (const token of [record?.tokens.access_token, record?.tokens.refresh_token, record?.tokens.id_token]) scrubber.add(token)
    const result = await work()
    const now = this.accounts.get(accountId)
    for (const token of [now?.tokens.access_token, now?.tokens.refresh_token, now?.tokens.id_token]) scrubber.add(token)
    return scrubber.deep(result)
  }

  /** The scrubber of `providerId`, made on first use. */
  private scrubberFor(providerId: string): Scrubber {
    let scrubber = this.scrubbers.get(providerId)
    if (!scrubber) {
      scrubber = new Scrubber()
      this.scrubbers.set(providerId, scrubber)
    }
    return scrubber
  }

  /**
   * Stops polling and waits for pending vault writes; for shutting down. A code on screen is
   * kept in the vault, so that the next start shows it again.
   */
  async close(): Promise<void> {
    await this.stop()
    await this.accounts.close()
  }

  // --- Internals ---

  private async stop(): Promise<void> {
    this.controller?.abort()
    this.controller = undefined
    await this.running
    this.running = undefined
    this.endLog('cancelled')
  }

  /** Closes the flow log of the flow that just ended and keeps it for `flowLog()`. */
  private endLog(outcome: string): void {
    if (!this.recorder) return
    this.recorder.end(outcome)
    this.lastLog = this.recorder.toJSON()
    this.recorder = undefined
  }

  // --- QA and approvals ---

  /** The current or last flow's log: redacted, no token, code or secret in it. */
  flowLog(): FlowLogJson | null {
    return this.recorder?.toJSON() ?? this.lastLog
  }

  /**
   * Claims a code shown on another screen as `accountId` (a better-auth account: its access
   * token is the approver's session) and says what is asking.
   */
  claimCode(accountId: string, userCode: string): Promise<Result<ApprovalView>> {
    return this.scrubbedFor(accountId, () => this.claim(accountId, userCode))
  }

  private async claim(accountId: string, userCode: string): Promise<Result<ApprovalView>> {
    const approver = await this.approverFor(accountId)
    if (!approver.ok) return approver
    try {
      const request = await approver.value.claim(userCode)
      this.claims.set(`${accountId}\n${request.userCode}`, request)
      const approverName = request.approver?.name ?? request.approver?.email ?? null
      return ok({
        accountId,
        providerName: approver.value.providerName,
        userCode: request.userCode,
        clientId: cleanText(request.clientId, 200),
        clientName: request.clientName === undefined ? null : cleanText(request.clientName, 200),
        scopes: request.scopes.map((scope) => cleanText(scope, 200)),
        approver: approverName,
      })
    } catch (error) {
      return approveFailure(error)
    }
  }

  /** Approves or denies a code claimed with `claimCode` (claiming it first when it was not). */
  decideCode(accountId: string, userCode: string, decision: 'approve' | 'deny'): Promise<Result<null>> {
    return this.scrubbedFor(accountId, () => this.decide(accountId, userCode, decision))
  }

  private async decide(accountId: string, userCode: string, decision: 'approve' | 'deny'): Promise<Result<null>> {
    const approver = await this.approverFor(accountId)
    if (!approver.ok) return approver
    try {
      const key = [...this.claims.keys()].find((k) => k.startsWith(`${accountId}\n`) && this.claims.get(k)?.userCode === userCode)
      const request = (key === undefined ? undefined : this.claims.get(key)) ?? (await approver.value.claim(userCode))
      await approver.value.decide(request, decision)
      this.claims.delete(`${accountId}\n${request.userCode}`)
      return ok(null)
    } catch (error) {
      return approveFailure(error)
    }
  }

  private async approverFor(accountId: string): Promise<Result<ReturnType<typeof createApprover> & { providerName: string }>> {
    const record = this.accounts.get(accountId)
    if (!record) return fail('unknown_account', 'no such account')
    if (!record.view.canApprove) return fail('unsupported', `${record.view.providerName} accounts cannot approve codes from here`)
    if (record.view.status !== 'active') return fail('needs_sign_in', `sign in to ${record.view.providerName} again first`)
    const entry = this.entries.find((p) => p.view.id === record.view.providerId)
    if (!entry) return fail('unknown_provider', `${record.view.providerName} is no longer configured`)
    const config = await entry.resolve()
    if (config.dialect !== 'better-auth') return fail('unsupported', `${record.view.providerName} accounts cannot approve codes from here`)
    const scrubber = this.scrubberFor(entry.view.id)
    for (const secret of providerSecrets(config)) scrubber.keep(secret)
    const approver = createApprover(config, record.tokens.access_token, { http: this.options.deps.http, scrubber })
    return ok(Object.assign(approver, { providerName: record.view.providerName }))
  }

  private async dialectFor(entry: ProviderEntry): Promise<Dialect> {
    const known = this.dialects.get(entry.view.id)
    if (known) return known
    const config = await entry.resolve()
    const scrubber = this.scrubberFor(entry.view.id)
    for (const secret of providerSecrets(config)) scrubber.keep(secret)
    const dialect = (this.options.createDialect ?? createDialect)(config, { ...this.options.deps, http: this.http, scrubber })
    this.dialects.set(entry.view.id, dialect)
    return dialect
  }

  private async run(entry: ProviderEntry, signal: AbortSignal, resume: DeviceAuthorization | undefined): Promise<void> {
    const base = { providerId: entry.view.id, providerName: entry.view.name }
    let dialect: Dialect
    let secrets: string[]
    try {
      dialect = await this.dialectFor(entry)
      secrets = providerSecrets(await entry.resolve())
    } catch (error) {
      if (!signal.aborted) this.publishError(base, error)
      return
    }
    for (const secret of secrets) this.recorder?.addSecret(secret)
    const connectivity = this.options.connectivity
    if (resume === undefined && connectivity !== undefined && !connectivity.online()) {
      // Started before the network is up (boot, Wi-Fi joining): ask for the code once it is.
      this.publish({ ...IDLE, ...base, status: 'starting', offline: true })
      try {
        await whenOnline(connectivity, signal)
      } catch {
        return
      }
      this.publish({ ...IDLE, ...base, status: 'starting', attempt: 1 })
    }
    const result = await runDeviceFlow({
      dialect,
      clock: this.options.deps.clock,
      renewals: this.options.renewals ?? 2,
      signal,
      scrubber: this.scrubberFor(entry.view.id),
      codeRetryMs: this.options.codeRetryMs ?? DEFAULT_CODE_RETRY_MS,
      random: this.options.random ?? Math.random,
      ...(resume === undefined ? {} : { resume }),
      onEvent: (event) => {
        if (!signal.aborted) this.apply(entry, event)
      },
    })
    if (result.status === 'cancelled' || signal.aborted) return
  }

  private apply(entry: ProviderEntry, event: FlowEvent): void {
    const base = { providerId: entry.view.id, providerName: entry.view.name }
    switch (event.type) {
      case 'code':
      case 'renewed': {
        const a = event.authorization
        this.recorder?.addSecret(a.device_code)
        this.keepPending({ providerId: entry.view.id, authorization: a })
        this.codeDeadline = this.options.deps.clock.monotonic() + event.expiresInMs
        this.publish({
          ...IDLE,
          ...base,
          status: 'waiting',
          userCode: a.user_code,
          verificationUri: a.verification_uri,
          qrTarget: a.verification_uri_complete ?? a.verification_uri,
          interval: a.interval,
          renewals: event.type === 'renewed' ? event.renewal : 0,
          providerMessage: a.message ?? null,
          warning: a.warning ?? null,
        })
        return
      }
      case 'poll':
        this.publish({
          ...this.snapshot,
          poll: event.result,
          interval: event.interval,
          network: event.reason === undefined ? null : { reason: event.reason, host: event.host ?? null },
        })
        return
      case 'retrying':
        // Still no code: the screen says it is connecting, with the attempt and why.
        this.publish({ ...IDLE, ...base, status: 'starting', renewals: this.snapshot.renewals, attempt: event.attempt, network: { reason: event.reason, host: event.host ?? null } })
        return
      case 'authorized': {
        for (const secret of [event.tokens.access_token, event.tokens.refresh_token, event.tokens.id_token]) this.recorder?.addSecret(secret)
        this.endLog('authorized')
        this.keepPending(undefined)
        const view = this.accounts.remember(entry.view.id, entry.view.name, event.tokens, event.account)
        this.publish({ ...IDLE, ...base, status: 'authorized', account: view })
        return
      }
      case 'denied':
        this.endLog('denied')
        this.keepPending(undefined)
        this.publish({ ...IDLE, ...base, status: 'denied', error: event.description ? { code: 'access_denied', message: event.description } : null })
        return
      case 'expired':
        this.endLog('expired')
        this.keepPending(undefined)
        this.publish({ ...IDLE, ...base, status: 'expired', renewals: this.snapshot.renewals })
        return
      case 'error':
        this.endLog('error')
        this.keepPending(undefined)
        this.publishError(base, event.error)
        return
    }
  }

  /** Keeps (or, with `undefined`, forgets) the code on screen, in order with the account writes. */
  private keepPending(pending: PendingFlow | undefined): void {
    this.accounts.persist(() => this.vault.savePending(pending))
  }

  private publishError(base: { providerId: string; providerName: string }, error: unknown): void {
    const e = isLinkscreenError(error) ? error : new LinkscreenError(ErrorCode.InvalidResponse, 'unexpected failure')
    this.publish({ ...IDLE, ...base, status: 'error', error: { code: e.code, message: cleanText(e.message, 1000) } })
  }

  private publish(next: Omit<FlowSnapshot, 'seq'>): void {
    if (next.status !== 'waiting') this.codeDeadline = undefined
    // Every snapshot leaves through its provider's scrubber; the user code is on screen by design.
    const scrubber = next.providerId === null ? undefined : this.scrubbers.get(next.providerId)
    const shown = scrubber === undefined ? next : { ...scrubber.deep({ ...next, userCode: null }), userCode: next.userCode }
    this.snapshot = this.stamped({ ...shown, seq: this.snapshot.seq + 1 })
    for (const listener of this.snapshotListeners) listener(this.snapshot)
  }

  /** `snapshot` with the code's time left as of now (monotonic), or null without a code on screen. */
  private stamped(snapshot: FlowSnapshot): FlowSnapshot {
    const deadline = snapshot.status === 'waiting' ? this.codeDeadline : undefined
    const expiresInMs = deadline === undefined ? null : Math.max(0, Math.round(deadline - this.options.deps.clock.monotonic()))
    return expiresInMs === snapshot.expiresInMs ? snapshot : { ...snapshot, expiresInMs }
  }

}
