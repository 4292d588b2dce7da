/**
 * The one typed contract between the app's back end (the Electron main process, or
 * `linkscreen serve`) and the renderer. Types and channel names only: nothing here runs.
 *
 * The renderer sees view state only. No token, refresh token, ID token or device code ever
 * appears in any of these types.
 */
import type { FlowLogJson } from '../core/flow-log'

/** Where a sign-in stands. The renderer picks its screen by this, exhaustively. */
export type FlowStatus =
  | 'idle' // nothing started: the provider picker
  | 'starting' // asking the provider for a code
  | 'waiting' // a code is on screen
  | 'authorized'
  | 'denied'
  | 'expired'
  | 'error'

/** The latest poll, for the status line. */
export type PollView = 'pending' | 'slow_down' | 'network_error'

/**
 * Why the last request got no usable answer, for the status line: something on the network
 * answered instead of the provider (`captive_portal`, with the host of its page when known,
 * `proxy_auth`, `empty`, `truncated`, `not_json`), or `server_error`,
 * `rate_limited`, `timeout`, `connection`.
 */
export interface NetworkView {
  readonly reason: string
  readonly host: string | null
}

/** Who signed in, as shown. */
export interface AccountView {
  /** Stable id: provider id + subject. */
  readonly id: string
  readonly providerId: string
  readonly providerName: string
  readonly sub: string | null
  readonly name: string | null
  readonly email: string | null
  /** An `https:` (or loopback `http:`) image URL, or null. */
  readonly picture: string | null
  readonly scope: string | null
  /** Milliseconds since the epoch. */
  readonly signedInAt: number
  /** `needs_sign_in`: the provider refused to refresh the tokens (`invalid_grant`); kept until signed out. */
  readonly status: 'active' | 'needs_sign_in'
  /** When the access token expires (refreshed shortly before), ms since the epoch, or null. */
  readonly expiresAt: number | null
  /** This account can approve codes shown on other screens (better-auth's device plugin). */
  readonly canApprove: boolean
}

/** A whole snapshot of the current flow; events carry it whole, never diffs. */
export interface FlowSnapshot {
  /** Grows with every snapshot, so a stale one can be told apart. */
  readonly seq: number
  readonly status: FlowStatus
  readonly providerId: string | null
  readonly providerName: string | null
  readonly userCode: string | null
  /** The URL to show as text. Always `https:` (or `http:` to a loopback host). */
  readonly verificationUri: string | null
  /** The URL to encode in the QR code (the complete URI when known, else the one above). */
  readonly qrTarget: string | null
  /**
   * The code's time left, milliseconds, when this snapshot was sent (measured on the back end's
   * monotonic clock). The screen counts down from the moment it received it, on its own
   * monotonic clock, so a wall clock set after boot moves neither.
   */
  readonly expiresInMs: number | null
  /** Seconds between polls. */
  readonly interval: number | null
  readonly poll: PollView | null
  /** A renewal is in progress or the code was renewed this many times. */
  readonly renewals: number
  /** A sign-in instruction from the provider (Microsoft), plain text. */
  readonly providerMessage: string | null
  /**
   * On `waiting`: why part of the provider's answer is not used, in plain text (a complete
   * verification link that carries the device code or another secret is dropped: the screen
   * shows `verificationUri` and the user code instead); else null.
   */
  readonly warning: string | null
  /** On `starting`: waiting for the network to come up before asking for a code. */
  readonly offline: boolean
  /** On `starting`: the code request under way, 1 for the first; 0 when none is. */
  readonly attempt: number
  /** Why the last code request or poll failed, while it is being retried; else null. */
  readonly network: NetworkView | null
  /** On `authorized`. */
  readonly account: AccountView | null
  /** On `error`: a stable code and a plain message. */
  readonly error: { readonly code: string; readonly message: string } | null
}

/** The snapshot before any sign-in: the picker. Hosts start from it; `seq` 0 is older than any published one. */
export const IDLE_SNAPSHOT: FlowSnapshot = {
  seq: 0,
  status: 'idle',
  providerId: null,
  providerName: null,
  userCode: null,
  verificationUri: null,
  qrTarget: null,
  expiresInMs: null,
  interval: null,
  poll: null,
  renewals: 0,
  providerMessage: null,
  warning: null,
  offline: false,
  attempt: 0,
  network: null,
  account: null,
  error: null,
}

/**
 * A device's request for access, claimed by a signed-in desktop user who is about to approve
 * or deny it (RFC 8628 §5.4: show who is asking and for what before the user decides).
 */
export interface ApprovalView {
  readonly accountId: string
  readonly providerName: string
  /** The code as the server knows it. */
  readonly userCode: string
  readonly clientId: string
  /** The client's display name when the server gives one, else null (show the client id). */
  readonly clientName: string | null
  readonly scopes: readonly string[]
  /** Who is about to decide, as the server sees the session. */
  readonly approver: string | null
}

/**
 * The QA flow log: every HTTP exchange of the current (or last) flow, with URLs redacted and
 * no token, device code or secret in it. The shape is `electron/core/flow-log.ts`'s JSON.
 */
export type FlowLogView = FlowLogJson

/** A provider the user can pick. */
export interface ProviderView {
  readonly id: string
  readonly name: string
  readonly dialect: string
  readonly builtIn: boolean
  /** The configured logo, checked by main: a `data:image/(png|jpeg|webp)` URL, never a remote one. */
  readonly logo?: string
  /** The configured accent colour, `#rrggbb`, checked for contrast against the background. */
  readonly accent?: string
}

/** What the screen needs to know about where it runs. */
export interface AppInfo {
  /** Kiosk mode: no "open in browser" or "copy" buttons, no quitting. */
  readonly kiosk: boolean
  /** The screen is bound to one provider (`--provider`): no picker. */
  readonly fixedProvider: string | null
  /** BCP 47 tag of the system locale, for the string catalogue. */
  readonly locale: string
  /** The back end: the Electron app or `linkscreen serve`. */
  readonly host: 'electron' | 'serve'
  /**
   * Where signed-in accounts are kept: `encrypted` under a real keystore's key (the app),
   * `weak` on disk under a key no keystore protects (only when `allowWeakTokenStorage` is set),
   * `memory` for this process only (serve mode, or the app failing closed without a keyring),
   * `opening` while the keystore has not answered yet, `locked` while a real keystore cannot give
   * its key (saved accounts stay on disk untouched; see `keystoreRetry`).
   */
  readonly storage: StorageMode
  /**
   * The app, while `locked`: what can open the keystore. `now`: asking again in this run may
   * work (`app:retryKeystore`: a prompt still waiting, a file held by another program).
   * `restart`: the keystore has answered for this run (Electron makes its encryptor once per
   * process), so only a restart asks again (`app:restart`). `start-again`: the same, but the
   * app cannot restart itself here (a kiosk, whose process something else owns; an AppImage,
   * where Electron's relauncher runs from the image's mount that goes away as the app exits,
   * electron-userland/electron-builder#1727): the user quits and starts it. Absent otherwise.
   */
  readonly keystoreRetry?: 'now' | 'restart' | 'start-again'
  /** The app, while `locked`: accounts signed in this run that only memory holds (a restart loses them). */
  readonly unsavedAccounts?: number
  /**
   * The app, while `locked`: this run is itself the restart made for the keystore, and it still
   * gave no key (a restart may not help: a DPAPI key that fails every time, a keyring left locked).
   */
  readonly keystoreRestarted?: boolean
  /** The app: the keystore that holds (or would hold) the accounts, in words; null while opening. Absent in serve mode. */
  readonly keystore?: string | null
  /** Things the user should know about the app itself (a store moved aside, a bad config reload). */
  readonly notices: readonly AppNotice[]
}

export type StorageMode = 'opening' | 'encrypted' | 'weak' | 'memory' | 'locked'

/** A message about the app, with a stable code the screen can translate. */
export interface AppNotice {
  readonly code: string
  readonly message: string
}

/** What anything a user or a provider can cause returns. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly message: string }

/** Invoke channels: renderer → back end, each with its request and response. */
export interface InvokeMap {
  'app:info': { request: null; response: AppInfo }
  /** Asks a `locked` keystore again (the user pressed "Try again"); answers the app's info after. */
  'app:retryKeystore': { request: null; response: AppInfo }
  /**
   * Restarts the app so that a keystore that answered "no" for this run is asked again (the
   * app, `keystoreRetry: 'restart'`; not in kiosk mode, where something else owns the process).
   * `discardUnsaved`: how many accounts that only memory holds the user agreed to lose (the
   * count the screen showed; 0 when it asked nothing). Refused with `unsaved_accounts` while
   * more than that would be lost (one signed in meanwhile): the screen asks again.
   */
  'app:restart': { request: { readonly discardUnsaved: number }; response: Result<null> }
  'providers:list': { request: null; response: readonly ProviderView[] }
  'auth:state': { request: null; response: FlowSnapshot }
  'auth:start': { request: { readonly providerId: string }; response: Result<FlowSnapshot> }
  'auth:cancel': { request: null; response: Result<FlowSnapshot> }
  /** A fresh code from the same provider (after expiry, or on request). */
  'auth:renew': { request: null; response: Result<FlowSnapshot> }
  'accounts:list': { request: null; response: readonly AccountView[] }
  'accounts:sign-out': { request: { readonly accountId: string }; response: Result<readonly AccountView[]> }
  /** Refreshes an account's tokens now (they are also refreshed before they expire). */
  'accounts:refresh': { request: { readonly accountId: string }; response: Result<AccountView> }
  /** Claims a code shown on another screen, as this (better-auth) account, and says what asks. */
  'approve:claim': { request: { readonly accountId: string; readonly userCode: string }; response: Result<ApprovalView> }
  /** Approves or denies a claimed code. */
  'approve:decide': {
    request: { readonly accountId: string; readonly userCode: string; readonly decision: 'approve' | 'deny' }
    response: Result<null>
  }
  /** The current or last flow's log, or null before any flow. */
  'log:get': { request: null; response: FlowLogView | null }
  /** Saves the log as JSON where the user picks (the app); answers the path. Not in kiosk or serve mode. */
  'log:export': { request: null; response: Result<string> }
  /** Opens the verification page in the system browser (desktop only; `https:` or loopback). */
  'shell:open-verification': { request: null; response: Result<null> }
  /**
   * Copies the user code on screen to the system clipboard (the app; not in kiosk mode). Main
   * copies the code it holds: the page names no text, so nothing else can be written.
   */
  'clipboard:copy-code': { request: null; response: Result<null> }
}

/** Events: back end → renderer. */
export interface EventMap {
  'auth:snapshot': FlowSnapshot
  'accounts:changed': readonly AccountView[]
  /** The provider list changed (the configuration file was edited while the app ran). */
  'providers:changed': readonly ProviderView[]
  /** The app's info changed (a new notice). */
  'app:changed': AppInfo
}

export type InvokeChannel = keyof InvokeMap
export type EventChannel = keyof EventMap

/** Every invoke channel, for registration and for tests that check none is missing. */
export const INVOKE_CHANNELS = [
  'app:info',
  'app:retryKeystore',
  'app:restart',
  'providers:list',
  'auth:state',
  'auth:start',
  'auth:cancel',
  'auth:renew',
  'accounts:list',
  'accounts:sign-out',
  'accounts:refresh',
  'approve:claim',
  'approve:decide',
  'log:get',
  'log:export',
  'shell:open-verification',
  'clipboard:copy-code',
] as const satisfies readonly InvokeChannel[]

export const EVENT_CHANNELS = ['auth:snapshot', 'accounts:changed', 'providers:changed', 'app:changed'] as const satisfies readonly EventChannel[]

/**
 * The renderer's view of the back end: one function per invoke channel and a subscription per
 * event. The preload exposes exactly this on `window.linkscreen`; serve mode implements it
 * over HTTP and server-sent events.
 */
export interface Bridge {
  invoke<C extends InvokeChannel>(channel: C, request: InvokeMap[C]['request']): Promise<InvokeMap[C]['response']>
  /** Returns an unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void
  /** Connection state of the event stream ('live' or 'reconnecting'); the preload is always live. */
  onConnection(listener: (state: 'live' | 'reconnecting') => void): () => void
}

/**
 * What the Electron preload puts on `window.linkscreen`: one function per invoke channel
 * (taking the request, answering the response) and one per event (taking a listener,
 * answering an unsubscribe function). Never `ipcRenderer` itself. The renderer turns it into
 * a `Bridge` (`renderer/bridge.ts`).
 */
export type PreloadApi = {
  readonly [C in InvokeChannel]: (request: InvokeMap[C]['request']) => Promise<InvokeMap[C]['response']>
} & {
  readonly [E in EventChannel]: (listener: (payload: EventMap[E]) => void) => () => void
}
