/** The shared shape of the denied, expired and error screens: what happened, OK to retry, Back. */
import type { ReactNode } from 'react'
import { useActions } from '../actions'
import { FocusButton } from '../components/focus-button'
import { Screen } from '../components/screen'
import { useBack } from '../focus/use-back'
import { useT } from '../i18n/use-t'
import { useStore } from '../store'
import { NoticeSlot } from './notice-slot'

/** Props of {@link Outcome}. */
export interface OutcomeProps {
  readonly name: string
  readonly title: string
  /** The OK button's label (retry, or "Get a new code"). */
  readonly retryLabel: string
  readonly children: ReactNode
}

/** OK retries with the same provider; Back (and the Back button) return to the picker. */
export function Outcome({ name, title, retryLabel, children }: OutcomeProps) {
  const t = useT()
  const actions = useActions()
  const fixed = useStore((s) => s.app?.fixedProvider ?? null)
  useBack(fixed ? null : () => void actions.backToPicker())
  return (
    <Screen name={name} title={title} tone="bad">
      <div className="outcome__text">{children}</div>
      <NoticeSlot />
      <div className="actions">
        <FocusButton label={retryLabel} variant="primary" autoFocus onPress={() => void actions.retry()} />
        {!fixed && <FocusButton label={t('common.back')} onPress={() => void actions.backToPicker()} />}
      </div>
    </Screen>
  )
}
