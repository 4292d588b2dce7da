/** Captures the CLI's stdout/stderr in memory and lets a test wait for a JSON event. */
import { Writable } from 'node:stream'
import type { Io } from '../../electron/cli/output'

export interface CapturedIo {
  readonly io: Io
  readonly out: () => string
  readonly err: () => string
  /** Every stdout line that parses as JSON. */
  readonly events: () => Record<string, unknown>[]
  /** Resolves with the first event of `type`; rejects after `timeoutMs`. */
  waitForEvent(type: string, timeoutMs?: number): Promise<Record<string, unknown>>
}

export function captureIo(): CapturedIo {
  let out = ''
  let err = ''
  const waiters: (() => void)[] = []
  const stdout = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk)
      for (const w of waiters.splice(0)) w()
      cb()
    },
  })
  const stderr = new Writable({
    write(chunk, _enc, cb) {
      err += String(chunk)
      cb()
    },
  })
  const events = (): Record<string, unknown>[] =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  return {
    io: { stdout, stderr },
    out: () => out,
    err: () => err,
    events,
    waitForEvent(type, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${type}" event within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs)
        const check = (): void => {
          const found = events().find((e) => e['event'] === type)
          if (found) {
            clearTimeout(timer)
            resolve(found)
          } else waiters.push(check)
        }
        check()
      })
    },
  }
}
