/** Denied: the request was turned down on the sign-in page. */
import { useT } from '../i18n/use-t'
import { useStore } from '../store'
import { Outcome } from './outcome'

/** Says so plainly, with the provider's reason when it gave one. */
export function DeniedScreen() {
  const t = useT()
  const reason = useStore((s) => s.flow.error?.message ?? null)
  return (
    <Outcome name="denied" title={t('denied.title')} retryLabel={t('common.tryAgain')}>
      <p className="lead">{t('denied.body')}</p>
      {reason && <p className="muted">{t('denied.reason', { reason })}</p>}
    </Outcome>
  )
}
