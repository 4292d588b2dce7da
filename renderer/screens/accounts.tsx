/**
 * Every signed-in account: "Sign in again" for one the provider no longer accepts, "Approve a
 * code" for one that can approve other screens' codes, "Refresh now" and "Sign out". When the
 * access token expires is not shown: it means nothing to a living-room viewer.
 */
import { useShallow } from 'zustand/react/shallow'
import type { AccountView } from '../../electron/ipc/contract'
import { useActions } from '../actions'
import { AccountRow, type AccountRowNote } from '../components/account-row'
import { FocusButton } from '../components/focus-button'
import { Screen } from '../components/screen'
import { useBack } from '../focus/use-back'
import { errorKey, type Translate } from '../i18n/translate'
import { useLanguage, useT } from '../i18n/use-t'
import { useStore, type AccountNote } from '../store'
import { NoticeSlot } from './notice-slot'

/** The row's note for the account's last action, in words. */
function noteOf(t: Translate, note: AccountNote | null, account: AccountView): AccountRowNote | null {
  if (!note || note.accountId !== account.id) return null
  switch (note.kind) {
    case 'refreshing':
      return { tone: 'busy', text: t('accounts.refreshing') }
    case 'signing-out':
      return { tone: 'busy', text: t('accounts.signingOut') }
    case 'refreshed':
      return { tone: 'good', text: t('accounts.refreshed') }
    case 'failed':
      return { tone: 'bad', text: t(errorKey(note.code)), detail: note.message || null }
  }
}

/**
 * The list, then "Sign in another account", which takes first focus: OK never signs anyone out
 * by accident. Back returns to the picker. Outside kiosk mode the QA panel is one button away.
 */
export function AccountsScreen() {
  const t = useT()
  const language = useLanguage()
  const actions = useActions()
  const accounts = useStore(useShallow((s) => s.accounts))
  const note = useStore((s) => s.accountNote)
  const kiosk = useStore((s) => s.app?.kiosk ?? true)
  const storage = useStore((s) => s.app?.storage ?? null)
  const keystore = useStore((s) => s.app?.keystore ?? null)
  useBack(() => void actions.backToPicker())
  const when = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' })
  return (
    <Screen name="accounts" title={t('accounts.title')} focusKey={accounts.length}>
      {accounts.length === 0 && <p className="lead">{t('accounts.empty')}</p>}
      {(storage === 'encrypted' || storage === 'weak') && keystore !== null && <p className="accounts__kept">{t('accounts.keptIn', { keystore })}</p>}
      {storage === 'memory' && <p className="accounts__kept">{t('accounts.keptInMemory')}</p>}
      <ul className="accounts__list">
        {accounts.map((a) => {
          const name = a.name ?? a.email ?? t('success.unnamed')
          return (
            <AccountRow
              key={a.id}
              account={a}
              note={noteOf(t, note, a)}
              labels={{
                fallbackName: t('success.unnamed'),
                avatarAlt: t('success.avatarAlt', { name }),
                providerLine: `${a.providerName} · ${t('accounts.signedInAt', { when: when.format(a.signedInAt) })}`,
                needsSignIn: t('accounts.needsSignIn', { provider: a.providerName }),
                signOut: t('accounts.signOut'),
                signOutName: t('accounts.signOutLabel', { name }),
                refresh: t('accounts.refresh'),
                refreshName: t('accounts.refreshLabel', { name }),
                approve: t('accounts.approve'),
                approveName: t('accounts.approveLabel', { name }),
                signInAgain: t('accounts.signInAgain'),
                signInAgainName: t('accounts.signInAgainLabel', { name }),
              }}
              onSignOut={() => void actions.signOut(a.id)}
              onRefresh={() => void actions.refreshAccount(a.id)}
              onSignInAgain={() => void actions.start(a.providerId)}
              onApprove={a.canApprove ? () => actions.showApprove(a.id) : null}
            />
          )
        })}
      </ul>
      <NoticeSlot />
      <div className="actions">
        <FocusButton label={t('accounts.add')} variant="primary" autoFocus onPress={() => void actions.backToPicker()} />
        {!kiosk && <FocusButton label={t('accounts.qa')} onPress={() => void actions.openQa()} />}
      </div>
    </Screen>
  )
}
