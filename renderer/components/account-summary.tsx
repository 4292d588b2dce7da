/** Who an account is: picture, name, email and provider. */
import type { AccountView } from '../../electron/ipc/contract'
import { Avatar } from './avatar'

/** Props of {@link AccountSummary}. */
export interface AccountSummaryProps {
  readonly account: AccountView
  /** The heading when the account has no name and no email. */
  readonly fallbackName: string
  /** Alt text for the picture. */
  readonly avatarAlt: string
  /** The provider line ("Signed in to Demo"). */
  readonly providerLine: string
  readonly size?: 'large' | 'small'
}

/** The account's best name first (name, else email, else the fallback), then the rest. */
export function AccountSummary({ account, fallbackName, avatarAlt, providerLine, size = 'large' }: AccountSummaryProps) {
  const title = account.name ?? account.email ?? fallbackName
  return (
    <div className={`account-summary account-summary--${size}`}>
      <Avatar src={account.picture} alt={avatarAlt} name={title} size={size} />
      <div className="account-summary__text">
        <p className="account-summary__name">{title}</p>
        {account.name && account.email && <p className="account-summary__email">{account.email}</p>}
        <p className="account-summary__provider">{providerLine}</p>
      </div>
    </div>
  )
}
