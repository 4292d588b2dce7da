/** Signed in: who, at which provider, with which scopes; then Done or another account. */
import { useActions } from '../actions'
import { AccountSummary } from '../components/account-summary'
import { FocusButton } from '../components/focus-button'
import { Screen } from '../components/screen'
import { ScopeList } from '../components/scope-list'
import { useBack } from '../focus/use-back'
import { useT } from '../i18n/use-t'
import { useStore } from '../store'
import { NoticeSlot } from './notice-slot'

/** OK (Done) shows the account list; Back returns to the picker. */
export function SuccessScreen() {
  const t = useT()
  const actions = useActions()
  const account = useStore((s) => s.flow.account)
  const providerName = useStore((s) => s.flow.providerName ?? '')
  useBack(() => void actions.backToPicker())
  const name = account?.name ?? account?.email ?? t('success.unnamed')
  return (
    <Screen name="success" title={t('success.title')} tone="good">
      {account ? (
        <AccountSummary account={account} fallbackName={t('success.unnamed')} avatarAlt={t('success.avatarAlt', { name })} providerLine={t('success.provider', { provider: account.providerName })} />
      ) : (
        <p className="lead">{t('success.provider', { provider: providerName })}</p>
      )}
      {account?.scope ? <ScopeList scope={account.scope} label={t('success.scopes')} more={(count) => t('success.moreScopes', { count })} /> : <p className="muted">{t('success.noScopes')}</p>}
      <NoticeSlot />
      <div className="actions">
        <FocusButton label={t('success.done')} variant="primary" autoFocus onPress={() => void actions.showAccounts()} />
        <FocusButton label={t('success.another')} onPress={() => void actions.backToPicker()} />
      </div>
    </Screen>
  )
}
