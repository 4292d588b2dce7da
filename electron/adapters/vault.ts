/**
 * The token vault of the Electron app: each account (its view and its tokens) is encrypted
 * with the operating system's keystore through `safeStorage`'s asynchronous API, and only the
 * ciphertext is kept, in an `electron-store` file (`accounts.json` in the user-data folder).
 *
 * - On Linux without a keyring Electron falls back to `basic_text`, which only obfuscates. The
 *   vault then fails closed: accounts live for this run only, and the screen says so, unless
 *   the configuration sets `app.allowWeakTokenStorage`.
 * - A store that is not JSON, not of our shape, or holds entries this machine cannot decrypt
 *   (copied from another machine, a lost keyring) is copied aside with a timestamp and
 *   reported; the app goes on with what could be read. Nothing is deleted.
 * - An entry that `decryptStringAsync` says should be re-encrypted (the key was rotated) is
 *   re-encrypted and written back.
 *
 * Electron is injected (`SafeStorageLike`, `openStore`), so this module is tested without it.
 */
import { copyFile, readFile, rename } from 'node:fs/promises'
import { z } from 'zod'
import type { AppNotice, StorageMode } from '../ipc/contract'
import { isSafeUrl } from '../core/urls'
import { memoryVault, type AccountRecord, type AccountVault, type PendingFlow } from '../services/vault-types'

/** The part of Electron's `safeStorage` the vault uses (the asynchronous API only). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>
  encryptStringAsync(plainText: string): Promise<Buffer>
  decryptStringAsync(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }>
  /** Linux only. */
  getSelectedStorageBackend?(): string
}

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
}

export interface OpenedVault {
  readonly vault: AccountVault
  readonly storage: StorageMode
  /** What the user should be told (no keyring, a store moved aside). */
  readonly notices: readonly AppNotice[]
}

/** The file's shape: a version, one ciphertext (base64) per account id, and the code on screen. */
const storeShape = z.strictObject({
  version: z.literal(1),
  accounts: z.record(z.string().max(400), z.string().max(1024 * 1024)).optional(),
  pending: z.string().max(64 * 1024).optional(),
})
type StoreShape = z.infer<typeof storeShape>

/** A decrypted entry's shape; anything else counts as undecryptable. */
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

/** Why the store file cannot be used, or undefined when it can (or does not exist). */
async function checkStoreFile(path: string): Promise<string | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined
    return `cannot be read (${(error as { code?: string }).code ?? 'unknown error'})`
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return text.trim() === '' ? 'is empty' : 'is not JSON (truncated or damaged)'
  }
  // An empty object is what a fresh electron-store writes.
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && Object.keys(json).length === 0) return undefined
  try {
    return storeShape.safeParse(json).success ? undefined : 'is not a Linkscreen account store'
  } catch {
    // zod itself throws on some shapes (a `length` that cannot be compared): not ours either.
    return 'is not a Linkscreen account store'
  }
}

/** Opens the vault: encrypted, weak by permission, or memory-only (failing closed). */
export async function openVault(options: VaultOptions): Promise<OpenedVault> {
  const { safeStorage } = options
  const backend = options.platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined
  const weak = backend === 'basic_text'
  if (weak && !options.allowWeak) {
    return {
      vault: memoryVault(),
      storage: 'memory',
      notices: [
        {
          code: 'no_keyring',
          message:
            'No keyring is available (Electron would only obfuscate tokens), so accounts are kept until the app quits. An administrator can allow weak storage with "allowWeakTokenStorage" in the configuration.',
        },
      ],
    }
  }
  let available = false
  try {
    available = await safeStorage.isAsyncEncryptionAvailable()
  } catch {
    available = false
  }
  if (!available) {
    return {
      vault: memoryVault(),
      storage: 'memory',
      notices: [{ code: 'encryption_unavailable', message: 'The system keystore is not available, so accounts are kept until the app quits.' }],
    }
  }

  const notices: AppNotice[] = []
  const problem = await checkStoreFile(options.storePath)
  if (problem !== undefined) {
    const aside = asidePath(options.storePath, options.now())
    await rename(options.storePath, aside)
    notices.push({ code: 'store_moved_aside', message: `The account store ${problem}; it was moved to ${aside} and the app starts with no saved accounts.` })
  }
  const store = options.openStore()
  const vault = new EncryptedVault(store, safeStorage, options)
  const dropped = await vault.prime()
  if (dropped > 0) {
    notices.push({
      code: 'accounts_undecryptable',
      message: `${dropped} saved account${dropped === 1 ? '' : 's'} could not be decrypted on this machine (another machine's or an old keyring's); a copy of the store was kept at ${vault.backup ?? 'its old place'}.`,
    })
  }
  return { vault, storage: weak ? 'weak' : 'encrypted', notices }
}

class EncryptedVault implements AccountVault {
  private records = new Map<string, AccountRecord>()
  private pending: PendingFlow | undefined
  backup: string | undefined

  constructor(
    private readonly store: KeyValueStore,
    private readonly safeStorage: SafeStorageLike,
    private readonly options: VaultOptions,
  ) {}

  private entries(): NonNullable<StoreShape['accounts']> {
    try {
      const parsed = storeShape.shape.accounts.safeParse(this.store.get('accounts') ?? {})
      return parsed.success ? (parsed.data ?? {}) : {}
    } catch {
      return {}
    }
  }

  /** Decrypts every entry once; returns how many could not be read (they are set aside). */
  async prime(): Promise<number> {
    if (this.store.get('version') === undefined) this.store.set('version', 1)
    const entries = this.entries()
    const bad: string[] = []
    const reEncrypt: AccountRecord[] = []
    for (const [id, cipher] of Object.entries(entries)) {
      try {
        const { result, shouldReEncrypt } = await this.safeStorage.decryptStringAsync(Buffer.from(cipher, 'base64'))
        const record = recordShape.parse(JSON.parse(result)) as unknown as AccountRecord
        if (record.view.id !== id) throw new Error('id mismatch')
        this.records.set(id, record)
        if (shouldReEncrypt) reEncrypt.push(record)
      } catch {
        bad.push(id)
      }
    }
    if (bad.length > 0) {
      this.backup = asidePath(this.store.path, this.options.now())
      await copyFile(this.store.path, this.backup)
      const kept = { ...entries }
      for (const id of bad) delete kept[id]
      this.store.set('accounts', kept)
    }
    for (const record of reEncrypt) await this.put(record)
    await this.primePending()
    return bad.length
  }

  /** A code that cannot be read is simply forgotten: the next start asks for a fresh one. */
  private async primePending(): Promise<void> {
    const cipher = this.store.get('pending')
    if (typeof cipher !== 'string') return
    try {
      const { result, shouldReEncrypt } = await this.safeStorage.decryptStringAsync(Buffer.from(cipher, 'base64'))
      this.pending = pendingShape.parse(JSON.parse(result)) as PendingFlow
      if (shouldReEncrypt) await this.savePending(this.pending)
    } catch {
      this.store.delete('pending')
    }
  }

  async loadPending(): Promise<PendingFlow | undefined> {
    return this.pending
  }

  async savePending(pending: PendingFlow | undefined): Promise<void> {
    this.pending = pending
    if (pending === undefined) {
      this.store.delete('pending')
      return
    }
    const cipher = await this.safeStorage.encryptStringAsync(JSON.stringify(pending))
    this.store.set('pending', Buffer.from(cipher).toString('base64'))
  }

  async load(): Promise<readonly AccountRecord[]> {
    return [...this.records.values()]
  }

  async put(record: AccountRecord): Promise<void> {
    const cipher = await this.safeStorage.encryptStringAsync(JSON.stringify(record))
    this.store.set('accounts', { ...this.entries(), [record.view.id]: Buffer.from(cipher).toString('base64') })
    this.records.set(record.view.id, record)
  }

  async remove(id: string): Promise<void> {
    const entries = { ...this.entries() }
    delete entries[id]
    this.store.set('accounts', entries)
    this.records.delete(id)
  }
}
