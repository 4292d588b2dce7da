/**
 * What the screens can ask for. Each action invokes the back end through the bridge and writes
 * the answer into the store; a refusal (`ok: false`) or a failed invoke becomes the notice, so
 * the app keeps running and nothing already signed in is touched.
 */
import { createContext, useContext } from 'react'
import type { Bridge, FlowSnapshot, Result } from '../electron/ipc/contract'
import { useStore } from './store'
import { receiveAccounts, receiveSnapshot, setNotice, showView } from './store/updates'

/** The commands screens can give; each resolves when the back end has answered. */
export interface Actions {
  /** Starts a sign-in with a provider (cancelling any flow under way) and shows its screen. */
  start(providerId: string): Promise<void>
  /** Starts again with the provider of the current flow (or the fixed one). */
  retry(): Promise<void>
  /** Cancels the flow and returns to the picker. */
  backToPicker(): Promise<void>
  /** Shows the signed-in accounts (leaving the finished flow behind). */
  showAccounts(): Promise<void>
  signOut(accountId: string): Promise<void>
  /**
   * Opens the verification page in the system browser (desktop only). Served to a browser,
   * where the back end cannot open one, it opens `url` in a new tab instead.
   */
  openVerification(url: URL): Promise<void>
  /** Copies the user code to the clipboard; resolves true when it worked. */
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
    async showAccounts() {
      const status = useStore.getState().flow.status
      showView('accounts')
      // A finished flow is left behind, so that leaving the list lands on the picker.
      if (status !== 'idle' && status !== 'starting' && status !== 'waiting') await cancel()
    },
    async signOut(accountId) {
      setNotice(null)
      const accounts = unwrap(await guarded(() => bridge.invoke('accounts:sign-out', { accountId })))
      if (accounts) receiveAccounts(accounts)
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
      try {
        await navigator.clipboard.writeText(code)
        return true
      } catch (error) {
        setNotice({ code: 'copy_failed', message: error instanceof Error ? error.message : String(error) })
        return false
      }
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
