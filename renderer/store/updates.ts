/**
 * The store's writers: plain functions over `useStore.setState`, so the bridge subscription in
 * `main.tsx` and the actions can write without React.
 * @see https://github.com/pmndrs/zustand/blob/main/docs/learn/guides/practice-with-no-store-actions.md
 */
import type { AccountView, AppInfo, FlowSnapshot, ProviderView } from '../../electron/ipc/contract'
import { useStore, type Connection, type Notice, type View } from './index'

/**
 * Keeps `snapshot` unless the store already holds a newer one (higher `seq`). A new status is a
 * new screen, so it also clears the notice of an action on the old one.
 */
export function receiveSnapshot(snapshot: FlowSnapshot): void {
  useStore.setState((s) => {
    if (snapshot.seq < s.flow.seq) return s
    return snapshot.status === s.flow.status ? { flow: snapshot } : { flow: snapshot, notice: null }
  })
}

/** Replaces the account list. */
export function receiveAccounts(accounts: readonly AccountView[]): void {
  useStore.setState({ accounts })
}

/** Replaces the provider list. */
export function receiveProviders(providers: readonly ProviderView[]): void {
  useStore.setState({ providers })
}

/** Records where the screen runs. */
export function receiveAppInfo(app: AppInfo): void {
  useStore.setState({ app })
}

/** Records the event stream's state. */
export function setConnection(connection: Connection): void {
  useStore.setState({ connection })
}

/** Switches between the flow's screen and the account list; clears any notice. */
export function showView(view: View): void {
  useStore.setState({ view, notice: null })
}

/** Shows (or, with null, clears) the notice of a failed action. */
export function setNotice(notice: Notice | null): void {
  useStore.setState({ notice })
}
