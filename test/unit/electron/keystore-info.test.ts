/**
 * What the screen is told about a locked keystore (electron/app/keystore-info.ts): the vault's
 * verdict, turned into "start it again" where the app cannot restart itself, the count of
 * memory-only accounts, and whether this run is a restart that already did not help.
 */
import { describe, expect, it } from 'vitest'
import type { VaultStatus } from '../../../electron/adapters/vault'
import { keystoreInfo, relaunchArgs } from '../../../electron/app/keystore-info'

const status = (over: Partial<VaultStatus>): VaultStatus => ({ storage: 'locked', keystore: 'the macOS Keychain', notices: [], retry: 'restart', unsaved: 0, ...over })
const HERE = { canRelaunch: true, restartedForKeystore: false }

describe('keystoreInfo', () => {
  it('says nothing while the keystore is not locked', () => {
    expect(keystoreInfo(status({ storage: 'encrypted', retry: null }), HERE)).toEqual({})
  })
  it('passes on the vault verdict and the unsaved count', () => {
    expect(keystoreInfo(status({ retry: 'now', unsaved: 2 }), HERE)).toEqual({ keystoreRetry: 'now', unsavedAccounts: 2 })
    expect(keystoreInfo(status({ unsaved: 1 }), HERE)).toEqual({ keystoreRetry: 'restart', unsavedAccounts: 1 })
  })
  it('turns a restart into "start it again" where the app cannot restart itself (kiosk, AppImage)', () => {
    expect(keystoreInfo(status({}), { ...HERE, canRelaunch: false })).toEqual({ keystoreRetry: 'start-again', unsavedAccounts: 0 })
    // A retry in the run is not a restart: it stays.
    expect(keystoreInfo(status({ retry: 'now' }), { ...HERE, canRelaunch: false })).toEqual({ keystoreRetry: 'now', unsavedAccounts: 0 })
  })
  it('says a restart already did not help only in the restarted run, and only for a restart-only lock', () => {
    expect(keystoreInfo(status({}), { ...HERE, restartedForKeystore: true })).toEqual({ keystoreRetry: 'restart', unsavedAccounts: 0, keystoreRestarted: true })
    expect(keystoreInfo(status({}), HERE)).not.toHaveProperty('keystoreRestarted')
    expect(keystoreInfo(status({ retry: 'now' }), { ...HERE, restartedForKeystore: true })).not.toHaveProperty('keystoreRestarted')
  })
})

describe('relaunchArgs', () => {
  it("keeps this run's arguments and marks the new run once", () => {
    expect(relaunchArgs(['/opt/Linkscreen/linkscreen', '--kiosk', '--config', '/etc/linkscreen.json'])).toEqual(['--kiosk', '--config', '/etc/linkscreen.json', '--keystore-restart'])
    expect(relaunchArgs(['/usr/lib/electron', '.', '--keystore-restart', '--user-data-dir', '/tmp/u'])).toEqual(['.', '--user-data-dir', '/tmp/u', '--keystore-restart'])
  })
})
