/**
 * The store's writers: plain functions over `useStore.setState`, so the bridge subscription in
 * `main.tsx` and the actions can write without React.
 * @see https://github.com/pmndrs/zustand/blob/main/docs/learn/guides/practice-with-no-store-actions.md
 */
import type { AccountView, AppInfo, FlowLogView, FlowSnapshot, ProviderView } from '../../electron/ipc/contract'
import type { IntervalMark } from '../format/flow-log'
import { useStore, type AccountNote, type Approval, type Connection, type ExportNote, type Notice, type View } from './index'

/** At most this many interval changes are kept for one flow. */
const MAX_INTERVALS = 200

/**
 * The poll intervals seen during the current (or last) flow, after `next` arrived at `now`: a
 * new flow (a `starting` snapshot) starts the list again; an interval that differs from the
 * last one is added with the time it was seen. Snapshots without an interval (idle, outcomes)
 * keep the list, so that the last flow's chart still shows it.
 */
export function trackIntervals(intervals: readonly IntervalMark[], previous: FlowSnapshot, next: FlowSnapshot, now: number): readonly IntervalMark[] {
  const fresh = next.status === 'starting' && (previous.status !== 'starting' || next.providerId !== previous.providerId)
  const kept = fresh ? [] : intervals
  const last = kept.at(-1)
  if (next.interval === null || (last && last.seconds === next.interval && last.provider === next.providerId)) return kept
  return [...kept, { provider: next.providerId, at: now, seconds: next.interval }].slice(-MAX_INTERVALS)
}

/**
 * Keeps `snapshot` unless the store already holds a newer one (higher `seq`). A new status is a
 * new screen, so it also clears the notice of an action on the old one.
 */
export function receiveSnapshot(snapshot: FlowSnapshot): void {
  useStore.setState((s) => {
    if (snapshot.seq < s.flow.seq) return s
    const intervals = trackIntervals(s.intervals, s.flow, snapshot, Date.now())
    const flowReceivedAt = performance.now()
    return snapshot.status === s.flow.status ? { flow: snapshot, flowReceivedAt, intervals } : { flow: snapshot, flowReceivedAt, intervals, notice: null }
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

/** Switches between the flow's screen, the account list and the rest; clears any notice. */
export function showView(view: View): void {
  useStore.setState({ view, notice: null, accountNote: null, exportNote: null })
}

/** Opens the QA panel over the current view, remembering where Back returns to. */
export function showQa(): void {
  useStore.setState((s) => (s.view === 'qa' ? s : { view: 'qa', qaReturn: s.view, exportNote: null }))
}

/** Shows (or, with null, clears) what an action on one account is doing or did. */
export function setAccountNote(note: AccountNote | null): void {
  useStore.setState({ accountNote: note })
}

/** Replaces the approval under way (null: none). */
export function setApproval(approval: Approval | null): void {
  useStore.setState({ approval })
}

/** Records the flow log `log:get` answered. */
export function receiveLog(log: FlowLogView | null): void {
  useStore.setState({ log, logState: 'ready' })
}

/** Records that `log:get` failed (the last log stays). */
export function logFailed(): void {
  useStore.setState({ logState: 'failed' })
}

/** Shows (or, with null, clears) what the last export did. */
export function setExportNote(exportNote: ExportNote | null): void {
  useStore.setState({ exportNote })
}

/** Shows (or, with null, clears) the notice of a failed action. */
export function setNotice(notice: Notice | null): void {
  useStore.setState({ notice })
}
