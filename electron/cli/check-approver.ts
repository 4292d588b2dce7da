/**
 * `linkscreen check --approve-with CMD`: the command that approves (or denies) a user code for
 * the checker, run without a shell, bounded in time, its output scrubbed of secrets.
 *
 * CMD is split into words as a POSIX shell splits them, and nothing more: blanks separate
 * words; '…' keeps everything literally; "…" keeps blanks and lets \ escape " \ $ ` only; a \
 * outside quotes escapes the next character. No variables, globbing, pipes or redirections are
 * interpreted: `$HOME`, `*` and `|` are passed on as written. Wanting a shell is saying so:
 * `--approve-with "sh -c 'my-approver \"\$1\" \"\$2\"' approver"`.
 *
 * The command is run as `CMD… USER_CODE` to approve and `CMD… USER_CODE deny` to deny, with
 * `LINKSCREEN_CHECK_DECISION` (`approve` | `deny`), `LINKSCREEN_CHECK_VERIFICATION_URI` and,
 * when the provider sent one, `LINKSCREEN_CHECK_VERIFICATION_URI_COMPLETE` in its environment.
 * Exit status 0 means done; anything else, or no exit within the time limit (the command and
 * its process group are then killed), is reported.
 */
import { spawn } from 'node:child_process'
import { cleanText, redactText } from '../core/redact'

export type Decision = 'approve' | 'deny'

export interface ApprovalRequest {
  readonly decision: Decision
  readonly userCode: string
  readonly verificationUri: string
  readonly verificationUriComplete?: string | undefined
  /** Milliseconds the command may take. */
  readonly timeoutMs: number
  /** Values to scrub from the command's output (device code, client secret, …). */
  readonly secrets: readonly string[]
  readonly signal?: AbortSignal | undefined
}

export type ApprovalResult =
  | { readonly ok: true; readonly output: string; readonly ms: number }
  | { readonly ok: false; readonly reason: 'exit' | 'timeout' | 'spawn' | 'signal' | 'cancelled'; readonly detail: string; readonly output: string; readonly ms: number }

export class CommandSyntaxError extends Error {}

/** Splits a command line into argv as described above; throws `CommandSyntaxError` on an unclosed quote. */
export function splitCommand(line: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: "'" | '"' | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
      continue
    }
    if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) word += line[++i]
      else word += c
      continue
    }
    if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\') {
      if (i + 1 < line.length) word += line[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote) throw new CommandSyntaxError(`--approve-with: unclosed ${quote === "'" ? 'single' : 'double'} quote`)
  if (inWord) words.push(word)
  return words
}

/** Environment variables whose values are secrets (tokens, passwords, keys): scrubbed from the command's output. */
const SECRET_ENV = /(TOKEN|SECRET|PASSW|PASSWD|API_?KEY|PRIVATE|CREDENTIAL|COOKIE|SESSION)/i

/** The values of secret-named environment variables, to scrub from what the command prints. */
export function envSecrets(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_ENV.test(name) && typeof value === 'string' && value.length >= 4)
    .map(([, value]) => value as string)
}

/** At most this much of the command's output is kept (the tail is shown). */
const MAX_OUTPUT = 16 * 1024

/** The forms a user code may be printed in: as sent, without separators, lower case (scrubbing ignores case). */
function codeForms(userCode: string): string[] {
  const bare = userCode.replace(/[^A-Za-z0-9]/g, '')
  return [userCode, bare]
}

/**
 * Runs the approval command once. Never throws: a command that cannot start, fails, is killed
 * or hangs is a result.
 */
export function runApprovalCommand(argv: readonly string[], request: ApprovalRequest, env: NodeJS.ProcessEnv): Promise<ApprovalResult> {
  const started = performance.now()
  const ms = (): number => Math.round(performance.now() - started)
  const secrets = [...request.secrets, ...codeForms(request.userCode), ...envSecrets(env)]
  let raw = ''
  const output = (): string => {
    const text = cleanText(redactText(raw, secrets), MAX_OUTPUT)
    // Scrubbed first, then cut: a cut can no longer leave the head of a secret behind.
    return text.length > 400 ? `…${text.slice(-400)}` : text
  }
  const [command, ...args] = argv
  if (command === undefined) return Promise.resolve({ ok: false, reason: 'spawn', detail: 'the command is empty', output: '', ms: 0 })
  return new Promise<ApprovalResult>((resolve) => {
    let settled = false
    const finish = (result: ApprovalResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.signal?.removeEventListener('abort', onAbort)
      resolve(result)
    }
    let child: ReturnType<typeof spawn>
    try {
      child = spawn(command, [...args, request.userCode, ...(request.decision === 'deny' ? ['deny'] : [])], {
        shell: false,
        detached: process.platform !== 'win32',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...env,
          LINKSCREEN_CHECK_DECISION: request.decision,
          LINKSCREEN_CHECK_VERIFICATION_URI: request.verificationUri,
          ...(request.verificationUriComplete === undefined ? {} : { LINKSCREEN_CHECK_VERIFICATION_URI_COMPLETE: request.verificationUriComplete }),
        },
      })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      resolve({ ok: false, reason: 'spawn', detail: `could not start the command${typeof code === 'string' ? ` (${code})` : ''}`, output: '', ms: ms() })
      return
    }
    /** Kills the command and everything it started in its process group (ours: it was started detached). */
    const kill = (): void => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL')
        else child.kill('SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
      child.stdout?.destroy()
      child.stderr?.destroy()
    }
    const collect = (chunk: Buffer): void => {
      if (raw.length < MAX_OUTPUT * 2) raw += chunk.toString('utf8')
      if (raw.length > MAX_OUTPUT * 2) raw = raw.slice(-MAX_OUTPUT * 2)
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    const timer = setTimeout(() => {
      kill()
      finish({ ok: false, reason: 'timeout', detail: `no exit within ${Math.round(request.timeoutMs / 1000)} s: killed`, output: output(), ms: ms() })
    }, request.timeoutMs)
    const onAbort = (): void => {
      kill()
      finish({ ok: false, reason: 'cancelled', detail: 'cancelled', output: output(), ms: ms() })
    }
    if (request.signal?.aborted) onAbort()
    request.signal?.addEventListener('abort', onAbort, { once: true })
    child.on('error', (error) => {
      const code = (error as { code?: unknown }).code
      finish({ ok: false, reason: 'spawn', detail: `could not start the command${typeof code === 'string' ? ` (${code})` : ''}`, output: output(), ms: ms() })
    })
    // 'exit', not 'close': a grandchild holding the pipes open must not keep us waiting.
    child.on('exit', (code, signal) => {
      // Let the pipes drain what was already written.
      setImmediate(() => {
        if (code === 0) finish({ ok: true, output: output(), ms: ms() })
        else if (signal) finish({ ok: false, reason: 'signal', detail: `ended by ${signal}`, output: output(), ms: ms() })
        else finish({ ok: false, reason: 'exit', detail: `exit status ${code ?? '?'}`, output: output(), ms: ms() })
      })
    })
  })
}
