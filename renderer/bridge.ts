/**
 * The renderer's one way to the back end. In Electron the preload exposes the contract's
 * `Bridge` on `window.linkscreen`; in `linkscreen serve` the same contract is carried over HTTP
 * (invokes) and server-sent events (snapshots and account lists).
 */
import { EVENT_CHANNELS, type Bridge, type EventChannel, type EventMap, type InvokeChannel, type InvokeMap, type PreloadApi } from '../electron/ipc/contract'

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in serve mode. */
    readonly linkscreen?: PreloadApi
  }
}

/** An invoke the back end refused as breaking the contract (HTTP 400 on a channel without a Result). */
export class BridgeError extends Error {
  override readonly name = 'BridgeError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Channels whose response is a `Result`: a refusal becomes `{ ok: false }` instead of a throw. */
export const RESULT_CHANNELS: ReadonlySet<InvokeChannel> = new Set<InvokeChannel>([
  'auth:start',
  'auth:cancel',
  'auth:renew',
  'accounts:sign-out',
  'accounts:refresh',
  'approve:claim',
  'approve:decide',
  'log:export',
  'shell:open-verification',
  'app:restart',
])

type Listener = (payload: never) => void

/** What an unparseable body reads as. */
const NOT_JSON: unique symbol = Symbol('not JSON')

/** Reads `{ code, message }` from a refusal body, with fallbacks for anything else. */
function refusal(body: unknown, status: number): { code: string; message: string } {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  return {
    code: typeof b['code'] === 'string' ? b['code'] : `http_${status}`,
    message: typeof b['message'] === 'string' ? b['message'] : `the back end answered HTTP ${status}`,
  }
}

/**
 * The serve-mode bridge. The API is at `/api/` on the page's own origin; the browser's session
 * cookie (given for serve's one-time URL) authorises each request, so no secret is in any path
 * and none is left in the address bar, history or a `Referer`.
 * @param pageUrl - the page's own URL (`location.href`).
 */
export function createHttpBridge(pageUrl: string): Bridge {
  const base = new URL('/api/', pageUrl)
  const listeners = new Map<EventChannel, Set<Listener>>()
  const connectionListeners = new Set<(state: 'live' | 'reconnecting') => void>()
  let source: EventSource | undefined
  let dropped = false

  const emit = <E extends EventChannel>(event: E, payload: EventMap[E]): void => {
    for (const listener of listeners.get(event) ?? []) (listener as (p: EventMap[E]) => void)(payload)
  }

  const invoke = async <C extends InvokeChannel>(channel: C, request: InvokeMap[C]['request']): Promise<InvokeMap[C]['response']> => {
    const response = await fetch(new URL(`invoke/${channel}`, base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: request ?? null }),
      cache: 'no-store',
    })
    // A body that is not JSON is told apart from a JSON `null` (`log:get` before any flow).
    const body: unknown = await response.json().catch(() => NOT_JSON)
    // Cast only at the boundary: the back end answers with the contract's types.
    if (response.ok && body !== NOT_JSON) return body as InvokeMap[C]['response']
    if (response.ok) throw new BridgeError('invalid_response', `${channel}: the answer was not JSON`)
    const { code, message } = refusal(body === NOT_JSON ? null : body, response.status)
    if (response.status === 400 && RESULT_CHANNELS.has(channel)) return { ok: false, code, message } as InvokeMap[C]['response']
    throw new BridgeError(code, message)
  }

  /** After a drop the server re-sends its state, but a resync also covers a proxy that lost it. */
  const resync = (): void => {
    invoke('auth:state', null).then(
      (snapshot) => emit('auth:snapshot', snapshot),
      (error: unknown) => console.warn('linkscreen: resync of auth:state failed', error),
    )
    invoke('accounts:list', null).then(
      (accounts) => emit('accounts:changed', accounts),
      (error: unknown) => console.warn('linkscreen: resync of accounts:list failed', error),
    )
  }

  const connect = (): EventSource => {
    if (source) return source
    const es = new EventSource(new URL('events', base))
    for (const event of EVENT_CHANNELS) {
      es.addEventListener(event, (message: MessageEvent<string>) => {
        let payload: unknown
        try {
          payload = JSON.parse(message.data)
        } catch (error) {
          // A torn event is dropped: the next one (or the resync on reconnect) is a whole snapshot.
          console.warn(`linkscreen: ignored a malformed ${event} event`, error)
          return
        }
        emit(event, payload as EventMap[typeof event])
      })
    }
    es.addEventListener('open', () => {
      for (const listener of connectionListeners) listener('live')
      if (dropped) resync()
      dropped = false
    })
    // EventSource retries by itself; only a closed stream (fatal HTTP answer) needs a new one.
    es.addEventListener('error', () => {
      dropped = true
      for (const listener of connectionListeners) listener('reconnecting')
      if (es.readyState === EventSource.CLOSED) {
        source = undefined
        window.setTimeout(connect, 3000)
      }
    })
    source = es
    return es
  }

  return {
    invoke,
    on(event, listener) {
      const set = listeners.get(event) ?? new Set<Listener>()
      listeners.set(event, set)
      set.add(listener as Listener)
      connect()
      return () => set.delete(listener as Listener)
    },
    onConnection(listener) {
      connectionListeners.add(listener)
      connect()
      return () => connectionListeners.delete(listener)
    },
  }
}

/** A refusal from main (`{ ok: false, code, message }`) on a channel whose answer is not a `Result`. */
function isRefusal(value: unknown): value is { ok: false; code: string; message: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { ok?: unknown }).ok === false
}

/**
 * The Electron bridge over the preload's functions. IPC delivers in order and never drops,
 * so the connection is always live.
 */
export function createPreloadBridge(api: PreloadApi): Bridge {
  return {
    async invoke(channel, request) {
      const call = api[channel] as (request: unknown) => Promise<unknown>
      const value = await call(request ?? null)
      if (!RESULT_CHANNELS.has(channel) && isRefusal(value)) throw new BridgeError(value.code, value.message)
      return value as InvokeMap[typeof channel]['response']
    },
    on(event, listener) {
      const subscribe = api[event] as (listener: (payload: unknown) => void) => () => void
      return subscribe(listener as (payload: unknown) => void)
    },
    onConnection(listener) {
      listener('live')
      return () => undefined
    },
  }
}

/** The preload's bridge when running in Electron, else the serve-mode HTTP bridge for this page. */
export function createBridge(): Bridge {
  return window.linkscreen ? createPreloadBridge(window.linkscreen) : createHttpBridge(location.href)
}
