/**
 * Running `linkscreen check` in process for the check tests: a providers file, the `--json`
 * report, the HTML report, and what the command printed.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { main } from '../../electron/cli/main'
import type { CheckReport, Status } from '../../electron/cli/check-probes'
import { humanReport } from '../../electron/cli/check-report'
import { captureIo } from '../helpers/cli-io'

export interface CheckRun {
  readonly status: number
  readonly report: CheckReport
  readonly html: string
  readonly out: string
  readonly err: string
  /** id → status of every finding. */
  readonly verdicts: Record<string, Status>
  /** The detail of finding `id`. */
  detail(id: string): string
}

/** Runs `linkscreen check --provider p --json --html FILE` against `provider` (its id is set to `p`). */
export async function runCheckCli(provider: Record<string, unknown>, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CheckRun> {
  const dir = await mkdtemp(join(tmpdir(), 'linkscreen-check-'))
  const config = join(dir, 'providers.json')
  await writeFile(config, JSON.stringify({ providers: [{ ...provider, id: 'p' }] }))
  const htmlFile = join(dir, 'report.html')
  const cap = captureIo()
  const status = await main(['check', '--provider', 'p', '--config', config, '--json', '--html', htmlFile, ...args], { io: cap.io, env: { HOME: dir, ...env } })
  const out = cap.out()
  const report = JSON.parse(out) as CheckReport
  const html = await readFile(htmlFile, 'utf8')
  const verdicts = Object.fromEntries(report.findings.map((f) => [f.id, f.status]))
  return {
    status,
    report,
    html,
    out,
    err: cap.err(),
    verdicts,
    detail: (id) => report.findings.find((f) => f.id === id)?.detail ?? `(no finding ${id})`,
  }
}

/** Every rendering of a run: the JSON printed, stderr, the HTML file and the human report. */
export function everything(run: CheckRun): string {
  return [run.out, run.err, run.html, humanReport(run.report, false)].join('\n')
}

/** Asserts that none of `secrets` (4 characters or more) appears in any rendering of `run`, in any case. */
export function expectNoSecrets(run: CheckRun, secrets: readonly string[]): void {
  const text = everything(run).toLowerCase()
  const found = secrets.filter((s) => s.length >= 4 && (text.includes(s.toLowerCase()) || text.includes(encodeURIComponent(s).toLowerCase())))
  expect(found).toEqual([])
}

/** Asserts every finding's verdict; a mismatch names the findings that differ, with their details. */
export function expectVerdicts(run: CheckRun, expected: Record<string, Status>): void {
  const differing = Object.keys({ ...expected, ...run.verdicts })
    .filter((id) => expected[id] !== run.verdicts[id])
    .map((id) => `${id}: expected ${expected[id] ?? '(none)'}, got ${run.verdicts[id] ?? '(none)'}: ${run.detail(id)}`)
  expect(differing, differing.join('\n')).toEqual([])
}
