/**
 * The one bound store, built from typed slices (zustand slices pattern). It holds data only:
 * writers are the plain functions in `updates.ts`, called from outside React.
 * @see https://github.com/pmndrs/zustand/blob/main/docs/learn/guides/slices-pattern.md
 */
import { create } from 'zustand'
import { createAccountsSlice, type AccountsSlice } from './accounts-slice'
import { createAppSlice, type AppSlice } from './app-slice'
import { createApproveSlice, type ApproveSlice } from './approve-slice'
import { createConnectionSlice, type ConnectionSlice } from './connection-slice'
import { createFlowSlice, type FlowSlice } from './flow-slice'
import { createProvidersSlice, type ProvidersSlice } from './providers-slice'
import { createQaSlice, type QaSlice } from './qa-slice'
import { createUiSlice, type UiSlice } from './ui-slice'

/** Everything the renderer knows. */
export type State = FlowSlice & ProvidersSlice & AccountsSlice & AppSlice & ConnectionSlice & UiSlice & ApproveSlice & QaSlice

/** The bound store hook; select the smallest value you need, objects through `useShallow`. */
export const useStore = create<State>()((...a) => ({
  ...createFlowSlice(...a),
  ...createProvidersSlice(...a),
  ...createAccountsSlice(...a),
  ...createAppSlice(...a),
  ...createConnectionSlice(...a),
  ...createUiSlice(...a),
  ...createApproveSlice(...a),
  ...createQaSlice(...a),
}))

export type { Connection } from './connection-slice'
export type { AccountNote, Notice, View } from './ui-slice'
export type { Approval, ApproveFailure, ApproveStep } from './approve-slice'
export type { ExportNote } from './qa-slice'
