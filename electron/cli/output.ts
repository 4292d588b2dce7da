/**
 * How `linkscreen login` reports a flow: JSON lines (`--json`) or a human screen with the code
 * printed large, a QR code and a live countdown. Tokens appear only with `--show-token`;
 * device codes never: every event passes through the provider's scrubber before it is printed.
 */
import { scrubFlowEvent, type FlowEvent } from '../core/flow'
import type { Scrubber } from '../core/scrubber'
import { cleanText } from '../core/redact'
import type { DeviceAuthorization } from '../core/types'
import { bigText, bigTextWidth, chunkUserCode } from './big-text'

export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  readonly stderr: NodeJS.WritableStream
}

export interface Reporter {
  event(event: FlowEvent): Promise<void>
  /** Stops timers; called once at the end. */
  close(): void
}

export interface ReporterOptions {
  readonly provider: { readonly id: string; readonly name?: string | undefined }
  readonly showToken: boolean
  readonly now: () => number
  /** Monotonic milliseconds, for the countdown; default `performance.now`. */
  readonly monotonic?: () => number
  /** The provider's scrubber (the dialect's): every event is scrubbed with it before it is printed. */
  readonly scrubber?: Scrubber
}

/** `event` as it may be printed: through the scrubber, when there is one. */
function shown(event: FlowEvent, options: ReporterOptions): FlowEvent {
  return options.scrubber === undefined ? event : scrubFlowEvent(event, options.scrubber)
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** The JSON object printed for a code or renewal. */
function codeFields(authorization: DeviceAuthorization) {
  return {
    user_code: authorization.user_code,
    verification_uri: authorization.verification_uri,
    ...(authorization.verification_uri_complete === undefined ? {} : { verification_uri_complete: authorization.verification_uri_complete }),
    expires_at: iso(authorization.expires_at),
    interval: authorization.interval,
    ...(authorization.message === undefined ? {} : { message: authorization.message }),
    ...(authorization.warning === undefined ? {} : { warning: authorization.warning }),
  }
}

/** Maps a flow event onto the JSON line printed for it. */
export function jsonEvent(event: FlowEvent, options: ReporterOptions): Record<string, unknown> {
  const provider = options.provider.id
  switch (event.type) {
    case 'code':
      return { event: 'code', provider, ...codeFields(event.authorization) }
    case 'renewed':
      return { event: 'renewed', provider, renewal: event.renewal, ...codeFields(event.authorization) }
    case 'poll':
      return {
        event: 'poll',
        result: event.result,
        next_poll_in_ms: event.nextPollInMs,
        interval: event.interval,
        ...(event.reason === undefined ? {} : { reason: event.reason }),
        ...(event.host === undefined ? {} : { host: event.host }),
      }
    case 'retrying':
      return {
        event: 'retrying',
        provider,
        attempt: event.attempt,
        retry_in_ms: event.retryInMs,
        reason: event.reason,
        ...(event.host === undefined ? {} : { host: event.host }),
        code: event.error.code,
        message: event.error.message,
      }
    case 'authorized':
      return {
        event: 'authorized',
        provider,
        scope: event.tokens.scope ?? null,
        expires_at: event.tokens.expires_at === undefined ? null : iso(event.tokens.expires_at),
        account: event.account ?? null,
        ...(options.showToken
          ? {
              tokens: {
                token_type: event.tokens.token_type,
                access_token: event.tokens.access_token,
                ...(event.tokens.refresh_token === undefined ? {} : { refresh_token: event.tokens.refresh_token }),
                ...(event.tokens.id_token === undefined ? {} : { id_token: event.tokens.id_token }),
              },
            }
          : {}),
      }
    case 'denied':
      return { event: 'denied', provider, ...(event.description === undefined ? {} : { description: event.description }) }
    case 'expired':
      return { event: 'expired', provider }
    case 'error':
      return { event: 'error', provider, code: event.error.code, message: event.error.message }
  }
}

export function jsonReporter(io: Io, options: ReporterOptions): Reporter {
  return {
    async event(event) {
      io.stdout.write(`${JSON.stringify(jsonEvent(shown(event, options), options))}\n`)
    },
    close() {},
  }
}

function mmss(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`
}

const STATUS_TEXT = {
  pending: 'Waiting for you to approve…',
  slow_down: 'The provider asked us to slow down; still waiting…',
  network_error: 'Reconnecting…',
} as const

/** The status line for a poll the network answered instead of the provider. */
function networkText(event: Extract<FlowEvent, { type: 'poll' }>): string | undefined {
  const host = event.host === undefined ? '' : ` (${cleanText(event.host, 253)})`
  if (event.reason === 'captive_portal') return `The network answered with a web page: this network may need you to sign in to it${host}. Retrying…`
  if (event.reason === 'proxy_auth') return 'A proxy on this network asks for a password. Retrying…'
  return undefined
}

/** The human screen. On a terminal the last line is a countdown updated every second. */
export function humanReporter(io: Io, options: ReporterOptions): Reporter {
  const out = io.stdout
  // qrcode is loaded here, while the flow starts, and only for this screen: `--json` never
  // loads it (issue #16). Should it fail to load, the code and the URL are still shown.
  const qrcode = import('qrcode').then((module) => module.default)
  qrcode.catch(() => undefined)
  const tty = out.isTTY === true
  // The countdown runs on the monotonic clock: a wall clock set after boot does not move it.
  const monotonic = options.monotonic ?? (() => performance.now())
  let deadline: number | undefined
  let status = 'Waiting for you to approve…'
  let timer: NodeJS.Timeout | undefined
  const statusLine = (): string => `  ${deadline === undefined ? '' : `Expires in ${mmss(deadline - monotonic())} · `}${status}`
  const redraw = (): void => {
    if (tty) out.write(`\r\x1b[2K${statusLine()}`)
  }
  const endLine = (): void => {
    if (timer) clearInterval(timer)
    timer = undefined
    if (tty) out.write('\n')
  }

  const showCode = async (authorization: DeviceAuthorization, renewed: boolean, expiresInMs: number): Promise<void> => {
    const shownAt = monotonic()
    endLine()
    const code = chunkUserCode(authorization.user_code)
    const columns = out.columns ?? 80
    const wide = bigTextWidth(code, true) + 4 <= columns
    const big = bigTextWidth(code, false) + 4 <= columns ? bigText(code, wide) : undefined
    const target = authorization.verification_uri_complete ?? authorization.verification_uri
    // A URL too long for a QR code still leaves the code and the URL to type.
    const qr = await qrcode.then((QRCode) => QRCode.toString(target, { type: 'terminal', small: true, errorCorrectionLevel: 'M' })).catch(() => undefined)
    const title = cleanText(options.provider.name ?? options.provider.id, 100)
    if (authorization.warning !== undefined) io.stderr.write(`linkscreen: warning: ${cleanText(authorization.warning, 500)}\n`)
    const lines = [
      '',
      renewed ? '  The previous code expired. Here is a new one.' : `  Sign in to ${title}`,
      '',
      ...(authorization.message === undefined ? [] : [`  ${authorization.message}`, '']),
      '  On your phone or computer, open:',
      `    ${authorization.verification_uri}`,
      '  and enter this code:',
      '',
      ...(big ? big.map((row) => `  ${row}`) : []),
      '',
      `  ${code}`,
      '',
      ...(qr === undefined ? [] : ['  Or scan this QR code:', ...qr.trimEnd().split('\n').map((row) => `  ${row}`), '']),
    ]
    out.write(`${lines.join('\n')}\n`)
    deadline = shownAt + expiresInMs
    status = STATUS_TEXT.pending
    if (tty) {
      redraw()
      timer = setInterval(redraw, 1000)
      timer.unref()
    } else {
      out.write(`${statusLine()}\n`)
    }
  }

  return {
    async event(raw) {
      const event = shown(raw, options)
      switch (event.type) {
        case 'code':
          return showCode(event.authorization, false, event.expiresInMs)
        case 'renewed':
          return showCode(event.authorization, true, event.expiresInMs)
        case 'retrying':
          io.stderr.write(`  ${cleanText(event.error.message, 500)}; connecting to ${cleanText(options.provider.name ?? options.provider.id, 100)} again in ${Math.ceil(event.retryInMs / 1000)} s (attempt ${event.attempt})…\n`)
          return
        case 'poll': {
          const next = networkText(event) ?? STATUS_TEXT[event.result]
          if (next !== status) {
            status = next
            if (tty) redraw()
            else out.write(`${statusLine()}\n`)
          }
          return
        }
        case 'authorized': {
          endLine()
          // Everything here came from the provider: no control characters reach the terminal.
          const name = event.account?.name === undefined ? undefined : cleanText(event.account.name, 100)
          const email = event.account?.email === undefined ? undefined : cleanText(event.account.email, 200)
          const who = name ?? email ?? (event.account?.sub === undefined ? undefined : cleanText(event.account.sub, 100))
          out.write(`\n  ✔ Signed in${who ? ` as ${who}` : ''}${email && who !== email ? ` <${email}>` : ''}.\n`)
          if (event.tokens.scope) out.write(`  Scopes: ${cleanText(event.tokens.scope)}\n`)
          if (options.showToken) out.write(`  Access token: ${event.tokens.access_token}\n`)
          return
        }
        case 'denied':
          endLine()
          out.write(`\n  ✘ Sign-in was denied${event.description ? `: ${cleanText(event.description)}` : ''}.\n`)
          return
        case 'expired':
          endLine()
          out.write('\n  ✘ The code expired before it was used. Run the command again for a new code.\n')
          return
        case 'error':
          endLine()
          io.stderr.write(`\n  ✘ ${cleanText(event.error.message, 2000)}\n`)
          return
      }
    },
    close: endLine,
  }
}
