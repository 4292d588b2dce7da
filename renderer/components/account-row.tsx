/**
 * One signed-in account in the list: who it is, whether it must sign in again, what its last
 * action did, and its buttons. The positive actions sit on the first line, "Sign out" alone
 * below them, so it is never pressed by moving along a row.
 */
import type { AccountView } from '../../electron/ipc/contract'
import { AccountSummary } from './account-summary'
import { FocusButton } from './focus-button'

/** What the row says about the account's last action. */
export type AccountRowNote = { readonly tone: 'busy' | 'good'; readonly text: string } | { readonly tone: 'bad'; readonly text: string; readonly detail: string | null }

/** The row's texts, already translated. */
export interface AccountRowLabels {
  readonly fallbackName: string
  readonly avatarAlt: string
  readonly providerLine: string
  /** Shown when the account needs to sign in again. */
  readonly needsSignIn: string
  readonly signOut: string
  readonly signOutName: string
  readonly refresh: string
  readonly refreshName: string
  readonly approve: string
  readonly approveName: string
  readonly signInAgain: string
  readonly signInAgainName: string
}

/** Props of {@link AccountRow}. */
export interface AccountRowProps {
  readonly account: AccountView
  readonly labels: AccountRowLabels
  readonly note: AccountRowNote | null
  readonly onSignOut: () => void
  readonly onRefresh: () => void
  readonly onSignInAgain: () => void
  /** Approve another screen's code as this account; null when it cannot. */
  readonly onApprove: (() => void) | null
}

/** An account needing a new sign-in is marked and offers "Sign in again" instead of refresh and approve. */
export function AccountRow({ account, labels, note, onSignOut, onRefresh, onSignInAgain, onApprove }: AccountRowProps) {
  const stale = account.status === 'needs_sign_in'
  return (
    <li className={`accounts__item${stale ? ' accounts__item--stale' : ''}`} data-account={account.id} data-status={account.status}>
      <div className="accounts__who">
        <AccountSummary account={account} size="small" fallbackName={labels.fallbackName} avatarAlt={labels.avatarAlt} providerLine={labels.providerLine} />
        {stale && (
          <p className="accounts__status">
            <span className="accounts__status-mark" aria-hidden="true">
              !
            </span>
            {labels.needsSignIn}
          </p>
        )}
        {note && (
          <div className={`accounts__note accounts__note--${note.tone}`} role={note.tone === 'bad' ? 'alert' : 'status'}>
            <p className="accounts__note-text">{note.text}</p>
            {note.tone === 'bad' && note.detail && <p className="accounts__note-detail">{note.detail}</p>}
          </div>
        )}
      </div>
      <div className="accounts__actions">
        <div className="accounts__actions-main">
          {stale ? (
            <FocusButton label={labels.signInAgain} accessibleName={labels.signInAgainName} variant="primary" onPress={onSignInAgain} />
          ) : (
            <>
              {onApprove && <FocusButton label={labels.approve} accessibleName={labels.approveName} onPress={onApprove} />}
              <FocusButton label={labels.refresh} accessibleName={labels.refreshName} onPress={onRefresh} />
            </>
          )}
        </div>
        <div className="accounts__actions-end">
          <FocusButton label={labels.signOut} accessibleName={labels.signOutName} onPress={onSignOut} />
        </div>
      </div>
    </li>
  )
}
