/**
 * `npm run bench`: our engine against openid-client (the reference client) on the same local
 * oidc-provider server in the same run, and the sign-in screen's cost in Chromium. Prints a
 * table with ratios and the goals as pass/fail lines, and writes bench/results/<date>.json.
 * Goals, not tests: a noisy machine moves these figures.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { runEngineBench, type EngineResult } from './engine'
import { microTable, runHttpMicroBench } from './http-micro'
import { cliStartLines, runCliStartBench } from './cli-start'
import { runScreenBench } from './screen'

const sizes = [100, 1000]
const seed = 1

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const ratio = (ours: number, theirs: number): string => (theirs > 0 ? `${(ours / theirs).toFixed(2)}×` : 'n/a')

function table(results: readonly EngineResult[]): string[] {
  const lines = ['| metric | N | ours | openid-client | ours/theirs |', '| --- | --- | --- | --- | --- |']
  for (const n of sizes) {
    const ours = results.find((r) => r.client === 'ours' && r.n === n)
    const theirs = results.find((r) => r.client === 'openid-client' && r.n === n)
    if (!ours || !theirs) continue
    const rows: [string, number, number, number][] = [
      ['token requests per flow (mean)', ours.tokenRequestsPerFlow.mean, theirs.tokenRequestsPerFlow.mean, 2],
      ['min gap between polls of a flow (ms)', ours.pollGapMs.min, theirs.pollGapMs.min, 1],
      ['polls earlier than the interval', ours.earlyPolls, theirs.earlyPolls, 0],
      ['approval → token, p50 (ms)', ours.latencyMs.p50, theirs.latencyMs.p50, 0],
      ['approval → token, p95 (ms)', ours.latencyMs.p95, theirs.latencyMs.p95, 0],
      ['approval → token, mean (ms)', ours.latencyMs.mean, theirs.latencyMs.mean, 0],
      ['client CPU user+sys (ms)', ours.cpu.totalMs, theirs.cpu.totalMs, 0],
      ['peak RSS (MiB)', ours.memory.maxRssKiB / 1024, theirs.memory.maxRssKiB / 1024, 1],
      ['flows ended wrong', ours.flows.wrong, theirs.flows.wrong, 0],
    ]
    for (const [name, a, b, d] of rows) lines.push(`| ${name} | ${n} | ${fmt(a, d)} | ${fmt(b, d)} | ${ratio(a, b)} |`)
  }
  return lines
}

function goals(results: readonly EngineResult[], screen: Awaited<ReturnType<typeof runScreenBench>>): string[] {
  const out: string[] = []
  const line = (ok: boolean, text: string) => out.push(`${ok ? 'PASS' : 'FAIL'}  ${text}`)
  const interval = 1000
  for (const r of results) {
    line(r.earlyPolls === 0, `${r.client} N=${r.n}: zero polls earlier than the interval (${r.earlyPolls})`)
    line(r.tokenRequestBound.violations === 0, `${r.client} N=${r.n}: token requests per flow ≤ ⌈t/interval⌉ + 1 (${r.tokenRequestBound.violations} flows over)`)
    line(r.latencyMs.mean <= interval / 2 + 50, `${r.client} N=${r.n}: mean approval→token ≤ interval/2 + 50 ms (${fmt(r.latencyMs.mean)} ms)`)
  }
  const ours = results.find((r) => r.client === 'ours' && r.n === 1000)
  const theirs = results.find((r) => r.client === 'openid-client' && r.n === 1000)
  if (ours && theirs) {
    line(ours.cpu.totalMs <= 0.5 * theirs.cpu.totalMs, `engine CPU ≤ 0.5× openid-client's at N=1000 (${ratio(ours.cpu.totalMs, theirs.cpu.totalMs)})`)
    line(ours.memory.maxRssKiB <= 0.8 * theirs.memory.maxRssKiB, `engine peak RSS ≤ 0.8× openid-client's at N=1000 (${ratio(ours.memory.maxRssKiB, theirs.memory.maxRssKiB)})`)
  }
  line(screen.countdownCpu.percentOfOneCore < 1, `sign-in screen CPU while counting down < 1 % of a core (${fmt(screen.countdownCpu.percentOfOneCore, 2)} %)`)
  line(screen.bundle.jsGzip < 100 * 1024, `renderer JavaScript < 100 KB gzip (${fmt(screen.bundle.jsGzip / 1024, 1)} KB; with styles and page ${fmt(screen.bundle.totalGzip / 1024, 1)} KB; fonts ${fmt(screen.bundle.fontBytes / 1024, 1)} KB apart)`)
  return out
}

async function main(): Promise<void> {
  const micro = await runHttpMicroBench()
  const cliStart = await runCliStartBench()
  const cliLines = cliStartLines(cliStart)
  const engine = await runEngineBench({ sizes, seed })
  const screen = await runScreenBench()
  const lines = [
    `Engine vs openid-client (oidc-provider on 127.0.0.1, interval 1 s, approvals at seeded random 0.5–6 s, seed ${seed}):`,
    ...table(engine),
    '',
    'HTTP transports, client CPU per small form POST (a poll) against a local keep-alive server:',
    ...microTable(micro),
    '',
    'CLI start-up (the built CLI, `node bin/linkscreen.mjs`, against a bare Node start):',
    ...cliLines.table,
    '',
    `Screen: bundle ${fmt(screen.bundle.totalGzip / 1024, 1)} KB gzip; countdown CPU ${fmt(screen.countdownCpu.percentOfOneCore, 2)} % of one core over ${fmt(screen.countdownCpu.seconds, 1)} s; code event → painted p50 ${fmt(screen.codeToPaintMs.p50)} ms, p95 ${fmt(screen.codeToPaintMs.p95)} ms`,
    '',
    ...goals(engine, screen),
    ...cliLines.goals,
  ]
  console.log(lines.join('\n'))
  await mkdir(new URL('./results/', import.meta.url), { recursive: true })
  const file = new URL(`./results/${new Date().toISOString().slice(0, 10)}.json`, import.meta.url)
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), seed, engine: engine.map(({ ...r }) => ({ ...r, perFlow: undefined })), screen, micro, cliStart }, null, 2))
  console.log(`\nwrote ${file.pathname}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
