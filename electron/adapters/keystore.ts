/**
 * Which key protects the accounts, decided from the key source that actually encrypts them,
 * not from a label that describes something else. Anything that cannot be proven to be a real
 * keystore counts as weak.
 *
 * Why this is not simply "ask `safeStorage`":
 * - `isAsyncEncryptionAvailable()` resolves true once the app is ready in every case; it never
 *   resolves false afterwards (Electron shell/browser/api/electron_api_safe_storage.cc,
 *   `OnOsCryptReady`). It says nothing about the key.
 * - On Linux the asynchronous encryptor picks its key on its own: the Secret portal, else the
 *   freedesktop Secret Service, else a fixed key that is the same on every machine
 *   (shell/browser/browser_process_impl.cc, `CreateOSCryptAsync`), and no API says which.
 *   `getSelectedStorageBackend()` describes the SYNCHRONOUS key store instead (chosen from the
 *   desktop environment or `--password-store`). A GNOME session without a working keyring is
 *   labelled `gnome_libsecret` while the async encryptor falls back to the fixed key.
 *
 * So on Linux the vault uses the synchronous API, whose backend report and key belong together:
 * `isEncryptionAvailable()` is true only when the selected key store handed over its key
 * ("v11"), or when plain-text encryption was switched on for `basic_text` ("v10", a hard-coded
 * password) (electron_api_safe_storage.cc `IsEncryptionAvailable`; Chromium
 * components/os_crypt/sync/os_crypt_linux.cc). A kiosk compositor that Chromium does not
 * recognise (cage, sway, openbox) selects `basic_text` even with a working gnome-keyring: start
 * the app with `--password-store=gnome-libsecret` (Chromium's own switch) and the sync store
 * uses it. On macOS (Keychain) and Windows (DPAPI) the async API uses the OS keystore and
 * tells "temporarily unavailable" apart from "cannot decrypt", so the vault uses it there.
 *
 * What a retry can change: nothing, within one run, once a keystore has answered. Electron makes
 * the async encryptor once per process with the key the keystore gave at that moment (Electron
 * electron_api_safe_storage.cc `EnsureAsyncEncryptorRequested`; Chromium
 * components/os_crypt/async/browser/os_crypt_async.cc `is_initialized_`), so after a dismissed
 * Keychain prompt every call stays "temporarily unavailable" until the app restarts; and on
 * Linux Chromium keeps the sync key store's first answer, a missing key included
 * (os_crypt_linux.cc). Only a prompt still waiting for an answer, or a store file held by
 * another program, can change within the run. Hence `restart` below.
 *
 * Electron is injected (`SafeStorageLike`), so this is tested without it.
 */

/** The part of Electron's `safeStorage` the vault uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(plainText: string): Buffer
  decryptString(encrypted: Buffer): string
  setUsePlainTextEncryption(usePlainText: boolean): void
  isAsyncEncryptionAvailable(): Promise<boolean>
  encryptStringAsync(plainText: string): Promise<Buffer>
  decryptStringAsync(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }>
  /** Linux only. */
  getSelectedStorageBackend?(): string
}

/** Encrypts and decrypts with the chosen key. */
export interface Cipher {
  encrypt(plainText: string): Promise<Buffer>
  /** Rejects with a {@link KeystoreError}. */
  decrypt(data: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }>
}

/**
 * A keystore failure. `temporary`: the key exists but cannot be had now (a locked keyring, a
 * dismissed Keychain prompt, no answer in time); the data may well be readable later, so
 * nothing may be deleted. Otherwise the data cannot be decrypted with this machine's key.
 */
export class KeystoreError extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
    /** The keystore answered for the whole run: only a restart asks it again (see the module comment). */
    readonly restart = false,
  ) {
    super(message)
    this.name = 'KeystoreError'
  }
}

export type KeystoreChoice =
  /** Accounts are written to disk under `cipher`; `weak` when no real keystore protects the key. */
  | { readonly kind: 'cipher'; readonly mode: 'encrypted' | 'weak'; readonly keystore: string; readonly cipher: Cipher }
  /** No keystore, and weak storage not allowed: accounts last for this run (fail closed). */
  | { readonly kind: 'none'; readonly keystore: string; readonly message: string }
  /**
   * A real keystore that cannot give its key now: keep the store untouched. `restart`: it has
   * answered for this run, only a restart asks again; otherwise `answered` (when set) settles
   * once a waiting prompt is answered.
   */
  | { readonly kind: 'unavailable'; readonly keystore: string; readonly message: string; readonly restart: boolean; readonly answered?: Promise<unknown> }

export interface KeystoreOptions {
  readonly safeStorage: SafeStorageLike
  readonly platform: NodeJS.Platform
  /** `app.allowWeakTokenStorage` from the configuration. */
  readonly allowWeak: boolean
  /** How long an OS keystore may take to answer before the vault says it is locked. */
  readonly timeoutMs: number
}

/** Linux key stores that keep their key in a real keystore, with the name the screen shows. */
const LINUX_KEYRINGS: Readonly<Record<string, string>> = {
  gnome_libsecret: 'the Secret Service keyring (GNOME Keyring or compatible, via libsecret)',
  kwallet: 'KWallet',
  kwallet5: 'KWallet 5',
  kwallet6: 'KWallet 6',
}

const WEAK_ALLOWED_HINT = 'Anyone who can edit the providers file can allow weak storage with "allowWeakTokenStorage".'

const TIMEOUT = Symbol('timeout')
/** What the first encryption of a run encrypts, to learn whether the keystore gave its key. */
const PROBE = 'linkscreen: keystore probe'

/** `promise`, or {@link TIMEOUT} after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(TIMEOUT), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The synchronous API as a cipher (Linux). A failure while the key is missing is temporary. */
function syncCipher(safeStorage: SafeStorageLike, mode: 'encrypted' | 'weak'): Cipher {
  return {
    encrypt: async (plainText) => {
      try {
        return safeStorage.encryptString(plainText)
      } catch (error) {
        const missing = !safeStorage.isEncryptionAvailable()
        throw new KeystoreError(errorText(error), missing, missing)
      }
    },
    decrypt: async (data) => {
      const prefix = data.subarray(0, 3).toString('latin1')
      try {
        const result = safeStorage.decryptString(data)
        // "v10" is the hard-coded password: an entry written weakly is re-encrypted under the keyring's key.
        return { result, shouldReEncrypt: mode === 'encrypted' && prefix === 'v10' }
      } catch (error) {
        // A "v11" entry was written under a keyring's key; without one this run (weak mode: a
        // compositor Chromium does not recognise, D-Bus not up yet) it may well read next time.
        // Either way the answer holds for the run: Chromium keeps the key store's first answer.
        if (mode === 'weak' && prefix === 'v11') {
          throw new KeystoreError('saved under a keyring\'s key, and this session has none: start Linkscreen where the keyring runs, with --password-store=gnome-libsecret on a kiosk compositor', true, true)
        }
        const later = !safeStorage.isEncryptionAvailable()
        throw new KeystoreError(errorText(error), later, later)
      }
    },
  }
}

/** The asynchronous API as a cipher (macOS, Windows), every call bounded by `timeoutMs`. */
function asyncCipher(safeStorage: SafeStorageLike, timeoutMs: number): Cipher {
  return {
    encrypt: async (plainText) => {
      let answer: Buffer | typeof TIMEOUT
      try {
        answer = await withTimeout(safeStorage.encryptStringAsync(plainText), timeoutMs)
      } catch (error) {
        // The encryptor of this run has no key to encrypt with (a dismissed prompt): until a restart.
        throw new KeystoreError(errorText(error), true, true)
      }
      if (answer === TIMEOUT) throw new KeystoreError('the keystore did not answer in time', true)
      return answer
    },
    decrypt: async (data) => {
      let answer: { shouldReEncrypt: boolean; result: string } | typeof TIMEOUT
      try {
        answer = await withTimeout(safeStorage.decryptStringAsync(data), timeoutMs)
      } catch (error) {
        // electron_api_safe_storage.cc: "… is temporarily unavailable. Please try again." (key there, not now)
        // versus "Error while decrypting the ciphertext …" (not this machine's key).
        // "Temporarily" means for this run: the encryptor's slot for the key stays empty until a restart.
        const temporary = /temporarily unavailable/i.test(errorText(error))
        throw new KeystoreError(errorText(error), temporary, temporary)
      }
      if (answer === TIMEOUT) throw new KeystoreError('the keystore did not answer in time', true)
      return answer
    },
  }
}

/** Decides which key protects the accounts (see the module comment). Never throws. */
export async function chooseKeystore(options: KeystoreOptions): Promise<KeystoreChoice> {
  const { safeStorage, platform, allowWeak, timeoutMs } = options
  if (platform === 'linux') return chooseLinux(safeStorage, allowWeak)
  if (platform === 'darwin' || platform === 'win32') {
    const keystore = platform === 'darwin' ? 'the macOS Keychain' : 'Windows Data Protection (DPAPI)'
    const check = safeStorage.isAsyncEncryptionAvailable()
    let ready: boolean | typeof TIMEOUT
    try {
      ready = await withTimeout(check, timeoutMs)
    } catch (error) {
      return { kind: 'unavailable', keystore, message: `${keystore} could not be opened (${errorText(error)}). Restart Linkscreen to ask it again.`, restart: true }
    }
    if (ready === TIMEOUT) {
      return {
        kind: 'unavailable',
        keystore,
        message: `${keystore} has not answered (a prompt may be waiting for someone to allow Linkscreen).`,
        restart: false,
        answered: check,
      }
    }
    if (!ready) return { kind: 'unavailable', keystore, message: `${keystore} is not available yet.`, restart: false }
    const cipher = asyncCipher(safeStorage, timeoutMs)
    // "Available" says only that the encryptor exists, with or without its key (a dismissed
    // prompt): one encryption finds out before anyone signs in. Not empty text: Chromium's
    // Encryptor answers that without a key (components/os_crypt/async/common/encryptor.cc).
    try {
      await cipher.encrypt(PROBE)
    } catch (error) {
      const failure = error instanceof KeystoreError ? error : new KeystoreError(errorText(error), true)
      const then = failure.restart ? ` It gives its key only when Linkscreen starts: restart Linkscreen (and allow it if ${keystore} asks) to use it.` : ''
      return { kind: 'unavailable', keystore, message: `${keystore} did not give Linkscreen its key (${failure.message}).${then}`, restart: failure.restart }
    }
    return { kind: 'cipher', mode: 'encrypted', keystore, cipher }
  }
  // Elsewhere (FreeBSD, …) the async encryptor has only the fixed key (browser_process_impl.cc).
  const keystore = 'no keystore (a fixed key built into Electron)'
  if (!allowWeak) return { kind: 'none', keystore, message: `This system has no keystore Linkscreen can use, so accounts are kept until the app quits. ${WEAK_ALLOWED_HINT}` }
  return { kind: 'cipher', mode: 'weak', keystore, cipher: asyncCipher(safeStorage, timeoutMs) }
}

function chooseLinux(safeStorage: SafeStorageLike, allowWeak: boolean): KeystoreChoice {
  let backend = 'unknown'
  try {
    backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown'
  } catch {
    backend = 'unknown'
  }
  const keyring = Object.hasOwn(LINUX_KEYRINGS, backend) ? LINUX_KEYRINGS[backend] : undefined
  if (keyring !== undefined) {
    // May block while the keyring asks to be unlocked: the window is already showing "opening the keystore".
    if (safeStorage.isEncryptionAvailable()) return { kind: 'cipher', mode: 'encrypted', keystore: keyring, cipher: syncCipher(safeStorage, 'encrypted') }
    return {
      kind: 'unavailable',
      keystore: keyring,
      message: `${keyring} did not give Linkscreen its key (locked, or not running). Saved accounts stay on disk untouched; unlock the keyring and restart Linkscreen to use them.`,
      restart: true,
    }
  }
  const keystore = backend === 'basic_text' ? 'no keystore (basic_text: a password built into Electron)' : `an unrecognised key store ("${backend.slice(0, 40)}")`
  if (!allowWeak) {
    return {
      kind: 'none',
      keystore,
      message: `No keyring protects Linkscreen's key here (${keystore}), so accounts are kept until the app quits. On a kiosk compositor with a running keyring, start Linkscreen with --password-store=gnome-libsecret. ${WEAK_ALLOWED_HINT}`,
    }
  }
  safeStorage.setUsePlainTextEncryption(true)
  if (!safeStorage.isEncryptionAvailable()) return { kind: 'none', keystore, message: `Weak storage is allowed, but Electron offers no encryption here (${keystore}); accounts are kept until the app quits.` }
  return { kind: 'cipher', mode: 'weak', keystore, cipher: syncCipher(safeStorage, 'weak') }
}
