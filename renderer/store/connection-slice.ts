/** The connection slice: whether the back end's event stream is up. */
import type { StateCreator } from 'zustand'
import type { State } from './index'

/** `live` while events flow; `reconnecting` after the stream dropped, until it opens again. */
export type Connection = 'live' | 'reconnecting'

/** The event stream's state. */
export interface ConnectionSlice {
  readonly connection: Connection
}

/** Creates the connection slice; it starts live so a healthy start never flashes "reconnecting". */
export const createConnectionSlice: StateCreator<State, [], [], ConnectionSlice> = () => ({ connection: 'live' })
