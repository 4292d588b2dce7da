/**
 * `linkscreen check --provider <id> [--config F] [--json] [--html FILE] [--approve-with CMD] …`:
 * a device-flow conformance report for one provider (see check-probes.ts for the probes,
 * check-report.ts for the renderings, check-approver.ts for `--approve-with`).
 *
 * Exit status: 0 no failures, 1 failures (or the report could not be written), 4 usage or
 * configuration, 130 interrupted.
 */
import { access, writeFile, constants as fsConstants } from 'node:fs/promises'
import { arch, hostname, platform, release } from 'node:os'
import { dirname, resolve as resolvePath } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { findProvider, type ProviderConfig } from '../core/config'
import { ErrorCode, isLinkscreenError } from '../core/errors'
import { cleanText } from '../core/redact'
import type { DeviceAuthorization } from '../core/types'
import { loadConfig } from '../adapters/config-file'
import { createNodeFetch } from '../adapters/node-fetch'
import { systemClock } from '../adapters/system-clock'
import { DEMO_PROVIDER, lazyDemo } from '../services/providers'
import { CommandSyntaxError, envSecrets, runApprovalCommand, splitCommand } from './check-approver'
import { DEFAULT_LIMITS, runCheck, type ApprovalOutcome, type CheckReport } from './check-probes'
import { htmlReport, humanReport, jsonReport } from './check-report'
import type { Io } from './output'

export const CHECK_USAGE = `  linkscreen check --provider <id> [--config FILE] [--json] [--html FILE]
                   [--approve-with CMD] [--approve-timeout SECONDS] [--max-requests N]
                   [--time-limit SECONDS] [--request-timeout SECONDS] [--max-wait SECONDS]
                   (a conformance report: exit 0 no failures, 1 failures, 4 usage;
                   CMD is run without a shell as "CMD… USER_CODE" to approve and
                   "CMD… USER_CODE deny" to deny)`

const EXIT = { ok: 0, failures: 1, usage: 4, interrupted: 130 } as const

class UsageError extends Error {}

export interface CheckCommandOptions {
  readonly io: Io
  readonly env: NodeJS.ProcessEnv
  readonly signal?: AbortSignal | undefined
}

function number(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+(\.\d+)?$/.test(value.trim())) throw new UsageError(`${flag} must be a number, got "${cleanText(value, 20)}"`)
  const n = Number(value)
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}`)
  return n
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        provider: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        html: { type: 'string' },
        'approve-with': { type: 'string' },
        'approve-timeout': { type: 'string' },
        'max-requests': { type: 'string' },
        'time-limit': { type: 'string' },
        'request-timeout': { type: 'string' },
        'max-wait': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

/** Asks the person at the terminal (`input`) to approve or deny a code; bounded by the code's lifetime. */
export function askPerson(io: Io, decision: 'approve' | 'deny', code: DeviceAuthorization, signal: AbortSignal, input: NodeJS.ReadableStream = process.stdin): Promise<ApprovalOutcome> {
  const where = code.verification_uri_complete ?? code.verification_uri
  io.stderr.write(
    `\n${decision === 'approve' ? 'APPROVE' : 'DENY'} this code now:\n  open  ${cleanText(where, 300)}\n  code  ${cleanText(code.user_code, 64)}\nPress Enter when done (or type s and Enter to skip).\n`,
  )
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false })
    const done = (outcome: ApprovalOutcome): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      rl.close()
      resolve(outcome)
    }
    const timer = setTimeout(() => done({ ok: false, skipped: true, reason: 'nobody answered at the terminal before the code expired' }), Math.max(1_000, code.expires_at - Date.now() - 1_000))
    const onAbort = (): void => done({ ok: false, skipped: true, reason: 'cancelled' })
    signal.addEventListener('abort', onAbort, { once: true })
    rl.once('line', (line) => done(line.trim().toLowerCase().startsWith('s') ? { ok: false, skipped: true, reason: 'skipped at the terminal' } : { ok: true }))
  })
}

/** Runs `linkscreen check`; never throws. */
export async function check(argv: readonly string[], options: CheckCommandOptions): Promise<number> {
  const { io, env } = options
  let json = argv.includes('--json')
  const demo = lazyDemo()
  try {
    const values = parse(argv)
    json = values.json
    if (values.help) {
      io.stdout.write(`Usage:\n${CHECK_USAGE}\n`)
      return EXIT.ok
    }
    if (!values.provider) throw new UsageError('--provider is required (try "linkscreen providers")')
    const limits = {
      maxRequests: number(values['max-requests'], '--max-requests', 10, 1000) ?? DEFAULT_LIMITS.maxRequests,
      timeLimitMs: (number(values['time-limit'], '--time-limit', 5, 3600) ?? DEFAULT_LIMITS.timeLimitMs / 1000) * 1000,
      requestTimeoutMs: (number(values['request-timeout'], '--request-timeout', 1, 120) ?? DEFAULT_LIMITS.requestTimeoutMs / 1000) * 1000,
      maxWaitMs: (number(values['max-wait'], '--max-wait', 0, 900) ?? DEFAULT_LIMITS.maxWaitMs / 1000) * 1000,
    }
    const approveTimeoutMs = (number(values['approve-timeout'], '--approve-timeout', 1, 900) ?? 60) * 1000
    let approveArgv: string[] | undefined
    if (values['approve-with'] !== undefined) {
      try {
        approveArgv = splitCommand(values['approve-with'])
      } catch (error) {
        if (error instanceof CommandSyntaxError) throw new UsageError(error.message)
        throw error
      }
      if (approveArgv.length === 0) throw new UsageError('--approve-with needs a command')
    }
    let htmlFile: string | undefined
    if (values.html !== undefined) {
      if (values.html.trim() === '') throw new UsageError('--html needs a file name')
      htmlFile = resolvePath(values.html)
      try {
        await access(dirname(htmlFile), fsConstants.W_OK)
      } catch {
        throw new UsageError(`--html: the folder ${dirname(htmlFile)} does not exist or is not writable`)
      }
    }

    let provider: ProviderConfig
    if (values.provider === DEMO_PROVIDER.id) provider = await demo.provider()
    else {
      const { config } = await loadConfig({ configPath: values.config, env })
      provider = findProvider(config.providers, values.provider)
    }

    const secrets = envSecrets(env)
    const progress = json ? undefined : (line: string): void => void io.stderr.write(`linkscreen check: ${line}…\n`)
    let approve: ((decision: 'approve' | 'deny', code: DeviceAuthorization, signal: AbortSignal) => Promise<ApprovalOutcome>) | undefined
    let approval: CheckReport['approval'] = 'none'
    if (approveArgv) {
      const argvToRun = approveArgv
      approval = 'command'
      approve = async (decision, code, signal) => {
        const timeoutMs = Math.max(1_000, Math.min(approveTimeoutMs, code.expires_at - Date.now() - 1_000))
        const result = await runApprovalCommand(
          argvToRun,
          { decision, userCode: code.user_code, verificationUri: code.verification_uri, verificationUriComplete: code.verification_uri_complete, timeoutMs, secrets: [code.device_code, ...secrets], signal },
          env,
        )
        if (result.ok) return { ok: true }
        if (result.reason === 'cancelled') return { ok: false, skipped: true, reason: 'cancelled' }
        return { ok: false, skipped: false, reason: `--approve-with (${decision}): ${result.detail}${result.output ? `; it printed: ${result.output}` : ''}` }
      }
    } else if (process.stdin.isTTY && io.stdout === process.stdout) {
      approval = 'terminal'
      approve = (decision, code, signal) => askPerson(io, decision, code, signal)
    }

    const report = await runCheck({
      provider,
      fetch: createNodeFetch(env),
      clock: systemClock,
      device: { name: hostname(), model: `${platform()}-${arch()}`, os: `${platform()} ${release()}`, appVersion: 'linkscreen-check' },
      limits,
      ...(approve === undefined ? {} : { approve }),
      approval,
      secrets,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(progress === undefined ? {} : { progress }),
    })
    if (options.signal?.aborted) return EXIT.interrupted
    const colour = io.stdout.isTTY === true && env['NO_COLOR'] === undefined && env['TERM'] !== 'dumb'
    io.stdout.write(json ? jsonReport(report) : humanReport(report, colour))
    let status: number = report.summary.fail > 0 ? EXIT.failures : EXIT.ok
    if (htmlFile !== undefined) {
      try {
        await writeFile(htmlFile, htmlReport(report))
        if (!json) io.stderr.write(`linkscreen check: HTML report written to ${htmlFile}\n`)
      } catch (error) {
        const code = (error as { code?: unknown }).code
        io.stderr.write(`linkscreen check: could not write the HTML report to ${htmlFile}${typeof code === 'string' ? ` (${code})` : ''}\n`)
        status = EXIT.failures
      }
    }
    return status
  } catch (error) {
    const usage = error instanceof UsageError
    const config = isLinkscreenError(error) && (error.code === ErrorCode.Config || error.code === ErrorCode.UnknownProvider)
    const message = error instanceof Error ? error.message : String(error)
    if (json) io.stdout.write(`${JSON.stringify({ event: 'error', code: usage ? 'usage' : isLinkscreenError(error) ? error.code : 'internal_error', message })}\n`)
    io.stderr.write(`linkscreen check: ${message}\n${usage ? `\nUsage:\n${CHECK_USAGE}\n` : ''}`)
    return usage || config ? EXIT.usage : EXIT.failures
  } finally {
    await demo.stop()
  }
}
