/** Every signed-in account, each with "Sign out". */
import { useShallow } from 'zustand/react/shallow'
import { useActions } from '../actions'
import { AccountSummary } from '../components/account-summary'
import { FocusButton } from '../components/focus-button'
import { Screen } from '../components/screen'
import { useBack } from '../focus/use-back'
import { useLanguage, useT } from '../i18n/use-t'
import { useStore } from '../store'
import { NoticeSlot } from './notice-slot'

/**
 * The list, then "Sign in another account", which takes first focus: OK never signs anyone out
 * by accident. Back returns to the picker.
 */
export function AccountsScreen() {
  const t = useT()
  const language = useLanguage()
  const actions = useActions()
  const accounts = useStore(useShallow((s) => s.accounts))
  useBack(() => void actions.backToPicker())
  const when = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' })
  return (
    <Screen name="accounts" title={t('accounts.title')} focusKey={accounts.length}>
      {accounts.length === 0 && <p className="lead">{t('accounts.empty')}</p>}
      <ul className="accounts__list">
        {accounts.map((a) => {
          const name = a.name ?? a.email ?? t('success.unnamed')
          return (
            <li key={a.id} className="accounts__item">
              <AccountSummary
                account={a}
                size="small"
                fallbackName={t('success.unnamed')}
                avatarAlt={t('success.avatarAlt', { name })}
                providerLine={`${a.providerName} · ${t('accounts.signedInAt', { when: when.format(a.signedInAt) })}`}
              />
              <FocusButton label={t('accounts.signOut')} accessibleName={t('accounts.signOutLabel', { name })} onPress={() => void actions.signOut(a.id)} />
            </li>
          )
        })}
      </ul>
      <NoticeSlot />
      <div className="actions">
        <FocusButton label={t('accounts.add')} variant="primary" autoFocus onPress={() => void actions.backToPicker()} />
      </div>
    </Screen>
  )
}
