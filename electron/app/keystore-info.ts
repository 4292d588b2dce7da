/**
 * What the screen is told about a locked keystore (`AppInfo.keystoreRetry`, `unsavedAccounts`,
 * `keystoreRestarted`), from the vault's status and where the app runs. Pure, so it is tested
 * without Electron; main passes in the facts it reads from Electron.
 */
import type { AppInfo } from '../ipc/contract'
import type { VaultStatus } from '../adapters/vault'

export interface KeystoreFacts {
  /** The app can restart itself (`app.relaunch`): not a kiosk, not a packaged AppImage (see main.ts). */
  readonly canRelaunch: boolean
  /**
   * This run is the restart made for the keystore (`--keystore-restart`) and the keystore has
   * not opened since it started: a restart-only lock now means the restart did not help.
   */
  readonly restartedForKeystore: boolean
}

export function keystoreInfo(status: VaultStatus, facts: KeystoreFacts): Pick<AppInfo, 'keystoreRetry' | 'unsavedAccounts' | 'keystoreRestarted'> {
  if (status.retry === null) return {}
  const restartOnly = status.retry === 'restart'
  return {
    keystoreRetry: restartOnly && !facts.canRelaunch ? 'start-again' : status.retry,
    unsavedAccounts: status.unsaved,
    ...(restartOnly && facts.restartedForKeystore ? { keystoreRestarted: true } : {}),
  }
}

/** The arguments of the restarted instance: this run's, marked once as the keystore's restart. */
export function relaunchArgs(argv: readonly string[]): string[] {
  return [...argv.slice(1).filter((arg) => arg !== KEYSTORE_RESTART_FLAG), KEYSTORE_RESTART_FLAG]
}

export const KEYSTORE_RESTART_FLAG = '--keystore-restart'
