/**
 * The preload: the renderer's only door to the main process. It runs sandboxed, with context
 * isolation, and exposes `window.linkscreen`: one function per contract entry, each sending
 * exactly its own channel. `ipcRenderer` and IPC event objects never reach the page.
 *
 * Built as a single CommonJS file (`vite build --mode preload`), as sandboxed preloads require.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { EventChannel, EventMap, InvokeChannel, InvokeMap, PreloadApi } from '../ipc/contract'

function invoker<C extends InvokeChannel>(channel: C) {
  return (request: InvokeMap[C]['request']): Promise<InvokeMap[C]['response']> => ipcRenderer.invoke(channel, request ?? null)
}

function subscriber<E extends EventChannel>(event: E) {
  return (listener: (payload: EventMap[E]) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError(`${event}: the listener must be a function`)
    const handler = (_event: IpcRendererEvent, payload: EventMap[E]): void => listener(payload)
    ipcRenderer.on(event, handler)
    return () => void ipcRenderer.removeListener(event, handler)
  }
}

const api = {
  'app:info': invoker('app:info'),
  'app:retryKeystore': invoker('app:retryKeystore'),
  'app:restart': invoker('app:restart'),
  'providers:list': invoker('providers:list'),
  'auth:state': invoker('auth:state'),
  'auth:start': invoker('auth:start'),
  'auth:cancel': invoker('auth:cancel'),
  'auth:renew': invoker('auth:renew'),
  'accounts:list': invoker('accounts:list'),
  'accounts:sign-out': invoker('accounts:sign-out'),
  'accounts:refresh': invoker('accounts:refresh'),
  'approve:claim': invoker('approve:claim'),
  'approve:decide': invoker('approve:decide'),
  'log:get': invoker('log:get'),
  'log:export': invoker('log:export'),
  'shell:open-verification': invoker('shell:open-verification'),
  'clipboard:copy-code': invoker('clipboard:copy-code'),
  'auth:snapshot': subscriber('auth:snapshot'),
  'accounts:changed': subscriber('accounts:changed'),
  'providers:changed': subscriber('providers:changed'),
  'app:changed': subscriber('app:changed'),
} satisfies PreloadApi

contextBridge.exposeInMainWorld('linkscreen', api)
