/**
 * CLI start-up (issue #16): wall time of the built CLI, each started as `node bin/linkscreen.mjs`
 * with the same Node as a bare `node -e 0`, median of several runs:
 * - `--help` (goal: ≤ 2× a bare Node start);
 * - `providers`;
 * - `login --provider demo --json` until its `code` event (goal: ≤ 0.4 s on this machine class),
 *   which includes starting the embedded demo provider.
 * Needs `npm run build` (dist-cli/). Printed by `bench/run.ts`; `npx tsx bench/cli-start.ts` alone.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = join(root, 'bin', 'linkscreen.mjs')

export interface CliStartResult {
  readonly bareNodeMs: number
  readonly helpMs: number
  readonly providersMs: number
  readonly loginToCodeMs: number
  readonly runs: number
}

/** Milliseconds from spawn to exit, or to the first stdout line matching `until` (then the child is killed). */
function timeRun(args: readonly string[], env: NodeJS.ProcessEnv, until?: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'ignore'] })
    let seen = ''
    let done = false
    const finish = (ms: number): void => {
      if (done) return
      done = true
      resolve(ms)
    }
    const limit = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')}: no answer within 30 s`))
    }, 30_000)
    child.stdout.on('data', (chunk: Buffer) => {
      if (!until) return
      seen += chunk.toString()
      if (until.test(seen)) {
        finish(performance.now() - started)
        child.kill('SIGTERM')
      }
    })
    child.on('exit', () => {
      clearTimeout(limit)
      if (until && !done) reject(new Error(`${args.join(' ')}: exited before ${until}`))
      finish(performance.now() - started)
    })
  })
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

export async function runCliStartBench(runs = 7): Promise<CliStartResult> {
  const home = await mkdtemp(join(tmpdir(), 'linkscreen-bench-cli-'))
  // An empty config folder: the demo provider only, as on a newcomer's machine.
  const env = { ...process.env, XDG_CONFIG_HOME: home, XDG_RUNTIME_DIR: home, LINKSCREEN_CONFIG: '' }
  try {
    const sample = async (args: readonly string[], until?: RegExp): Promise<number> => {
      await timeRun(args, env, until) // warm the file cache
      const times: number[] = []
      for (let i = 0; i < runs; i++) times.push(await timeRun(args, env, until))
      return median(times)
    }
    return {
      bareNodeMs: await sample(['-e', '0']),
      helpMs: await sample([cli, '--help']),
      providersMs: await sample([cli, 'providers']),
      loginToCodeMs: await sample([cli, 'login', '--provider', 'demo', '--json'], /"event":"code"/),
      runs,
    }
  } finally {
    await rm(home, { recursive: true, force: true })
  }
}

export function cliStartLines(r: CliStartResult): { table: string[]; goals: string[] } {
  const ratio = (ms: number): string => `${(ms / r.bareNodeMs).toFixed(2)}×`
  return {
    table: [
      `| command (median of ${r.runs}) | ms | vs node -e 0 |`,
      '| --- | --- | --- |',
      `| node -e 0 | ${r.bareNodeMs.toFixed(0)} | 1.00× |`,
      `| linkscreen --help | ${r.helpMs.toFixed(0)} | ${ratio(r.helpMs)} |`,
      `| linkscreen providers | ${r.providersMs.toFixed(0)} | ${ratio(r.providersMs)} |`,
      `| linkscreen login --provider demo --json → code event | ${r.loginToCodeMs.toFixed(0)} | ${ratio(r.loginToCodeMs)} |`,
    ],
    goals: [
      `${r.helpMs <= 2 * r.bareNodeMs ? 'PASS' : 'FAIL'}  linkscreen --help ≤ 2× a bare Node start (${ratio(r.helpMs)})`,
      `${r.loginToCodeMs <= 400 ? 'PASS' : 'FAIL'}  login --provider demo → code event ≤ 400 ms (${r.loginToCodeMs.toFixed(0)} ms)`,
    ],
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = cliStartLines(await runCliStartBench())
  console.log([...lines.table, '', ...lines.goals].join('\n'))
}
