/** The app banner, fed from the store: storage mode (in the app) and the back end's notices. */
import { useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { AppNotice } from '../../electron/ipc/contract'
import { useActions } from '../actions'
import { useBackOver } from '../focus/use-back'
import { AppBanner, type AppBannerAction } from '../components/app-banner'
import type { MessageKey } from '../i18n/catalogue'
import { useT } from '../i18n/use-t'
import { useStore } from '../store'

const NONE: readonly AppNotice[] = []
const KNOWN: ReadonlySet<string> = new Set([
  'no_keyring',
  'encryption_unavailable',
  'keystore_locked',
  'store_unreadable',
  'store_moved_aside',
  'accounts_undecryptable',
  'config_invalid',
  'vault_write_failed',
])

export function AppNotices() {
  const t = useT()
  const actions = useActions()
  const { host, kiosk, storage, retry, unsaved, restarted, notices, status } = useStore(
    useShallow((s) => ({
      status: s.flow.status,
      host: s.app?.host ?? null,
      kiosk: s.app?.kiosk ?? false,
      storage: s.app?.storage ?? null,
      retry: s.app?.keystoreRetry ?? null,
      unsaved: s.app?.unsavedAccounts ?? 0,
      restarted: s.app?.keystoreRestarted ?? false,
      notices: s.app?.notices ?? NONE,
    })),
  )
  // "Restart" asks first when it would lose something: accounts that only memory holds, or the
  // sign-in under way (only this run polls for its code). `asked`: what the question showed;
  // its count of accounts is what "Restart anyway" agrees to lose.
  const signingIn = status === 'starting' || status === 'waiting'
  const mustAsk = unsaved > 0 || signingIn
  const [asked, setAsked] = useState<{ readonly unsaved: number; readonly signingIn: boolean } | null>(null)
  const [focus, setFocus] = useState<{ readonly key: string; readonly ifLost?: boolean } | undefined>(undefined)
  const ask = () => {
    setAsked({ unsaved, signingIn })
    // The safe choice takes focus when asked (and when asked again about something else).
    setFocus({ key: 'cancel' })
  }
  const cancel = () => {
    setAsked(null)
    setFocus({ key: 'restart' })
  }
  // Nothing left to lose, or no restart to make (the key store opened, a kiosk): the question
  // goes (focus moves only if it was lost with the buttons). More to lose while asking (another
  // account, a sign-in started): asked again. Set while rendering (React's "adjusting state when
  // a prop changes"), not in an effect, so the buttons and the focus change in one commit: in
  // between, the screen's focus recovery (focus/keys.ts) would send a lost focus to the
  // screen's first control.
  if (asked !== null && (!mustAsk || retry !== 'restart' || kiosk || storage !== 'locked' || host !== 'electron')) {
    setAsked(null)
    setFocus({ key: 'restart', ifLost: true })
  } else if (asked !== null && (asked.unsaved !== unsaved || (signingIn && !asked.signingIn))) ask()
  // The sign-in ended while asking (less to lose, so not asked again): one starting later is new.
  else if (asked !== null && !signingIn && asked.signingIn) setAsked({ unsaved: asked.unsaved, signingIn: false })
  const lines = notices.map((n) => ({
    key: n.code,
    title: KNOWN.has(n.code) ? t(`app.notice.${n.code}` as MessageKey) : n.code,
    detail: n.message,
  }))
  let buttons: AppBannerAction[] = []
  if (host === 'electron') {
    // In the app, where accounts are kept is always said when it is not a keystore.
    if (storage === 'memory' && !notices.some((n) => n.code === 'no_keyring' || n.code === 'encryption_unavailable')) {
      lines.unshift({ key: 'storage', title: t('app.storageMemory'), detail: null })
    }
    if (storage === 'opening') lines.unshift({ key: 'storage', title: t('app.storageOpening'), detail: null })
    if (storage === 'weak') lines.unshift({ key: 'storage', title: t('app.storageWeak'), detail: null })
    if (storage === 'locked') buttons = lockedButtons()
  }
  // Back answers an open question as "Don't restart" does (instead of leaving the screen under
  // it), and the screen under it does not take its focus.
  const asking = buttons.some((b) => b.key === 'cancel')
  useBackOver(asking ? cancel : null)
  return <AppBanner lines={lines} actions={buttons} asking={asking} {...(focus ? { focus } : {})} />

  /** What can open a locked keystore: asking again, or (the keystore answered for this run) a restart. */
  function lockedButtons(): AppBannerAction[] {
    if (retry !== 'restart' && retry !== 'start-again') return [{ key: 'retry', label: t('app.keystoreRetry'), onPress: () => void actions.retryKeystore() }]
    if (retry === 'start-again' || kiosk) {
      // The app cannot restart itself here (a kiosk's process is owned by what runs it; an AppImage).
      lines.push({ key: 'restart', title: t(kiosk ? 'app.keystoreRestartKiosk' : 'app.keystoreStartAgain'), detail: null })
      return []
    }
    if (restarted) lines.push({ key: 'restarted', title: t('app.keystoreRestartedNoHelp'), detail: null })
    if (asked !== null && mustAsk) {
      const agreed = asked.unsaved
      if (agreed > 0) lines.push({ key: 'restart', title: t('app.keystoreRestartLoses', { count: agreed }), detail: null })
      if (signingIn) lines.push({ key: 'restart-sign-in', title: t('app.keystoreRestartCancelsSignIn'), detail: null })
      return [
        // The count the question shows is what the user agrees to lose; main refuses if more would be.
        { key: 'restart-anyway', label: t('app.keystoreRestartAnyway'), onPress: () => void actions.restartApp(agreed), variant: 'primary' },
        // Not "Cancel": the screen under the banner may have its own (cancel the sign-in).
        { key: 'cancel', label: t('app.keystoreRestartKeep'), onPress: cancel },
      ]
    }
    return [{ key: 'restart', label: t('app.keystoreRestart'), onPress: () => (mustAsk ? ask() : void actions.restartApp(0)) }]
  }
}
