/**
 * Runtime side of the contract: validates every request at the boundary and routes it to the
 * service. Shared by the Electron IPC handlers and `linkscreen serve`, so both hosts check the
 * same things the same way.
 */
import { z } from 'zod'
import type { FlowService } from '../services/flow-service'
import { INVOKE_CHANNELS, type AppInfo, type InvokeChannel, type InvokeMap } from './contract'

/** Largest request accepted, in characters of JSON. */
export const MAX_REQUEST_CHARS = 4096

const providerId = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9._-]*$/)
const accountId = z.string().min(1).max(400)
/** As typed: letters, digits, dashes and spaces (better-auth custom codes may be longer). */
const userCode = z.string().min(1).max(191)

/** Each channel's request schema: `null` for channels that take nothing. Strict: no extra keys. */
const REQUESTS: { readonly [C in InvokeChannel]: z.ZodType<InvokeMap[C]['request']> } = {
  'app:info': z.null(),
  'app:retryKeystore': z.null(),
  'app:restart': z.strictObject({ discardUnsaved: z.number().int().min(0).max(1_000_000) }),
  'providers:list': z.null(),
  'auth:state': z.null(),
  'auth:start': z.strictObject({ providerId }),
  'auth:cancel': z.null(),
  'auth:renew': z.null(),
  'accounts:list': z.null(),
  'accounts:sign-out': z.strictObject({ accountId }),
  'accounts:refresh': z.strictObject({ accountId }),
  'approve:claim': z.strictObject({ accountId, userCode }),
  'approve:decide': z.strictObject({ accountId, userCode, decision: z.enum(['approve', 'deny']) }),
  'log:get': z.null(),
  'log:export': z.null(),
  'shell:open-verification': z.null(),
  'clipboard:copy-code': z.null(),
}

/** A request that breaks the contract: wrong channel, wrong shape, too large. */
export class ContractError extends Error {
  override readonly name = 'ContractError'
  constructor(
    readonly code: 'unknown_channel' | 'invalid_request' | 'request_too_large',
    message: string,
  ) {
    super(message)
  }
}

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(value)
}

/** Checks `request` against `channel`'s schema; throws `ContractError` naming the field. */
export function validateRequest<C extends InvokeChannel>(channel: C, request: unknown): InvokeMap[C]['request'] {
  let size: number
  try {
    size = JSON.stringify(request ?? null).length
  } catch {
    throw new ContractError('invalid_request', `${channel}: request is not plain data`)
  }
  if (size > MAX_REQUEST_CHARS) throw new ContractError('request_too_large', `${channel}: request larger than ${MAX_REQUEST_CHARS} characters`)
  const result = (() => {
    try {
      return REQUESTS[channel].safeParse(request ?? null)
    } catch {
      // A value zod cannot even inspect (a getter that throws, say) is as invalid as any other.
      throw new ContractError('invalid_request', `${channel}: request: invalid`)
    }
  })()
  if (!result.success) {
    const issue = result.error.issues[0]
    const path = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : ''
    throw new ContractError('invalid_request', `${channel}: request${path}: ${issue?.message ?? 'invalid'}`)
  }
  return result.data
}

export interface DispatchContext {
  readonly service: FlowService
  readonly info: AppInfo
  /** Opens a URL in the system browser (the host decides how; serve mode cannot). */
  readonly openExternal?: (url: string) => Promise<void>
  /** Saves a flow log (JSON text) where the user picks; the path, or null when cancelled. */
  readonly saveLog?: (json: string) => Promise<string | null>
  /**
   * Writes text to the system clipboard (the app: Electron's `clipboard`, in main). Serve mode
   * has none: there the browser showing the page copies, on the viewer's own machine.
   */
  readonly copyText?: (text: string) => Promise<void>
  /** Asks a locked keystore again (the app); serve mode has none. */
  readonly retryKeystore?: () => Promise<void>
  /** Relaunches the app (Electron's `app.relaunch` then quit); serve mode has none. */
  readonly restart?: () => void
}

/** Validates and runs one invoke. */
export async function dispatch(context: DispatchContext, channel: unknown, request: unknown): Promise<unknown> {
  if (!isInvokeChannel(channel)) throw new ContractError('unknown_channel', 'unknown channel')
  const { service } = context
  switch (channel) {
    case 'app:info':
      validateRequest(channel, request)
      return context.info
    case 'app:retryKeystore':
      validateRequest(channel, request)
      await context.retryKeystore?.()
      return context.info
    case 'app:restart': {
      const { discardUnsaved } = validateRequest(channel, request)
      const { info } = context
      if (!context.restart || info.kiosk || info.storage !== 'locked' || info.keystoreRetry !== 'restart') {
        return { ok: false, code: 'unavailable', message: 'restarting is offered only while the keystore needs a restart, and not in kiosk mode' }
      }
      const unsaved = info.unsavedAccounts ?? 0
      if (unsaved > discardUnsaved) {
        return { ok: false, code: 'unsaved_accounts', message: `${unsaved} account${unsaved === 1 ? '' : 's'} signed in since the keystore locked would be lost` }
      }
      context.restart()
      return { ok: true, value: null }
    }
    case 'providers:list':
      validateRequest(channel, request)
      return service.providers()
    case 'auth:state':
      validateRequest(channel, request)
      return service.state()
    case 'auth:start':
      return service.start(validateRequest(channel, request).providerId)
    case 'auth:cancel':
      validateRequest(channel, request)
      return service.cancel()
    case 'auth:renew':
      validateRequest(channel, request)
      return service.renew()
    case 'accounts:list':
      validateRequest(channel, request)
      return service.listAccounts()
    case 'accounts:sign-out':
      return service.signOut(validateRequest(channel, request).accountId)
    case 'accounts:refresh':
      return service.refreshAccount(validateRequest(channel, request).accountId)
    case 'approve:claim': {
      const { accountId, userCode } = validateRequest(channel, request)
      return service.claimCode(accountId, userCode)
    }
    case 'approve:decide': {
      const { accountId, userCode, decision } = validateRequest(channel, request)
      return service.decideCode(accountId, userCode, decision)
    }
    case 'log:get':
      validateRequest(channel, request)
      return service.flowLog()
    case 'log:export': {
      validateRequest(channel, request)
      const log = service.flowLog()
      if (!log) return { ok: false, code: 'no_log', message: 'no sign-in has run yet' }
      if (context.info.kiosk || !context.saveLog) return { ok: false, code: 'unavailable', message: 'saving files is not available here' }
      const path = await context.saveLog(`${JSON.stringify(log, null, 2)}\n`)
      return path === null ? { ok: false, code: 'cancelled', message: 'not saved' } : { ok: true, value: path }
    }
    case 'shell:open-verification': {
      validateRequest(channel, request)
      const target = service.verificationTarget()
      if (!target) return { ok: false, code: 'no_code', message: 'no code is on screen' }
      if (context.info.kiosk || !context.openExternal) return { ok: false, code: 'unavailable', message: 'opening a browser is not available here' }
      await context.openExternal(target)
      return { ok: true, value: null }
    }
    case 'clipboard:copy-code': {
      validateRequest(channel, request)
      const code = service.currentUserCode()
      if (code === null) return { ok: false, code: 'no_code', message: 'no code is on screen' }
      if (context.info.kiosk || !context.copyText) return { ok: false, code: 'unavailable', message: 'copying is not available here' }
      await context.copyText(code)
      return { ok: true, value: null }
    }
    default: {
      const unreachable: never = channel
      return unreachable
    }
  }
}
