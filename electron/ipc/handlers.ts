/**
 * The main process's IPC: registers one handler per invoke channel and forwards the service's
 * events to the window. Every message is checked before anything else: it must come from the
 * app's own window, from its top frame, showing the app's own page; then its payload is
 * validated against the contract (`dispatch.ts`). Whatever goes wrong, the renderer gets
 * `{ ok: false, code, message }`, never an exception and never a crash.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { INVOKE_CHANNELS, type EventChannel, type EventMap } from './contract'
import { ContractError, dispatch, type DispatchContext } from './dispatch'

/** The refusal every failed invoke answers with. */
export interface Refusal {
  readonly ok: false
  readonly code: string
  readonly message: string
}

const refuse = (code: string, message: string): Refusal => ({ ok: false, code, message })

/** Where the app's page is served from (`app://linkscreen`). */
export interface SenderPolicy {
  /** The window whose page may talk to main; undefined before it exists or after it closed. */
  readonly contents: () => WebContents | undefined
  /** The app page's origin, e.g. `app://linkscreen`. */
  readonly origin: string
}

/**
 * True when `event` comes from the app's window, its main frame, on the app's origin. A
 * message from another window, a subframe, a navigated-away page or a destroyed frame is not.
 */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, policy: SenderPolicy): boolean {
  const contents = policy.contents()
  if (!contents || event.sender !== contents) return false
  const frame = event.senderFrame
  if (!frame || frame !== contents.mainFrame) return false
  return originOf(frame.url) === policy.origin
}

/**
 * `scheme://host` of a URL. (`URL.origin` is "null" for schemes WHATWG does not know, such as
 * the app's own `app:`, so it cannot be compared.)
 */
export function originOf(url: string): string | null {
  if (!URL.canParse(url)) return null
  const parsed = new URL(url)
  return parsed.host === '' ? null : `${parsed.protocol}//${parsed.host}`
}

/** Runs one invoke from the renderer; never throws. */
export async function handleInvoke(
  context: DispatchContext,
  policy: SenderPolicy,
  channel: string,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  args: readonly unknown[],
  report: (error: unknown) => void = () => undefined,
): Promise<unknown> {
  if (!isTrustedSender(event, policy)) return refuse('forbidden_sender', `${channel}: refused a message from outside the app's window`)
  if (args.length > 1) return refuse('invalid_request', `${channel}: takes one request, got ${args.length}`)
  try {
    return await dispatch(context, channel, args[0] ?? null)
  } catch (error) {
    if (error instanceof ContractError) return refuse(error.code, error.message)
    report(error)
    return refuse('internal_error', `${channel}: the app could not complete this request`)
  }
}

/**
 * Registers every invoke channel and forwards every event; returns a function that undoes
 * both (for quitting and for tests).
 */
export function setupIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  context: DispatchContext & { readonly onInfo?: (listener: () => void) => () => void },
  policy: SenderPolicy,
  report?: (error: unknown) => void,
): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => handleInvoke(context, policy, channel, event, args, report))
  }
  const send = <E extends EventChannel>(event: E, payload: EventMap[E]): void => {
    const contents = policy.contents()
    if (contents && !contents.isDestroyed()) contents.send(event, payload)
  }
  const { service } = context
  const unsubscribe = [
    service.onSnapshot((snapshot) => send('auth:snapshot', snapshot)),
    service.onAccounts((accounts) => send('accounts:changed', accounts)),
    service.onProviders((providers) => send('providers:changed', providers)),
    context.onInfo?.(() => send('app:changed', context.info)) ?? (() => undefined),
  ]
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel)
    for (const off of unsubscribe) off()
  }
}
