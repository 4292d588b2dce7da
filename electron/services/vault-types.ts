/**
 * The vault's types, in one home: the services (`flow-service.ts`, `accounts.ts`) and the
 * Electron adapter (`../adapters/vault.ts`) all import them from here, so that none of those
 * files needs another's implementation to know the shape of what is kept (no import circle).
 */
import type { DeviceAuthorization, TokenSet } from '../core/types'
import type { AccountView } from '../ipc/contract'

/** A signed-in account as kept: what is shown and the tokens, which never leave the back end. */
export interface AccountRecord {
  readonly view: AccountView
  readonly tokens: TokenSet
}

/** A code on screen when the app quit, kept so that a restart shows it again. */
export interface PendingFlow {
  readonly providerId: string
  /** Holds the device code: kept only where tokens are (encrypted in the app). */
  readonly authorization: DeviceAuthorization
}

/**
 * Where accounts (and the code on screen) are kept between runs. The Electron app keeps them
 * encrypted (see `electron/adapters/vault.ts`); the CLI and serve mode keep them in memory for
 * the process.
 */
export interface AccountVault {
  load(): Promise<readonly AccountRecord[]>
  put(record: AccountRecord): Promise<void>
  remove(id: string): Promise<void>
  loadPending(): Promise<PendingFlow | undefined>
  /** `undefined` clears it. */
  savePending(pending: PendingFlow | undefined): Promise<void>
}

/** The process-only vault of the CLI and serve mode. */
export function memoryVault(): AccountVault {
  const records = new Map<string, AccountRecord>()
  let pending: PendingFlow | undefined
  return {
    load: async () => [...records.values()],
    put: async (record) => void records.set(record.view.id, record),
    remove: async (id) => void records.delete(id),
    loadPending: async () => pending,
    savePending: async (next) => void (pending = next),
  }
}
