/**
 * A stand-in for Electron 45's `safeStorage` that models how it really chooses its keys, so
 * that a test describes the machine (desktop, keyring, Keychain) and the app's code has to
 * find out what protects its data through the API alone, as it must with the real module.
 * Nothing here answers "encrypted" or "weak": the vault has to work that out.
 *
 * What is modelled, and where Electron (or Chromium, which it wraps) says so:
 * - Before `ready`, `isAsyncEncryptionAvailable()` resolves false, `getSelectedStorageBackend()`
 *   answers 'unknown', and the encrypt/decrypt calls fail ("safeStorage cannot be used before
 *   app is ready"): shell/browser/api/electron_api_safe_storage.cc.
 * - After `ready`, `isAsyncEncryptionAvailable()` only ever resolves TRUE, once the async
 *   encryptor exists; it never resolves false (same file: `OnOsCryptReady` resolves every
 *   pending check with true). A keystore that never answers leaves it pending.
 * - `getSelectedStorageBackend()` reports the SYNCHRONOUS key store's selection, made from the
 *   desktop environment or the `--password-store` switch (docs/api/safe-storage.md;
 *   shell/browser/electron_browser_main_parts.cc → os_crypt::SelectBackend). Unrecognised
 *   desktops (cage, sway, openbox, a bare X session) get 'basic_text'.
 * - The synchronous API (`isEncryptionAvailable`, `encryptString`, `decryptString`) uses that
 *   selected store's key, prefix "v11"; without one, only with `setUsePlainTextEncryption(true)`
 *   on 'basic_text', a hard-coded password, prefix "v10" (electron_api_safe_storage.cc
 *   `IsEncryptionAvailable`; Chromium components/os_crypt/sync/os_crypt_linux.cc). Chromium
 *   asks the key store once and keeps the answer, a missing key included (Electron's
 *   patches/chromium/revert_oscrypt_remove_sync_backend.patch, os_crypt_linux.cc: `try_v11_`,
 *   `v11_key_`, and `config_.reset()` after the first lookup): a keyring unlocked later is not
 *   seen until a restart.
 *   `decryptString` refuses text without a v10/v11 prefix and throws on a wrong key.
 * - The asynchronous encryptor on Linux picks its key APART from that selection: the Secret
 *   portal (precedence 15), else the freedesktop Secret Service (10), else a fixed key shared
 *   by every machine (`PosixKeyProvider`, 5): shell/browser/browser_process_impl.cc
 *   `CreateOSCryptAsync`. No API says which one it took.
 * - On macOS (Keychain) and Windows (DPAPI) the async API uses the OS keystore (same file;
 *   docs/api/safe-storage.md "Asynchronous API"; on macOS only while Chromium's
 *   `kUseKeychainKeyProvider` feature is on, browser_process_impl.cc: what it does with the
 *   feature off is in Chromium, not mirrored here, and is not modelled).
 * - The async encryptor is made ONCE per process. Electron asks for it at the first async call
 *   after `ready` and never again (electron_api_safe_storage.cc `EnsureAsyncEncryptorRequested`:
 *   `if (encryptor_requested_) return;`); Chromium asks each key provider once and hands out
 *   clones of that one encryptor from then on (components/os_crypt/async/browser/
 *   os_crypt_async.cc: `is_initialized_`, `encryptor_instance_->Clone`). Calls made while it is
 *   being made wait (`pending_*` in electron_api_safe_storage.cc) and are answered when it
 *   arrives (`OnOsCryptReady`). So what the keystore answers at that moment holds for the whole
 *   run: a Keychain prompt dismissed (keychain_key_provider.mm: an empty password is
 *   `kTemporarilyUnavailable`) leaves a key-ring slot without a key (os_crypt_async.cc
 *   `HandleKey`: `key_ring_.emplace(tag, std::nullopt)`), and every later decrypt of data under
 *   that key rejects with "safeStorage.decryptStringAsync is temporarily unavailable. Please try
 *   again." and every encrypt with "Error while encrypting the text provided to
 *   safeStorage.encryptStringAsync." until the app restarts, whatever the Keychain does
 *   meanwhile. A prompt nobody has answered yet (`osKeystore: 'hang'`) keeps every call waiting
 *   until the test answers it (`answerPrompt`); then the encryptor is made with that answer.
 *   Data under another key fails with "Error while decrypting the ciphertext provided to
 *   safeStorage.decryptStringAsync." `shouldReEncrypt` is true after a key rotation.
 * - The synchronous Keychain/DPAPI key is likewise read once per process ("Never try it again",
 *   os_crypt_mac.mm in the patch above; os_crypt_win.cc reads its key at `Init`).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

/** The machine the stand-in runs on, as a test describes it. */
export interface KeystoreMachine {
  platform: NodeJS.Platform
  /**
   * Linux: `XDG_CURRENT_DESKTOP` ('GNOME', 'ubuntu:GNOME', 'KDE' with `kdeVersion`, 'cage', …;
   * '' when unset). Chromium reads it as described at `selectedBackend`.
   */
  desktop: string
  /** Linux: `DESKTOP_SESSION` ('gnome', 'mate', 'plasma', 'cosmic', …), Chromium's older fallback. */
  desktopSession?: string
  /** Linux: `GNOME_DESKTOP_SESSION_ID` is set (Chromium's last GNOME fallback). */
  gnomeDesktopSessionId?: boolean
  /** Linux: `KDE_FULL_SESSION` is set (Plasma sets it; Chromium's last KDE fallback). */
  kdeFullSession?: boolean
  /** Linux: `KDE_SESSION_VERSION` (KDE's major version; Chromium reads only 5 and 6, else KDE 4). */
  kdeVersion?: 4 | 5 | 6
  /** Linux: Chromium's `--password-store` switch, when the app was started with one. */
  passwordStore?: 'basic' | 'gnome-libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6'
  /** Linux: a Secret Service (gnome-keyring, KeePassXC) on the session bus, and its state. */
  secretService: 'unlocked' | 'locked' | 'absent'
  /** Linux: KWallet's state. */
  kwallet: 'open' | 'absent'
  /** Linux: the Secret portal (Flatpak). */
  portal: boolean
  /** macOS Keychain / Windows DPAPI: answering, locked (prompt dismissed), or a prompt nobody answers. */
  osKeystore: 'ok' | 'locked' | 'hang'
  /** Key material that differs per machine (a store copied elsewhere does not decrypt). */
  name: string
}

export const DEFAULT_MACHINE: KeystoreMachine = {
  platform: 'linux',
  desktop: 'GNOME',
  secretService: 'unlocked',
  kwallet: 'absent',
  portal: false,
  osKeystore: 'ok',
  name: 'machine-a',
}

/** `XDG_CURRENT_DESKTOP` values for which `SelectBackend` picks the Secret Service (GNOME_LIBSECRET). */
const LIBSECRET_DESKTOPS = new Set(['Unity', 'Deepin', 'GNOME', 'X-Cinnamon', 'Pantheon', 'XFCE', 'UKUI', 'COSMIC'])

/**
 * The key store Electron 45 selects from the desktop when no `--password-store` is given:
 * Chromium's `GetDesktopEnvironment` (base/nix/xdg_util.cc), then `SelectBackend`, which
 * Chromium removed and Electron restores (patches/chromium/revert_oscrypt_remove_sync_backend.patch,
 * key_storage_util_linux.cc: COSMIC is among its Secret Service desktops since Electron's
 * Chromium 149 bump; Electron's docs/api/safe-storage.md list is older).
 * - `XDG_CURRENT_DESKTOP` is split at ':' and read in order, each value matched exactly (case
 *   included): Unity, Deepin, GNOME, X-Cinnamon, Pantheon, XFCE, UKUI, COSMIC → the Secret
 *   Service; KDE → KWallet of `KDE_SESSION_VERSION` 5 or 6, else KDE 4's; LXQt → none. So
 *   Ubuntu's 'ubuntu:GNOME' is GNOME, and 'sway' or 'cage' match nothing.
 * - Then `DESKTOP_SESSION`: deepin, gnome, mate, one holding "xfce", xubuntu, ukui → the Secret
 *   Service; kde4, kde-plasma → KDE 4; kde → KDE 4 with a `KDE_SESSION_VERSION`, else KDE 3,
 *   which gets none.
 * - Then `GNOME_DESKTOP_SESSION_ID` set → GNOME; `KDE_FULL_SESSION` set (Plasma sets it) → KDE 4
 *   with a `KDE_SESSION_VERSION`, else KDE 3.
 * - Anything else: 'basic_text'.
 * (Unity's gnome-fallback sessions, which Chromium counts as GNOME, select the same store.)
 */
function selectedBackend(m: KeystoreMachine): string {
  const kde = (version: number | undefined): string => (version === 5 ? 'kwallet5' : version === 6 ? 'kwallet6' : 'kwallet')
  for (const value of m.desktop.split(':').map((v) => v.trim()).filter((v) => v !== '')) {
    if (LIBSECRET_DESKTOPS.has(value)) return 'gnome_libsecret'
    if (value === 'KDE') return kde(m.kdeVersion)
    if (value === 'LXQt') return 'basic_text'
  }
  const session = m.desktopSession
  if (session !== undefined) {
    if (['deepin', 'gnome', 'mate', 'xubuntu', 'ukui'].includes(session) || session.includes('xfce')) return 'gnome_libsecret'
    if (session === 'kde4' || session === 'kde-plasma') return 'kwallet'
    if (session === 'kde') return m.kdeVersion !== undefined ? 'kwallet' : 'basic_text'
  }
  if (m.gnomeDesktopSessionId === true) return 'gnome_libsecret'
  if (m.kdeFullSession === true) return m.kdeVersion !== undefined ? 'kwallet' : 'basic_text'
  return 'basic_text'
}

const TEMPORARILY = 'safeStorage.decryptStringAsync is temporarily unavailable. Please try again.'

export class FakeSafeStorage {
  machine: KeystoreMachine = { ...DEFAULT_MACHINE }
  /** Counters, for tests that check work done (re-encryption). */
  encrypted = 0
  decrypted = 0
  private usePlainText = false
  private cachedV11: Buffer | null | undefined
  /** macOS/Windows: the sync key's answer, read once per process. */
  private cachedOsSync: boolean | undefined
  private keyVersion = 1
  /** The async encryptor of this process, once made: its key source, and whether it got the key. */
  private encryptor: { readonly source: string; readonly hasKey: boolean } | undefined
  /** Calls waiting for the encryptor (a prompt nobody has answered yet). */
  private waiting: (() => void)[] = []
  private requested = false

  constructor(private readonly isReady: () => boolean) {}

  /** Test control: describe the machine (a fresh process: the sync key cache is cleared). */
  setMachine(change: Partial<KeystoreMachine> | string): void {
    this.machine = typeof change === 'string' ? { ...this.machine, name: change } : { ...this.machine, ...change }
    this.freshProcess()
  }
  /** Test control: the app starts afresh on `machine` (nothing cached, plain-text encryption off). */
  startOn(machine: KeystoreMachine): void {
    this.machine = { ...machine }
    this.freshProcess()
    this.usePlainText = false
  }
  /**
   * Test control: change the machine while the app runs. What this process already got from a
   * keystore stays as it was (the sync key caches, the async encryptor), as in Chromium.
   */
  changeWhileRunning(change: Partial<KeystoreMachine>): void {
    this.machine = { ...this.machine, ...change }
  }
  /**
   * Test control: someone answers the Keychain prompt that was waiting (`osKeystore: 'hang'`):
   * the encryptor is made now with that answer, and every waiting call goes on.
   */
  answerPrompt(answer: 'ok' | 'locked'): void {
    this.machine = { ...this.machine, osKeystore: answer }
    if (this.requested && this.encryptor === undefined) this.makeEncryptor()
  }

  private freshProcess(): void {
    this.cachedV11 = undefined
    this.cachedOsSync = undefined
    this.encryptor = undefined
    this.requested = false
    // Calls of the old process never settle: that process is gone.
    this.waiting = []
  }
  /** Test control: the OS rotates the async key; older ciphertexts ask to be re-encrypted. */
  rotate(): void {
    this.keyVersion += 1
  }

  private key(source: string, version = 1): Buffer {
    // The fixed keys are the same on every machine; the others are per machine.
    const machine = source === 'posix-fixed' || source === 'v10-basic' ? 'everywhere' : this.machine.name
    return createHash('sha256').update(`${machine}:${source}:${version}`).digest()
  }

  // --- The synchronous API ---

  /** 'basic_text', 'gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6' (or 'unknown' before ready). */
  getSelectedStorageBackend(): string {
    if (!this.isReady()) return 'unknown'
    const m = this.machine
    switch (m.passwordStore) {
      case 'basic':
        return 'basic_text'
      case 'gnome-libsecret':
        return 'gnome_libsecret'
      case 'kwallet':
      case 'kwallet5':
      case 'kwallet6':
        return m.passwordStore
      default:
    }
    return selectedBackend(m)
  }

  /** The v11 key from the selected store, asked once and cached (a missing one too). */
  private v11(): Buffer | null {
    if (this.cachedV11 !== undefined) return this.cachedV11
    const backend = this.getSelectedStorageBackend()
    let key: Buffer | null = null
    if (backend === 'gnome_libsecret' && this.machine.secretService === 'unlocked') key = this.key('libsecret')
    if (backend.startsWith('kwallet') && this.machine.kwallet === 'open') key = this.key('kwallet')
    this.cachedV11 = key
    return key
  }

  setUsePlainTextEncryption(use: boolean): void {
    this.usePlainText = use
  }

  isEncryptionAvailable(): boolean {
    if (!this.isReady()) return false
    if (this.machine.platform !== 'linux') return (this.cachedOsSync ??= this.machine.osKeystore === 'ok')
    return this.v11() !== null || (this.usePlainText && this.getSelectedStorageBackend() === 'basic_text')
  }

  private syncKey(): { prefix: string; key: Buffer } {
    if (this.machine.platform !== 'linux') return { prefix: 'v10', key: this.key(this.machine.platform === 'darwin' ? 'keychain' : 'dpapi') }
    const v11 = this.v11()
    return v11 ? { prefix: 'v11', key: v11 } : { prefix: 'v10', key: this.key('v10-basic') }
  }

  encryptString(plain: string): Buffer {
    if (!this.isEncryptionAvailable()) {
      throw new Error(this.isReady() ? 'Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.' : 'safeStorage cannot be used before app is ready')
    }
    this.encrypted += 1
    const { prefix, key } = this.syncKey()
    return Buffer.concat([Buffer.from(prefix), seal(key, plain)])
  }

  decryptString(data: Buffer): string {
    if (!this.isEncryptionAvailable()) {
      throw new Error(this.isReady() ? 'Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.' : 'safeStorage cannot be used before app is ready')
    }
    this.decrypted += 1
    const prefix = data.subarray(0, 3).toString('latin1')
    if (prefix !== 'v10' && prefix !== 'v11') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString. Ciphertext does not appear to be encrypted.')
    const key = this.machine.platform !== 'linux' ? this.syncKey().key : prefix === 'v10' ? this.key('v10-basic') : this.v11()
    const plain = key ? open(key, data.subarray(3)) : undefined
    if (plain === undefined) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
    return plain
  }

  // --- The asynchronous API ---

  /** Which key the async encryptor takes (Linux: portal, Secret Service, else the fixed key). */
  private asyncSource(): string {
    const m = this.machine
    if (m.platform === 'darwin') return 'keychain'
    if (m.platform === 'win32') return 'dpapi'
    if (m.portal) return 'portal'
    if (m.secretService === 'unlocked') return 'secret-service'
    return 'posix-fixed'
  }

  /** `EnsureAsyncEncryptorRequested`: the first call asks the key providers; later ones do nothing. */
  private ensureRequested(): void {
    if (this.requested) return
    this.requested = true
    const m = this.machine
    // A prompt nobody answers keeps the encryptor from being made (answerPrompt makes it).
    if (m.platform !== 'linux' && m.osKeystore === 'hang') return
    // GetKey runs on a worker thread; its answer arrives as a posted task.
    setImmediate(() => {
      if (this.requested && this.encryptor === undefined) this.makeEncryptor()
    })
  }

  /** `OnOsCryptReady`: the one encryptor of this process, with the key the keystore gave now. */
  private makeEncryptor(): void {
    const m = this.machine
    this.encryptor = { source: this.asyncSource(), hasKey: m.platform === 'linux' || m.osKeystore === 'ok' }
    const waiting = this.waiting
    this.waiting = []
    for (const go of waiting) go()
  }

  /** Runs `work` once the encryptor exists (at once if it does, else when it is made). */
  private withEncryptor<T>(work: (encryptor: { readonly source: string; readonly hasKey: boolean }) => T): Promise<T> {
    this.ensureRequested()
    return new Promise<T>((resolve, reject) => {
      const go = () => {
        try {
          resolve(work(this.encryptor!))
        } catch (error) {
          reject(error)
        }
      }
      if (this.encryptor) setImmediate(go)
      else this.waiting.push(go)
    })
  }

  isAsyncEncryptionAvailable(): Promise<boolean> {
    if (!this.isReady()) return Promise.resolve(false)
    // Resolves true once the encryptor exists, whether or not it got its key.
    return this.withEncryptor(() => true)
  }

  encryptStringAsync(plain: string): Promise<Buffer> {
    if (!this.isReady()) return Promise.reject(new Error('safeStorage cannot be used before app is ready'))
    return this.withEncryptor((encryptor) => {
      // Empty text encrypts to nothing, key or none (components/os_crypt/async/common/encryptor.cc
      // `EncryptString`: `if (data.empty()) return std::vector<uint8_t>()`).
      if (plain === '') return Buffer.alloc(0)
      if (!encryptor.hasKey) throw new Error('Error while encrypting the text provided to safeStorage.encryptStringAsync.')
      this.encrypted += 1
      return Buffer.concat([Buffer.from(`a${this.keyVersion}:${encryptor.source}:`), seal(this.key(encryptor.source, this.keyVersion), plain)])
    })
  }

  decryptStringAsync(data: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }> {
    if (!this.isReady()) return Promise.reject(new Error('safeStorage cannot be used before app is ready'))
    if (!Buffer.isBuffer(data)) return Promise.reject(new Error('Expected the first argument of decryptStringAsync() to be a buffer'))
    // An empty buffer is answered before the encryptor is asked for (electron_api_safe_storage.cc).
    if (data.length === 0) return Promise.resolve({ shouldReEncrypt: false, result: '' })
    return this.withEncryptor((encryptor) => {
      this.decrypted += 1
      const header = /^a(\d+):([a-z-]+):/.exec(data.subarray(0, 40).toString('latin1'))
      // The key-ring slot of this encryptor's own key is empty: that key is "temporarily unavailable".
      if (header && header[2] === encryptor.source && !encryptor.hasKey) throw new Error(TEMPORARILY)
      const version = Number(header?.[1] ?? 0)
      const plain = header ? open(this.key(header[2]!, version), data.subarray(header[0].length)) : undefined
      if (plain === undefined) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptStringAsync.')
      return { shouldReEncrypt: version !== this.keyVersion || header?.[2] !== encryptor.source, result: plain }
    })
  }
}

function seal(key: Buffer, plain: string): Buffer {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body])
}

function open(key: Buffer, data: Buffer): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12))
    decipher.setAuthTag(data.subarray(12, 28))
    return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}
