/** Shown until the back end has said where the screen runs and what the flow is doing. */
import { Screen } from '../components/screen'
import { useT } from '../i18n/use-t'

/** "Connecting…" with nothing to press. */
export function LoadingScreen() {
  const t = useT()
  return (
    <Screen name="loading" title={t('app.name')}>
      <p className="lead" role="status">
        {t('app.connecting')}
      </p>
    </Screen>
  )
}
