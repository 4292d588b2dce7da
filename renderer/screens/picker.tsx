/** The provider picker: large tiles, arrows to move, OK to start, plus the account list. */
import { useShallow } from 'zustand/react/shallow'
import { useActions } from '../actions'
import { FocusButton } from '../components/focus-button'
import { brandOf } from '../brand/brand'
import { ProviderTile } from '../components/provider-tile'
import { Screen } from '../components/screen'
import { useBack } from '../focus/use-back'
import { useT } from '../i18n/use-t'
import { useStore } from '../store'
import { NoticeSlot } from './notice-slot'

/** Lists every provider; OK on a tile starts its sign-in at once. Back does nothing here. */
export function PickerScreen() {
  const t = useT()
  const actions = useActions()
  const providers = useStore(useShallow((s) => s.providers))
  const accountCount = useStore((s) => s.accounts.length)
  useBack(null)
  return (
    <Screen name="picker" title={t('picker.title')} focusKey={providers.length}>
      <p className="lead">{providers.length > 0 ? t('picker.hint') : t('picker.empty')}</p>
      <div className="picker__tiles">
        {providers.map((p, i) => (
          <ProviderTile key={p.id} name={p.name} dialect={p.dialect} brand={brandOf(p)} note={p.builtIn ? t('picker.builtIn') : null} autoFocus={i === 0} onPress={() => void actions.start(p.id)} />
        ))}
      </div>
      <NoticeSlot />
      <div className="actions">
        <FocusButton label={t('picker.accounts', { count: accountCount })} onPress={() => void actions.showAccounts()} />
      </div>
      <p className="keys-hint">{t('app.keysHint')}</p>
    </Screen>
  )
}
