/** Picks the screen: one switch over the flow's status (or the account list), checked exhaustive. */
import type { FlowStatus } from '../electron/ipc/contract'
import { AccountsScreen } from './screens/accounts'
import { AppNotices } from './screens/app-notices'
import { DeniedScreen } from './screens/denied'
import { ErrorScreen } from './screens/error'
import { ExpiredScreen } from './screens/expired'
import { LoadingScreen } from './screens/loading'
import { PickerScreen } from './screens/picker'
import { SignInScreen } from './screens/sign-in'
import { SuccessScreen } from './screens/success'
import { useStore } from './store'

/** What is on screen: the flow's status, or one of the screens outside the flow. */
type ScreenKey = FlowStatus | 'accounts' | 'loading'

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
  const key: ScreenKey = !loaded ? 'loading' : view === 'accounts' ? 'accounts' : status
  switch (key) {
    case 'loading':
      return <LoadingScreen />
    case 'accounts':
      return <AccountsScreen />
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
