/**
 * What the screens can ask for. Each action invokes the back end through the bridge and writes
 * the answer into the store; a refusal (`ok: false`) or a failed invoke becomes the notice, so
 * the app keeps running and nothing already signed in is touched.
 */
import { createContext, useContext } from 'react'
import type { Bridge, FlowSnapshot, Result } from '../electron/ipc/contract'
import { logFileName } from './format/flow-log'
import { useStore, type Approval } from './store'
import {
  logFailed,
  receiveAccounts,
  receiveLog,
  receiveSnapshot,
  setAccountNote,
  setApproval,
  setExportNote,
  setNotice,
  showQa,
  showView,
  receiveAppInfo,
} from './store/updates'

/** The commands screens can give; each resolves when the back end has answered. */
export interface Actions {
  /** Starts a sign-in with a provider (cancelling any flow under way) and shows its screen. */
  start(providerId: string): Promise<void>
  /** Starts again with the provider of the current flow (or the fixed one). */
  retry(): Promise<void>
  /** Cancels the flow and returns to the picker. */
  backToPicker(): Promise<void>
  /** Asks a locked keystore again (the app); the banner shows the answer. */
  retryKeystore(): Promise<void>
  /**
   * Restarts the app so that the keystore is asked again (`keystoreRetry: 'restart'`).
   * `discardUnsaved`: how many accounts only memory holds the user agreed to lose (the count
   * shown; 0 when nothing was asked). A refusal becomes the notice.
   */
  restartApp(discardUnsaved: number): Promise<void>
  /** Shows the signed-in accounts (leaving the finished flow behind). */
  showAccounts(): Promise<void>
  /** Signs an account out (its row says so meanwhile); a refusal becomes the notice. */
  signOut(accountId: string): Promise<void>
  /** Refreshes an account's tokens now; its row says how that went. */
  refreshAccount(accountId: string): Promise<void>
  /** Shows the approve screen, to approve another screen's code as `accountId`. */
  showApprove(accountId: string): void
  /** Asks the back end what the code `typed` is (claiming it); the approve screen shows the answer. */
  claimCode(typed: string): Promise<void>
  /** Approves or denies the claimed code. */
  decideCode(decision: 'approve' | 'deny'): Promise<void>
  /** After a decision (or to start over): an empty code field for the same account. */
  approveAnother(): void
  /** Opens the QA panel (not in kiosk mode) and loads the flow log. */
  openQa(): Promise<void>
  /** Closes the QA panel, back to where it was opened. */
  closeQa(): void
  /** Loads the current or last flow's log. */
  loadLog(): Promise<void>
  /**
   * Saves the log where the user picks (the app). Where the back end cannot (serve mode), the
   * browser downloads the JSON instead.
   */
  exportLog(): Promise<void>
  /**
   * Opens the verification page in the system browser (desktop only). Served to a browser,
   * where the back end cannot open one, it opens `url` in a new tab instead.
   */
  openVerification(url: URL): Promise<void>
  /**
   * Copies the user code to the clipboard; resolves true when it worked. In the app, main copies
   * the code it holds (`clipboard:copy-code`): the session denies the page every permission, the
   * clipboard's included, so `navigator.clipboard` would fail there. Served to a browser, the
   * browser copies `code` (the clipboard of the machine showing the page).
   */
  copyCode(code: string): Promise<boolean>
}

function describe(error: unknown): { code: string; message: string } {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'network_error'
  return { code, message: error instanceof Error ? error.message : String(error) }
}

/** Runs `call`; a throw becomes the notice and `null`. */
async function guarded<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call()
  } catch (error) {
    setNotice(describe(error))
    return null
  }
}

/** Runs `call`; a throw becomes a refusal like the back end's. */
async function settled<T>(call: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await call()
  } catch (error) {
    return { ok: false, ...describe(error) }
  }
}

/** Has the browser save `text` as `file`, through a Blob URL and `<a download>`. */
function download(text: string, file: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const link = document.createElement('a')
  link.href = url
  link.download = file
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** The approval under way, if it is still the one for `accountId` at `step` (the user may have left meanwhile). */
function current(accountId: string, step: Approval['step']): Approval | null {
  const approval = useStore.getState().approval
  return approval?.accountId === accountId && approval.step === step ? approval : null
}

/** The value of an `ok` result; a refusal becomes the notice and `null`. */
function unwrap<T>(result: Result<T> | null): T | null {
  if (result === null) return null
  if (result.ok) return result.value
  setNotice({ code: result.code, message: result.message })
  return null
}

/** Binds the actions to a bridge. */
export function createActions(bridge: Bridge): Actions {
  const snapshot = (s: FlowSnapshot | null): void => {
    if (s) receiveSnapshot(s)
  }
  const cancel = async (): Promise<void> => snapshot(unwrap(await guarded(() => bridge.invoke('auth:cancel', null))))

  const actions: Actions = {
    async start(providerId) {
      showView('flow')
      snapshot(unwrap(await guarded(() => bridge.invoke('auth:start', { providerId }))))
    },
    async retry() {
      const s = useStore.getState()
      const providerId = s.flow.providerId ?? s.app?.fixedProvider ?? null
      if (providerId) await actions.start(providerId)
      else await actions.backToPicker()
    },
    async backToPicker() {
      showView('flow')
      await cancel()
    },
    async retryKeystore() {
      const info = await guarded(() => bridge.invoke('app:retryKeystore', null))
      if (info) receiveAppInfo(info)
    },
    async restartApp(discardUnsaved) {
      const result = await settled(() => bridge.invoke('app:restart', { discardUnsaved }))
      if (!result.ok) setNotice({ code: result.code, message: result.message })
    },
    async showAccounts() {
      const status = useStore.getState().flow.status
      showView('accounts')
      // A finished flow is left behind, so that leaving the list lands on the picker.
      if (status !== 'idle' && status !== 'starting' && status !== 'waiting') await cancel()
    },
    async signOut(accountId) {
      setNotice(null)
      setAccountNote({ accountId, kind: 'signing-out' })
      // The account goes in any case (`accounts:changed`); a refusal such as revocation_failed
      // ("signed out here, but the provider was not reached") stays on screen as the notice.
      const accounts = unwrap(await guarded(() => bridge.invoke('accounts:sign-out', { accountId })))
      if (useStore.getState().accountNote?.accountId === accountId) setAccountNote(null)
      if (accounts) receiveAccounts(accounts)
    },
    async refreshAccount(accountId) {
      setNotice(null)
      setAccountNote({ accountId, kind: 'refreshing' })
      const result = await settled(() => bridge.invoke('accounts:refresh', { accountId }))
      if (useStore.getState().accountNote?.accountId !== accountId) return
      setAccountNote(result.ok ? { accountId, kind: 'refreshed' } : { accountId, kind: 'failed', code: result.code, message: result.message })
    },
    showApprove(accountId) {
      setApproval({ accountId, step: 'enter', typed: '', request: null, failure: null })
      showView('approve')
    },
    async claimCode(typed) {
      const approval = useStore.getState().approval
      if (!approval || (approval.step !== 'enter' && approval.step !== 'confirm')) return
      const userCode = typed.trim()
      if (userCode === '') {
        setApproval({ ...approval, step: 'enter', typed, failure: { code: 'empty_code', message: '' } })
        return
      }
      const { accountId } = approval
      setApproval({ ...approval, step: 'checking', typed: userCode, request: null, failure: null })
      const result = await settled(() => bridge.invoke('approve:claim', { accountId, userCode }))
      const now = current(accountId, 'checking')
      if (!now) return
      setApproval(result.ok ? { ...now, step: 'confirm', request: result.value } : { ...now, step: 'enter', failure: { code: result.code, message: result.message } })
    },
    async decideCode(decision) {
      const approval = useStore.getState().approval
      if (approval?.step !== 'confirm' || !approval.request) return
      const { accountId } = approval
      const userCode = approval.request.userCode
      setApproval({ ...approval, step: 'deciding', failure: null })
      const result = await settled(() => bridge.invoke('approve:decide', { accountId, userCode, decision }))
      const now = current(accountId, 'deciding')
      if (!now) return
      setApproval(result.ok ? { ...now, step: decision === 'approve' ? 'approved' : 'denied' } : { ...now, step: 'confirm', failure: { code: result.code, message: result.message } })
    },
    approveAnother() {
      const approval = useStore.getState().approval
      if (approval) setApproval({ accountId: approval.accountId, step: 'enter', typed: '', request: null, failure: null })
    },
    async openQa() {
      if (useStore.getState().app?.kiosk !== false) return
      showQa()
      await actions.loadLog()
    },
    closeQa() {
      const s = useStore.getState()
      if (s.view === 'qa') showView(s.qaReturn)
    },
    async loadLog() {
      try {
        const log = await bridge.invoke('log:get', null)
        // Refreshed every second: an unchanged log must not re-render the panel.
        if (JSON.stringify(log) !== JSON.stringify(useStore.getState().log) || useStore.getState().logState !== 'ready') receiveLog(log)
      } catch (error) {
        console.warn('linkscreen: log:get failed', error)
        logFailed()
      }
    },
    async exportLog() {
      setExportNote(null)
      const result = await settled(() => bridge.invoke('log:export', null))
      if (result.ok) return setExportNote({ kind: 'saved', path: result.value })
      if (result.code === 'cancelled') return
      if (result.code !== 'unavailable') return setExportNote({ kind: 'failed', code: result.code, message: result.message })
      try {
        const log = await bridge.invoke('log:get', null)
        if (!log) return setExportNote({ kind: 'failed', code: 'no_log', message: '' })
        const file = logFileName(log)
        download(`${JSON.stringify(log, null, 2)}\n`, file)
        setExportNote({ kind: 'downloaded', file })
      } catch (error) {
        setExportNote({ kind: 'failed', ...describe(error) })
      }
    },
    async openVerification(url) {
      setNotice(null)
      const result = await guarded(() => bridge.invoke('shell:open-verification', null))
      if (result && !result.ok && result.code === 'unavailable' && useStore.getState().app?.host === 'serve') {
        window.open(url.href, '_blank', 'noopener,noreferrer')
        return
      }
      unwrap(result)
    },
    async copyCode(code) {
      if (useStore.getState().app?.host === 'serve') {
        try {
          await navigator.clipboard.writeText(code)
          return true
        } catch (error) {
          setNotice({ code: 'copy_failed', message: error instanceof Error ? error.message : String(error) })
          return false
        }
      }
      const result = await settled(() => bridge.invoke('clipboard:copy-code', null))
      if (result.ok) return true
      setNotice({ code: 'copy_failed', message: result.message })
      return false
    },
  }
  return actions
}

/** The actions, provided once at the root. */
export const ActionsContext = createContext<Actions | null>(null)

/** The actions from the root; throws when rendered outside `ActionsContext`. */
export function useActions(): Actions {
  const actions = useContext(ActionsContext)
  if (!actions) throw new Error('useActions: no ActionsContext above this component')
  return actions
}
