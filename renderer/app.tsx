/** Picks the screen: one switch over the flow's status (or a screen outside it), checked exhaustive. */
import { screenKeyOf } from './screen-key'
import { AccountsScreen } from './screens/accounts'
import { AppNotices } from './screens/app-notices'
import { ApproveScreen } from './screens/approve'
import { DeniedScreen } from './screens/denied'
import { ErrorScreen } from './screens/error'
import { ExpiredScreen } from './screens/expired'
import { LoadingScreen } from './screens/loading'
import { PickerScreen } from './screens/picker'
import { QaScreen } from './screens/qa'
import { SignInScreen } from './screens/sign-in'
import { SuccessScreen } from './screens/success'
import { useStore } from './store'

function unreachable(key: never): never {
  throw new Error(`no screen for ${String(key)}`)
}

/** The whole app: the one screen the state calls for, and the app's own notices. */
export function App() {
  return (
    <>
      <CurrentScreen />
      <AppNotices />
    </>
  )
}

/** The one screen the state calls for. */
function CurrentScreen() {
  const loaded = useStore((s) => s.app !== null)
  const view = useStore((s) => s.view)
  const status = useStore((s) => s.flow.status)
  const fixed = useStore((s) => s.app?.fixedProvider ?? null)
  const kiosk = useStore((s) => s.app?.kiosk ?? true)
  const approving = useStore((s) => s.approval !== null)
  const key = screenKeyOf({ loaded, view, status, kiosk, approving })
  switch (key) {
    case 'loading':
      return <LoadingScreen />
    case 'accounts':
      return <AccountsScreen />
    case 'approve':
      return <ApproveScreen />
    case 'qa':
      return <QaScreen />
    case 'idle':
      // Bound to one provider there is no picker: its sign-in starts at once (see main.tsx).
      return fixed ? <SignInScreen /> : <PickerScreen />
    case 'starting':
    case 'waiting':
      return <SignInScreen />
    case 'authorized':
      return <SuccessScreen />
    case 'denied':
      return <DeniedScreen />
    case 'expired':
      return <ExpiredScreen />
    case 'error':
      return <ErrorScreen />
    default:
      return unreachable(key)
  }
}
