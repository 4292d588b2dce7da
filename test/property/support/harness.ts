/**
 * What every property file shares: one fixed seed (so CI is reproducible; fast-check prints the
 * seed and the path of a failure, and `FC_SEED=<n>` replays or explores another), the run
 * counts, a bound on how long any call may take, and the checks applied to whatever a parser
 * throws or returns.
 *
 * Environment: `FC_SEED` (default below), `FC_RUNS_SCALE` (multiplies every numRuns; e.g. 10
 * for a long exploration run).
 */
import fc from 'fast-check'
import { inspect } from 'node:util'
import { ErrorCode, LinkscreenError } from '../../../electron/core/errors'
import { UNSAFE_TEXT } from '../../../electron/core/redact'
import type { Clock } from '../../../electron/core/types'

export const SEED = Number(process.env['FC_SEED'] ?? 0x15f73aef)
const SCALE = Number(process.env['FC_RUNS_SCALE'] ?? 1)

/** numRuns for one property, scaled by `FC_RUNS_SCALE`. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * (Number.isFinite(SCALE) && SCALE > 0 ? SCALE : 1)))
}

fc.configureGlobal({ seed: SEED, numRuns: runs(200) })

/** A call that has not settled after this long (real time) is a hang. */
export const HANG_MS = 3000

export class Hang extends Error {
  override readonly name = 'Hang'
}

export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown }

/** Runs `work` and captures how it settled; a hang fails the property (it is thrown, not captured). */
export async function settle<T>(work: () => Promise<T> | T, ms = HANG_MS): Promise<Settled<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Hang(`did not settle within ${ms} ms`)), ms)
  })
  try {
    const value = await Promise.race([Promise.resolve().then(work), hang])
    return { ok: true, value }
  } catch (error) {
    if (error instanceof Hang) throw error
    return { ok: false, error }
  } finally {
    clearTimeout(timer)
  }
}

/** Runs a synchronous parser and captures how it ended. */
export function attempt<T>(work: () => T): Settled<T> {
  try {
    return { ok: true, value: work() }
  } catch (error) {
    return { ok: false, error }
  }
}

const CODES = new Set<string>(Object.values(ErrorCode))

function describeThrown(error: unknown): string {
  return inspect(error, { depth: 3, breakLength: Infinity }).slice(0, 600)
}

/** (a) The thrown value is the core's typed error with a known code. */
export function expectTyped(error: unknown, codes?: readonly ErrorCode[]): asserts error is LinkscreenError {
  if (!(error instanceof LinkscreenError)) throw new Error(`threw something other than a LinkscreenError: ${describeThrown(error)}`)
  if (!CODES.has(error.code)) throw new Error(`LinkscreenError with an unknown code ${JSON.stringify(error.code)}`)
  for (const key of ['description', 'oauthError'] as const) {
    const value: unknown = error[key]
    if (value !== undefined && typeof value !== 'string') throw new Error(`LinkscreenError whose ${key} is ${typeof value}, not a string: ${describeThrown(value)}`)
  }
  if (codes && !codes.includes(error.code)) throw new Error(`LinkscreenError code ${error.code}, expected one of ${codes.join(', ')}: ${error.message}`)
}

/** Every text of an error that may be shown, logged or serialised: message, description, oauthError, JSON, inspect, the cause chain. */
export function errorSurfaces(error: unknown): string[] {
  const out: string[] = []
  let current: unknown = error
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    out.push(current.message, String(current), JSON.stringify(current) ?? '')
    if (current instanceof LinkscreenError) out.push(current.description ?? '', current.oauthError ?? '')
    current = current.cause
  }
  if (current !== undefined && !(current instanceof Error)) out.push(inspect(current, { depth: 6 }))
  out.push(inspect(error, { depth: 6, breakLength: Infinity }))
  return out
}

/** The ways a secret may be written: as is, percent-encoded, form-encoded; compared without case. */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2)])
  return [...forms].map((form) => form.toLowerCase())
}

/** `text`, and `text` percent-decoded (with and without `+` as a space), for secrets written in some URL form. */
function decodedForms(text: string): string[] {
  const out = [text]
  for (const candidate of [text, text.replace(/\+/g, ' ')]) {
    try {
      out.push(decodeURIComponent(candidate))
    } catch {
      // not percent-encoded text
    }
  }
  return out
}

/** A secret's head this long counts as the secret: text capped in the middle of a secret still gives most of it away. */
export const SECRET_PREFIX = 12

/** (b) None of `texts` contains `secret` in any of its forms (case-insensitive, percent-encoded or not), nor its first {@link SECRET_PREFIX} characters. */
export function expectNoSecret(texts: readonly string[], secret: string, what: string): void {
  const forms = [...secretForms(secret), ...(secret.length > SECRET_PREFIX ? secretForms(secret.slice(0, SECRET_PREFIX)) : [])]
  for (const text of texts.flatMap(decodedForms)) {
    const lower = text.toLowerCase()
    const form = forms.find((f) => lower.includes(f))
    if (form !== undefined) {
      const at = lower.indexOf(form)
      throw new Error(`${what} contains the secret ${JSON.stringify(secret)}: …${JSON.stringify(text.slice(Math.max(0, at - 80), at + form.length + 40))}…`)
    }
  }
}

/** (d) A message shown on a terminal or a page: no C0/C1 control characters, no bidi overrides. */
export function expectPrintable(text: string, what: string): void {
  const match = UNSAFE_TEXT.exec(text)
  if (match) throw new Error(`${what} contains the control character U+${match[0].charCodeAt(0).toString(16).padStart(4, '0')}: ${JSON.stringify(text).slice(0, 300)}`)
}

/** A lone UTF-16 surrogate (text that no encoder can write, and `encodeURIComponent` throws on). */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Fixed wall clock; monotonic time moves by 1 per reading; `sleep` never ends unless aborted (so createHttp's timer never fires and a hang shows as one). */
export function stillClock(now = Date.UTC(2026, 0, 1)): Clock {
  let mono = 0
  return {
    now: () => now,
    monotonic: () => mono++,
    sleep: (_ms, signal) =>
      new Promise<void>((_, reject) => {
        const abort = (): void => reject(new DOMException('Aborted', 'AbortError'))
        if (signal?.aborted) return abort()
        signal?.addEventListener('abort', abort, { once: true })
      }),
  }
}

/** Asserts with a message (for use inside properties, where `expect` output is noisy). */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}
