/**
 * Approve a code from another screen, as one of the accounts here (a better-auth account with
 * `canApprove`): type the code, see what asks and confirm the device is yours, then Approve or
 * Deny. Every refusal has its own message. Back returns to the account list from every step.
 */
import { useState, type ReactNode } from 'react'
import { useActions } from '../actions'
import { ApprovalRequest } from '../components/approval-request'
import { CodeInput } from '../components/code-input'
import { ConfirmToggle } from '../components/confirm-toggle'
import { FocusButton } from '../components/focus-button'
import { Notice } from '../components/notice'
import { Screen } from '../components/screen'
import { useBack } from '../focus/use-back'
import { spellCode } from '../format/user-code'
import { approveFailureKey, needsSignInAgain, type Translate } from '../i18n/translate'
import { useT } from '../i18n/use-t'
import { useStore, type Approval } from '../store'

/** The approve screen for the approval in the store (the app shows the accounts without one). */
export function ApproveScreen() {
  const t = useT()
  const actions = useActions()
  const approval = useStore((s) => s.approval)
  const account = useStore((s) => s.accounts.find((a) => a.id === s.approval?.accountId) ?? null)
  useBack(() => void actions.showAccounts())
  if (!approval) return null
  const provider = approval.request?.providerName ?? account?.providerName ?? ''
  const name = account?.name ?? account?.email ?? t('success.unnamed')
  const back = <FocusButton label={t('common.back')} onPress={() => void actions.showAccounts()} />
  const failure = approval.failure && (
    <>
      <Notice title={t(approveFailureKey(approval.failure.code), { provider })} detail={approval.failure.message || null} />
      {needsSignInAgain(approval.failure.code) && account && (
        <div className="actions">
          <FocusButton label={t('accounts.signInAgain')} accessibleName={t('accounts.signInAgainLabel', { name })} onPress={() => void actions.start(account.providerId)} />
        </div>
      )}
    </>
  )

  switch (approval.step) {
    case 'enter':
    case 'checking':
      return (
        <Screen name="approve" title={t('approve.title')} focusKey={approval.step}>
          <p className="lead">{t('approve.enterHint')}</p>
          <p className="muted">{t('approve.as', { name, provider })}</p>
          <EnterCode approval={approval} t={t} onSubmit={(typed) => void actions.claimCode(typed)} />
          {failure}
          <div className="actions">{back}</div>
        </Screen>
      )
    case 'confirm':
    case 'deciding':
      return (
        <Screen name="approve-confirm" title={t('approve.confirmTitle')} focusKey={approval.step}>
          <ConfirmRequest key={approval.request?.userCode} approval={approval} t={t} back={back} failure={failure} onDecide={(d) => void actions.decideCode(d)} />
        </Screen>
      )
    case 'approved':
    case 'denied': {
      const approved = approval.step === 'approved'
      return (
        <Screen name="approve-done" title={t(approved ? 'approve.approvedTitle' : 'approve.deniedTitle')} tone={approved ? 'good' : 'neutral'}>
          <p className="lead">{t(approved ? 'approve.approvedBody' : 'approve.deniedBody')}</p>
          <div className="actions">
            <FocusButton label={t('approve.done')} variant="primary" autoFocus onPress={() => void actions.showAccounts()} />
            <FocusButton label={t('approve.another')} onPress={() => actions.approveAnother()} />
          </div>
        </Screen>
      )
    }
  }
}

/** The code field: what was last sent stays in it after a refusal, to be corrected. */
function EnterCode({ approval, t, onSubmit }: { approval: Approval; t: Translate; onSubmit: (typed: string) => void }) {
  const [typed, setTyped] = useState(approval.typed)
  return (
    <CodeInput
      value={typed}
      onChange={setTyped}
      onSubmit={() => onSubmit(typed)}
      label={t('approve.codeField')}
      submitLabel={approval.step === 'checking' ? t('approve.checking') : t('approve.continue')}
      busy={approval.step === 'checking'}
      invalid={approval.failure !== null}
    />
  )
}

/** What asks, the "device I own" confirmation (Approve waits for it), Approve, Deny and Back. */
function ConfirmRequest({ approval, t, back, failure, onDecide }: { approval: Approval; t: Translate; back: ReactNode; failure: ReactNode; onDecide: (decision: 'approve' | 'deny') => void }) {
  const [confirmed, setConfirmed] = useState(false)
  const request = approval.request
  if (!request) return null
  const client = request.clientName ?? request.clientId
  const sending = approval.step === 'deciding'
  return (
    <>
      <ApprovalRequest
        userCode={request.userCode}
        scopes={request.scopes}
        labels={{
          codeCheck: t('approve.codeCheck'),
          codeSpoken: t('signIn.codeLabel', { spelled: spellCode(request.userCode) }),
          asking: t('approve.asking', { client, provider: request.providerName }),
          clientId: request.clientName === null ? null : request.clientId,
          scopes: t('approve.scopes'),
          noScopes: t('approve.noScopes'),
          more: (count) => t('success.moreScopes', { count }),
          approver: request.approver === null ? null : t('approve.approver', { name: request.approver }),
          warning: t('approve.warning'),
        }}
      />
      {failure}
      <div className="actions approve__decide">
        <ConfirmToggle label={t('approve.confirm')} checked={confirmed} autoFocus onToggle={() => setConfirmed((c) => !c)} />
        <FocusButton label={sending ? t('approve.sending') : t('approve.approve')} variant="primary" disabled={!confirmed || sending} onPress={() => onDecide('approve')} />
        <FocusButton label={t('approve.deny')} disabled={sending} onPress={() => onDecide('deny')} />
        {back}
      </div>
    </>
  )
}
