/** Expired: the code ran out (after any automatic renewals); OK fetches a new one. */
import { useT } from '../i18n/use-t'
import { useStore } from '../store'
import { Outcome } from './outcome'

/** "Press OK for a new code", and how often the back end renewed it. */
export function ExpiredScreen() {
  const t = useT()
  const renewals = useStore((s) => s.flow.renewals)
  return (
    <Outcome name="expired" title={t('expired.title')} retryLabel={t('expired.newCode')}>
      <p className="lead">{t('expired.body')}</p>
      <p className="lead">{t('expired.prompt')}</p>
      {renewals > 0 && <p className="muted">{t('expired.renewals', { count: renewals })}</p>}
    </Outcome>
  )
}
