/**
 * The renderer's entry: creates the bridge, subscribes to it once (outside React) writing the
 * store, loads the initial state, installs the remote-control keys and renders the app.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { ActionsContext, createActions } from './actions'
import { App } from './app'
import { createBridge } from './bridge'
import { installKeys } from './focus/keys'
import { opensQa } from './focus/shortcuts'
import { pickLanguage } from './i18n/translate'
import { screenKeyOf } from './screen-key'
import { useStore, type State } from './store'
import { receiveAccounts, receiveAppInfo, receiveProviders, receiveSnapshot, setConnection } from './store/updates'

const root = document.getElementById('root')
if (!root) throw new Error('linkscreen: no #root element in index.html')

const bridge = createBridge()
const actions = createActions(bridge)

bridge.on('auth:snapshot', receiveSnapshot)
bridge.on('accounts:changed', receiveAccounts)
bridge.on('providers:changed', receiveProviders)
bridge.on('app:changed', receiveAppInfo)
bridge.onConnection(setConnection)

/** Loads everything the first screen needs, retrying with back-off until the back end answers. */
async function load(): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const [info, providers, snapshot, accounts] = await Promise.all([
        bridge.invoke('app:info', null),
        bridge.invoke('providers:list', null),
        bridge.invoke('auth:state', null),
        bridge.invoke('accounts:list', null),
      ])
      receiveProviders(providers)
      receiveSnapshot(snapshot)
      receiveAccounts(accounts)
      document.documentElement.lang = pickLanguage([info.locale, ...navigator.languages])
      receiveAppInfo(info)
      return
    } catch (error) {
      console.warn('linkscreen: the back end did not answer; retrying', error)
      await new Promise((resolve) => window.setTimeout(resolve, Math.min(1000 * 2 ** attempt, 10_000)))
    }
  }
}

/** With a fixed provider there is no picker: an idle flow starts at once (once per snapshot). */
let autoStartedSeq: number | null = null
function autoStart(s: State): void {
  const fixed = s.app?.fixedProvider
  if (!fixed || s.view !== 'flow' || s.flow.status !== 'idle' || s.notice !== null || s.flow.seq === autoStartedSeq) return
  autoStartedSeq = s.flow.seq
  void actions.start(fixed)
}
useStore.subscribe(autoStart)

/** F2 (anywhere) and Q (picker, accounts) open the QA panel, except in kiosk mode. */
function qaShortcut(event: KeyboardEvent): void {
  if (event.altKey || event.ctrlKey || event.metaKey || event.repeat || event.defaultPrevented) return
  const s = useStore.getState()
  const kiosk = s.app?.kiosk ?? true
  const screen = screenKeyOf({ loaded: s.app !== null, view: s.view, status: s.flow.status, kiosk, approving: s.approval !== null })
  const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement
  if (!opensQa(event.key, { kiosk, screen, fixed: s.app?.fixedProvider != null, typing })) return
  event.preventDefault()
  void actions.openQa()
}

installKeys(root)
document.addEventListener('keydown', qaShortcut)
void load()

createRoot(root).render(
  <StrictMode>
    <ActionsContext value={actions}>
      <App />
    </ActionsContext>
  </StrictMode>,
)
