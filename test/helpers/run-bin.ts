/** The built `linkscreen` binary as a user runs it: a real child process, its output collected. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/linkscreen.mjs', import.meta.url))

/**
 * Starts `linkscreen <args>` with `env` over this process's environment. `waitFor(text)` resolves
 * once stdout holds `text`, and rejects after `waitMs` (default) with what was printed.
 */
export function runBin(args: string[], env: NodeJS.ProcessEnv = {}, waitMs = 20_000) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const waitFor = (text: string, ms = waitMs): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`"${text}" not printed within ${ms} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), ms)
      const check = (): void => {
        if (stdout.includes(text)) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout.on('data', check)
      check()
    })
  return { child, exited, waitFor, out: () => stdout, err: () => stderr }
}
