/** The app banner, fed from the store: storage mode (in the app) and the back end's notices. */
import { useShallow } from 'zustand/react/shallow'
import type { AppNotice } from '../../electron/ipc/contract'
import { useActions } from '../actions'
import { AppBanner } from '../components/app-banner'
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
  const { host, storage, notices } = useStore(
    useShallow((s) => ({ host: s.app?.host ?? null, storage: s.app?.storage ?? null, notices: s.app?.notices ?? NONE })),
  )
  const lines = notices.map((n) => ({
    key: n.code,
    title: KNOWN.has(n.code) ? t(`app.notice.${n.code}` as MessageKey) : n.code,
    detail: n.message,
  }))
  if (host === 'electron') {
    // In the app, where accounts are kept is always said when it is not a keystore.
    if (storage === 'memory' && !notices.some((n) => n.code === 'no_keyring' || n.code === 'encryption_unavailable')) {
      lines.unshift({ key: 'storage', title: t('app.storageMemory'), detail: null })
    }
    if (storage === 'opening') lines.unshift({ key: 'storage', title: t('app.storageOpening'), detail: null })
    if (storage === 'weak') lines.unshift({ key: 'storage', title: t('app.storageWeak'), detail: null })
  }
  const action = host === 'electron' && storage === 'locked' ? { label: t('app.keystoreRetry'), onPress: () => void actions.retryKeystore() } : undefined
  return <AppBanner lines={lines} {...(action ? { action } : {})} />
}
