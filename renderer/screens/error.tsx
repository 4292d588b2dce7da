/** Error: the flow failed; the title comes from the error's code, the detail is its message. */
import { errorKey } from '../i18n/translate'
import { useT } from '../i18n/use-t'
import { useStore } from '../store'
import { Outcome } from './outcome'

/** Plain explanation, OK to retry. */
export function ErrorScreen() {
  const t = useT()
  const code = useStore((s) => s.flow.error?.code ?? null)
  const message = useStore((s) => s.flow.error?.message ?? null)
  return (
    <Outcome name="error" title={t(errorKey(code))} retryLabel={t('common.tryAgain')}>
      {message && <p className="lead">{message}</p>}
      <p className="muted">{t('error.hint')}</p>
    </Outcome>
  )
}
