/**
 * The token vault of the Electron app: each account (its view and its tokens) is encrypted with
 * the key that `./keystore.ts` proves protects it, and only the ciphertext is kept, in an
 * `electron-store` file (`accounts.json` in the user-data folder).
 *
 * Its states, which the screen shows (`AppInfo.storage`):
 * - `opening`: the keystore has not answered yet. The window is already up, a sign-in can
 *   start; reads and writes wait (each keystore call is bounded by a time limit).
 * - `encrypted` / `weak`: accounts are on disk under a real keystore's key / under a key that
 *   no keystore protects (only when `allowWeakTokenStorage` is set).
 * - `memory`: no keystore and weak storage not allowed: accounts last for this run (fail
 *   closed). An existing store is left untouched.
 * - `locked`: a real keystore that cannot give its key now (a locked keyring, a dismissed
 *   Keychain prompt, no answer in time), or a store file that cannot be read now (held by
 *   another program). Nothing on disk is changed or deleted; sign-ins made meanwhile are kept in
 *   memory and written once the keystore opens. `retry` says what can open it: `now` (a prompt
 *   still waiting, a file held by another program: `retry()` tries again when the user asks,
 *   the screen is unlocked, the machine resumes) or `restart` (the keystore has answered for
 *   this run, see ./keystore.ts: only a restart of the app asks it again, and the sign-ins kept
 *   in memory meanwhile, `unsaved`, are lost with it).
 *
 * Nothing is deleted unless it is proven unreadable: a store that is not JSON or not of our
 * shape is moved aside; an entry that the keystore says is not this machine's (a definite
 * decryption error while the key is available) or that decrypts to something else than an
 * account is dropped from the live store after a copy of the whole store is set aside.
 *
 * Electron is injected (`SafeStorageLike`, `openStore`), so this module is tested without it.
 */
import { copyFile, readFile, rename } from 'node:fs/promises'
import { z } from 'zod'
import type { AppNotice, StorageMode } from '../ipc/contract'
import { isSafeUrl } from '../core/urls'
import type { AccountRecord, AccountVault, PendingFlow } from '../services/vault-types'
import { chooseKeystore, KeystoreError, type Cipher, type SafeStorageLike } from './keystore'

export type { SafeStorageLike } from './keystore'

/** The part of `electron-store` (a `conf` store) the vault uses. */
export interface KeyValueStore {
  readonly path: string
  get(key: string): unknown
  set(key: string, value: unknown): void
  delete(key: string): void
}

export interface VaultOptions {
  readonly safeStorage: SafeStorageLike
  /** Opens (creates) the store file; throws when its content cannot be parsed. */
  readonly openStore: () => KeyValueStore
  /** The store's file path, known before opening it (to check and move it aside). */
  readonly storePath: string
  readonly platform: NodeJS.Platform
  /** `app.allowWeakTokenStorage` from the configuration. */
  readonly allowWeak: boolean
  /** Wall clock, for the timestamp of a file moved aside. */
  readonly now: () => number
  /** How long one keystore call may take before the vault says it is locked. Default 20 s. */
  readonly keystoreTimeoutMs?: number
}

/** What the vault tells the screen. */
export interface VaultStatus {
  readonly storage: StorageMode
  /** The keystore that holds (or would hold) the accounts, in words; null while opening. */
  readonly keystore: string | null
  /** What the user should be told (no keyring, locked, a store moved aside). */
  readonly notices: readonly AppNotice[]
  /** While `locked`: what can open it, a retry in this run (`now`) or only a restart; null otherwise. */
  readonly retry: 'now' | 'restart' | null
  /** While `locked`: accounts signed in this run that only memory holds (lost when the app quits). */
  readonly unsaved: number
}

export interface OpenedVault extends VaultStatus {
  readonly vault: AppVault
}

/** The file's shape: a version, one ciphertext (base64) per account id, and the code on screen. */
const MAX_ID_CHARS = 400
const MAX_ENTRY_CHARS = 1024 * 1024
const storeShape = z.strictObject({
  version: z.literal(1),
  accounts: z.record(z.string().max(MAX_ID_CHARS), z.string().max(MAX_ENTRY_CHARS)).optional(),
  pending: z.string().max(64 * 1024).optional(),
})
type StoreShape = z.infer<typeof storeShape>

/** A decrypted entry's shape; anything else counts as unreadable. */
const accountView = z.strictObject({
  id: z.string(),
  providerId: z.string(),
  providerName: z.string(),
  sub: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  picture: z.string().nullable(),
  scope: z.string().nullable(),
  signedInAt: z.number(),
  // Added after the first release: absent in older stores (the account manager fills them in).
  status: z.enum(['active', 'needs_sign_in']).optional(),
  expiresAt: z.number().nullable().optional(),
  canApprove: z.boolean().optional(),
})
/** A decrypted code on screen; its URLs are checked again before they are shown. */
const pendingShape = z.object({
  providerId: z.string().min(1).max(64),
  authorization: z
    .object({
      device_code: z.string().min(1),
      user_code: z.string().min(1).max(128),
      verification_uri: z.string().refine(isSafe),
      verification_uri_complete: z.string().refine(isSafe).optional(),
      expires_in: z.number().positive(),
      interval: z.number().positive(),
      expires_at: z.number(),
      message: z.string().optional(),
      // Why a complete URI was withheld (core/flow.ts shownCode): shown again after a restart.
      warning: z.string().optional(),
    })
    .strict(),
})

function isSafe(url: string): boolean {
  return URL.canParse(url) && isSafeUrl(new URL(url))
}

const recordShape = z.object({
  view: accountView,
  tokens: z.object({ access_token: z.string(), token_type: z.string(), extra: z.record(z.string(), z.unknown()) }).passthrough(),
})

/** `accounts.corrupt-2026-11-22T20-31-05Z.json` next to `accounts.json`. */
export function asidePath(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-')
  return path.replace(/(\.json)?$/, `.corrupt-${stamp}.json`)
}

type FileCheck = { readonly ok: true } | { readonly ok: false; readonly damaged: string } | { readonly ok: false; readonly unreadable: string }

/** Whether the store file can be used: fine (or absent), damaged (set it aside), or unreadable now (leave it). */
async function checkStoreFile(path: string): Promise<FileCheck> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ENOENT') return { ok: true }
    // Held by another program (EBUSY on Windows), no permission, an I/O error: it may be fine
    // later, so it is not moved aside.
    return { ok: false, unreadable: `cannot be read now (${code ?? 'unknown error'})` }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { ok: false, damaged: text.trim() === '' ? 'is empty' : 'is not JSON (truncated or damaged)' }
  }
  // An empty object is what a fresh electron-store writes.
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && Object.keys(json).length === 0) return { ok: true }
  try {
    return storeShape.safeParse(json).success ? { ok: true } : { ok: false, damaged: 'is not a Linkscreen account store' }
  } catch {
    // zod itself throws on some shapes (a `length` that cannot be compared): not ours either.
    return { ok: false, damaged: 'is not a Linkscreen account store' }
  }
}

/** Opens the vault and waits until it knows where accounts are kept (bounded by the keystore time limit). */
export async function openVault(options: VaultOptions): Promise<OpenedVault> {
  const vault = new AppVault(options)
  await vault.open()
  return { vault, ...vault.status }
}

/**
 * The vault (see the module comment). Create it, call `open()` without waiting for it, hand it
 * to the services: their reads and writes wait until it has opened.
 */
export class AppVault implements AccountVault {
  private storage: StorageMode = 'opening'
  private retryKind: 'now' | 'restart' | null = null
  private keystore: string | null = null
  private notices: AppNotice[] = []
  private readonly listeners = new Set<(status: VaultStatus) => void>()
  /** Every account this run knows, decrypted. */
  private readonly records = new Map<string, AccountRecord>()
  private pending: PendingFlow | undefined
  /** Changes made while the disk could not be written (locked): written when it opens. */
  private readonly unsaved = new Set<string>()
  private readonly unsavedRemovals = new Set<string>()
  private pendingUnsaved = false
  private store: KeyValueStore | undefined
  private cipher: Cipher | undefined
  private opening: Promise<void> | undefined
  private readonly timeoutMs: number

  constructor(private readonly options: VaultOptions) {
    this.timeoutMs = options.keystoreTimeoutMs ?? 20_000
  }

  get status(): VaultStatus {
    return { storage: this.storage, keystore: this.keystore, notices: this.notices, retry: this.storage === 'locked' ? this.retryKind : null, unsaved: this.storage === 'locked' ? this.unsaved.size : 0 }
  }

  onChange(listener: (status: VaultStatus) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Finds the keystore and reads the store. Never rejects; resolves when the state is known. */
  open(): Promise<void> {
    this.opening ??= this.attempt().finally(() => {
      this.opening = undefined
    })
    return this.opening
  }

  /**
   * Tries again after `locked` (the user asked, the screen was unlocked, the machine resumed).
   * Resolves true when the accounts are on disk again. Does nothing in any other state, nor
   * when only a restart can open the keystore (asking again would get the same answer).
   */
  async retry(): Promise<boolean> {
    if (this.opening) await this.opening
    if (this.storage !== 'locked') return this.storage === 'encrypted' || this.storage === 'weak'
    if (this.retryKind === 'restart') return false
    await this.open()
    return (this.storage as StorageMode) !== 'locked'
  }

  private async attempt(): Promise<void> {
    try {
      await this.decide()
    } catch (error) {
      // Anything unexpected leaves the disk alone and keeps the run going in memory.
      this.setState('locked', this.keystore, [{ code: 'keystore_locked', message: `The account store could not be opened (${error instanceof Error ? error.message : String(error)}); saved accounts stay on disk untouched.` }], 'now')
    }
  }

  private async decide(): Promise<void> {
    const { options } = this
    const choice = await chooseKeystore({ safeStorage: options.safeStorage, platform: options.platform, allowWeak: options.allowWeak, timeoutMs: this.timeoutMs })
    if (choice.kind === 'none') {
      this.setState('memory', choice.keystore, [{ code: 'no_keyring', message: choice.message }])
      return
    }
    if (choice.kind === 'unavailable') {
      // Deleting needs no key: with the store open, a sign-out made now takes its entry off the
      // disk at once instead of waiting for a keystore that may not open before a restart.
      if (choice.restart && (await checkStoreFile(options.storePath)).ok) this.openForRemovals()
      this.setState('locked', choice.keystore, [{ code: 'keystore_locked', message: choice.message }], choice.restart ? 'restart' : 'now')
      // A prompt answered late: try again by itself.
      choice.answered?.then(
        () => void this.retry(),
        () => undefined,
      )
      return
    }
    const notices: AppNotice[] = []
    const file = await checkStoreFile(options.storePath)
    if (!file.ok && 'unreadable' in file) {
      this.setState('locked', choice.keystore, [{ code: 'store_unreadable', message: `The account store ${options.storePath} ${file.unreadable}; it is left as it is, and sign-ins are kept until the app quits unless it can be read again.` }], 'now')
      return
    }
    if (!file.ok) {
      const aside = asidePath(options.storePath, options.now())
      await rename(options.storePath, aside)
      notices.push({ code: 'store_moved_aside', message: `The account store ${file.damaged}; it was moved to ${aside} and the app starts with no saved accounts.` })
    }
    this.store ??= options.openStore()
    this.cipher = choice.cipher
    const primed = await this.prime(choice.cipher)
    if (primed.temporary) {
      const { message, restart } = primed.temporary
      // Sign-outs made while it was opening: deleting needs no key, and no flush comes before a restart.
      if (restart) this.openForRemovals()
      const then = restart
        ? `${choice.keystore} gives its key only when Linkscreen starts: restart Linkscreen (and allow it if the keystore asks) to read them.`
        : 'Linkscreen tries again when asked, when the screen is unlocked and after sleep.'
      this.setState('locked', choice.keystore, [...notices, { code: 'keystore_locked', message: `${choice.keystore} cannot decrypt the saved accounts right now (${message}). They stay on disk untouched; ${then}` }], restart ? 'restart' : 'now')
      return
    }
    if (primed.dropped > 0) {
      notices.push({
        code: 'accounts_undecryptable',
        message: `${primed.dropped} saved account${primed.dropped === 1 ? '' : 's'} could not be decrypted with this machine's key (another machine's store, or a keyring that was reset); a copy of the store was kept at ${primed.backup}.`,
      })
    }
    await this.flush(choice.cipher)
    this.setState(choice.mode, choice.keystore, notices)
  }

  /** Opens the store file (readable, of our shape) for deletions only, and applies those made meanwhile. */
  private openForRemovals(): void {
    this.store ??= this.options.openStore()
    this.applyRemovals()
  }

  /** Takes off the disk the entries signed out while the store was not open (no key needed). */
  private applyRemovals(): void {
    for (const id of [...this.unsavedRemovals]) {
      this.deleteEntry(id)
      this.unsavedRemovals.delete(id)
    }
  }

  private setState(storage: StorageMode, keystore: string | null, notices: AppNotice[], retry: 'now' | 'restart' | null = null): void {
    this.storage = storage
    this.retryKind = retry
    this.keystore = keystore
    // Notices about the file itself stay until the app quits; keystore states replace each other.
    const lasting = this.notices.filter((n) => n.code === 'store_moved_aside' || n.code === 'accounts_undecryptable')
    const codes = new Set(notices.map((n) => n.code))
    // Messages often begin with the keystore's name ("the macOS Keychain …"): a sentence on screen.
    const sentences = notices.map((n) => ({ ...n, message: n.message.charAt(0).toUpperCase() + n.message.slice(1) }))
    this.notices = [...lasting.filter((n) => !codes.has(n.code)), ...sentences]
    this.notify()
  }

  private notify(): void {
    const status = this.status
    for (const listener of this.listeners) listener(status)
  }

  /**
   * The stored ciphertexts, entry by entry: one entry that is not of our shape is left out of
   * what is read, never a reason to read (and so rewrite) the others as none.
   */
  private entries(): NonNullable<StoreShape['accounts']> {
    const raw: unknown = this.store?.get('accounts')
    const out: Record<string, string> = {}
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out
    for (const [id, value] of Object.entries(raw)) {
      if (typeof value === 'string' && id.length <= MAX_ID_CHARS && value.length <= MAX_ENTRY_CHARS) out[id] = value
    }
    return out
  }

  /**
   * Decrypts every entry. A temporary failure stops here and changes nothing on disk; entries
   * proven unreadable are dropped from the live store after a copy of it is set aside.
   */
  private async prime(cipher: Cipher): Promise<{ dropped: number; backup?: string; temporary?: { message: string; restart: boolean } }> {
    const store = this.store!
    if (store.get('version') === undefined) store.set('version', 1)
    const entries = this.entries()
    const bad: string[] = []
    const reEncrypt: AccountRecord[] = []
    const read = new Map<string, AccountRecord>()
    for (const [id, text] of Object.entries(entries)) {
      if (this.unsavedRemovals.has(id)) continue
      let plain: { result: string; shouldReEncrypt: boolean }
      try {
        plain = await cipher.decrypt(Buffer.from(text, 'base64'))
      } catch (error) {
        if (error instanceof KeystoreError && error.temporary) return { dropped: 0, temporary: { message: error.message, restart: error.restart } }
        bad.push(id)
        continue
      }
      const record = parseRecord(plain.result, id)
      if (record === undefined) {
        bad.push(id)
        continue
      }
      read.set(id, record)
      if (plain.shouldReEncrypt) reEncrypt.push(record)
    }
    // Sign-ins of this run (made while locked or opening) are newer than what the disk has.
    for (const [id, record] of read) if (!this.records.has(id)) this.records.set(id, record)
    let backup: string | undefined
    if (bad.length > 0) {
      backup = asidePath(store.path, this.options.now())
      await copyFile(store.path, backup)
      const kept = this.storedEntries()
      for (const id of bad) delete kept[id]
      store.set('accounts', kept)
    }
    for (const record of reEncrypt) if (!this.unsaved.has(record.view.id)) await this.write(cipher, record)
    await this.primePending(cipher)
    return { dropped: bad.length, ...(backup === undefined ? {} : { backup }) }
  }

  /** A code that cannot be read is simply forgotten: the next start asks for a fresh one. */
  private async primePending(cipher: Cipher): Promise<void> {
    const text = this.store?.get('pending')
    if (typeof text !== 'string' || this.pendingUnsaved) return
    try {
      const { result, shouldReEncrypt } = await cipher.decrypt(Buffer.from(text, 'base64'))
      this.pending = pendingShape.parse(JSON.parse(result)) as PendingFlow
      if (shouldReEncrypt) await this.writePending(cipher, this.pending)
    } catch (error) {
      if (error instanceof KeystoreError && error.temporary) return
      this.store?.delete('pending')
    }
  }

  /** Writes what this run changed while the disk could not be written. */
  private async flush(cipher: Cipher): Promise<void> {
    this.applyRemovals()
    for (const id of [...this.unsaved]) {
      const record = this.records.get(id)
      if (record) await this.write(cipher, record)
      this.unsaved.delete(id)
    }
    if (this.pendingUnsaved) {
      await this.writePending(cipher, this.pending)
      this.pendingUnsaved = false
    }
  }

  private writable(): Cipher | undefined {
    return this.storage === 'encrypted' || this.storage === 'weak' ? this.cipher : undefined
  }

  private async write(cipher: Cipher, record: AccountRecord): Promise<void> {
    const id = record.view.id
    if (id.length > MAX_ID_CHARS) throw new Error(`an account whose id is longer than ${MAX_ID_CHARS} characters cannot be saved; it is kept until the app quits`)
    const text = Buffer.from(await cipher.encrypt(JSON.stringify(record))).toString('base64')
    if (text.length > MAX_ENTRY_CHARS) throw new Error('an account too large to save (over 1 MiB encrypted) is kept until the app quits')
    this.store!.set('accounts', { ...this.storedEntries(), [id]: text })
  }

  /** Every stored entry as it is on disk (ours or not), so that a write keeps what it does not touch. */
  private storedEntries(): Record<string, unknown> {
    const raw: unknown = this.store?.get('accounts')
    return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : {}
  }

  /** A temporary keystore failure while writing: the change waits in memory and the vault says it is locked. */
  private deferred(error: unknown): boolean {
    if (!(error instanceof KeystoreError) || !error.temporary) return false
    const keystore = this.keystore ?? 'The keystore'
    const then = error.restart ? `kept in memory until the app quits: ${keystore} gives its key only when Linkscreen starts` : 'kept in memory and written when the keystore opens'
    this.setState('locked', this.keystore, [{ code: 'keystore_locked', message: `${keystore} could not encrypt a change right now (${error.message}); it is ${then}.` }], error.restart ? 'restart' : 'now')
    return true
  }

  private deleteEntry(id: string): void {
    if (!this.store) return
    const entries = this.storedEntries()
    if (!Object.hasOwn(entries, id)) return
    delete entries[id]
    this.store.set('accounts', entries)
  }

  private async writePending(cipher: Cipher, pending: PendingFlow | undefined): Promise<void> {
    if (pending === undefined) {
      this.store?.delete('pending')
      return
    }
    const data = await cipher.encrypt(JSON.stringify(pending))
    this.store!.set('pending', Buffer.from(data).toString('base64'))
  }

  /** Waits while the vault is opening (bounded by the keystore time limit). */
  private async settled(): Promise<void> {
    if (this.opening) await this.opening
  }

  async load(): Promise<readonly AccountRecord[]> {
    await this.settled()
    return [...this.records.values()]
  }

  async put(record: AccountRecord): Promise<void> {
    await this.settled()
    this.records.set(record.view.id, record)
    this.unsavedRemovals.delete(record.view.id)
    const cipher = this.writable()
    if (cipher === undefined) {
      if (this.storage === 'locked') this.keepUnsaved(record.view.id)
      return
    }
    try {
      await this.write(cipher, record)
    } catch (error) {
      if (!this.deferred(error)) throw error
      this.keepUnsaved(record.view.id)
    }
  }

  /** An account only memory holds while locked: the screen is told how many a restart would lose. */
  private keepUnsaved(id: string): void {
    const before = this.unsaved.size
    this.unsaved.add(id)
    if (this.unsaved.size !== before) this.notify()
  }

  async remove(id: string): Promise<void> {
    await this.settled()
    this.records.delete(id)
    if (this.unsaved.delete(id) && this.storage === 'locked') this.notify()
    if (this.storage === 'memory') return
    // Deleting needs no key: a sign-out while locked takes the entry off the disk at once,
    // unless the store was not opened (then it goes when the vault opens).
    if (this.store) this.deleteEntry(id)
    else if (this.storage === 'locked') this.unsavedRemovals.add(id)
  }

  async loadPending(): Promise<PendingFlow | undefined> {
    await this.settled()
    return this.pending
  }

  async savePending(pending: PendingFlow | undefined): Promise<void> {
    await this.settled()
    this.pending = pending
    const cipher = this.writable()
    if (cipher === undefined) {
      if (this.storage === 'locked') this.pendingUnsaved = true
      return
    }
    try {
      await this.writePending(cipher, pending)
    } catch (error) {
      if (!this.deferred(error)) throw error
      this.pendingUnsaved = true
    }
  }
}

/** A decrypted entry as an account record, or undefined when it is anything else. */
function parseRecord(text: string, id: string): AccountRecord | undefined {
  try {
    const record = recordShape.parse(JSON.parse(text)) as unknown as AccountRecord
    return record.view.id === id ? record : undefined
  } catch {
    return undefined
  }
}
