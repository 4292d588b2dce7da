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
import { runServeStartBench, serveStartLines } from './serve-start'
import { runScreenBench } from './screen'

const sizes = [100, 1000]
const seed = 1

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const ratio = (ours: number, theirs: number): string => (theirs > 0 ? `${(ours / theirs).toFixed(2)}×` : 'n/a')

function table(results: readonly EngineResult[]): string[] {
  const lines = ['| metric | N | ours | openid-client | ours/theirs | floor (bare node:http) | floor/theirs |', '| --- | --- | --- | --- | --- | --- | --- |']
  for (const n of sizes) {
    const ours = results.find((r) => r.client === 'ours' && r.n === n)
    const theirs = results.find((r) => r.client === 'openid-client' && r.n === n)
    const floor = results.find((r) => r.client === 'floor' && r.n === n)
    if (!ours || !theirs) continue
    const pick = (r: EngineResult | undefined, metric: (r: EngineResult) => number): number => (r === undefined ? Number.NaN : metric(r))
    const rows: [string, (r: EngineResult) => number, number][] = [
      ['token requests per flow (mean)', (r) => r.tokenRequestsPerFlow.mean, 2],
      ['min gap between polls of a flow (ms)', (r) => r.pollGapMs.min, 1],
      ['polls earlier than the interval', (r) => r.earlyPolls, 0],
      ['approval → token, p50 (ms)', (r) => r.latencyMs.p50, 0],
      ['approval → token, p95 (ms)', (r) => r.latencyMs.p95, 0],
      ['approval → token, mean (ms)', (r) => r.latencyMs.mean, 0],
      ['client CPU user+sys (ms)', (r) => r.cpu.totalMs, 0],
      ['peak RSS (MiB)', (r) => r.memory.maxRssKiB / 1024, 1],
      ['flows ended wrong', (r) => r.flows.wrong, 0],
    ]
    for (const [name, metric, d] of rows) {
      const [a, b, c] = [pick(ours, metric), pick(theirs, metric), pick(floor, metric)]
      lines.push(`| ${name} | ${n} | ${fmt(a, d)} | ${fmt(b, d)} | ${ratio(a, b)} | ${fmt(c, d)} | ${floor ? ratio(c, b) : 'n/a'} |`)
    }
  }
  return lines
}

function goals(results: readonly EngineResult[], screen: Awaited<ReturnType<typeof runScreenBench>>): string[] {
  const out: string[] = []
  const line = (ok: boolean, text: string) => out.push(`${ok ? 'PASS' : 'FAIL'}  ${text}`)
  const interval = 1000
  for (const r of results) {
    if (r.client === 'floor') continue // a reference, not a client: it has no margin, and checks nothing
    line(r.earlyPolls === 0, `${r.client} N=${r.n}: zero polls earlier than the interval (${r.earlyPolls})`)
    line(r.tokenRequestBound.violations === 0, `${r.client} N=${r.n}: token requests per flow ≤ ⌈t/interval⌉ + 1 (${r.tokenRequestBound.violations} flows over)`)
    line(r.latencyMs.mean <= interval / 2 + 50, `${r.client} N=${r.n}: mean approval→token ≤ interval/2 + 50 ms (${fmt(r.latencyMs.mean)} ms)`)
  }
  const ours = results.find((r) => r.client === 'ours' && r.n === 1000)
  const theirs = results.find((r) => r.client === 'openid-client' && r.n === 1000)
  const floor = results.find((r) => r.client === 'floor' && r.n === 1000)
  const floorNote = (metric: (r: EngineResult) => number): string => (floor && theirs ? `; a bare node:http client: ${ratio(metric(floor), metric(theirs))}` : '')
  if (ours && theirs) {
    line(ours.cpu.totalMs <= 0.5 * theirs.cpu.totalMs, `engine CPU ≤ 0.5× openid-client's at N=1000 (${ratio(ours.cpu.totalMs, theirs.cpu.totalMs)}${floorNote((r) => r.cpu.totalMs)})`)
    line(ours.memory.maxRssKiB <= 0.8 * theirs.memory.maxRssKiB, `engine peak RSS ≤ 0.8× openid-client's at N=1000 (${ratio(ours.memory.maxRssKiB, theirs.memory.maxRssKiB)}${floorNote((r) => r.memory.maxRssKiB)})`)
    line(ours.tokenRequestsPerFlow.mean <= theirs.tokenRequestsPerFlow.mean, `token requests per flow ≤ openid-client's at N=1000 (${fmt(ours.tokenRequestsPerFlow.mean, 2)} vs ${fmt(theirs.tokenRequestsPerFlow.mean, 2)})`)
  }
  line(screen.countdownCpu.percentOfOneCore < 1, `sign-in screen CPU while counting down < 1 % of a core (${fmt(screen.countdownCpu.percentOfOneCore, 2)} %)`)
  line(screen.bundle.jsGzip < 100 * 1024, `renderer JavaScript < 100 KB gzip (${fmt(screen.bundle.jsGzip / 1024, 1)} KB; with styles and page ${fmt(screen.bundle.totalGzip / 1024, 1)} KB; fonts ${fmt(screen.bundle.fontBytes / 1024, 1)} KB apart)`)
  return out
}

async function main(): Promise<void> {
  const micro = await runHttpMicroBench()
  const cliStart = await runCliStartBench()
  const cliLines = cliStartLines(cliStart)
  const serveStart = await runServeStartBench()
  const serveLines = serveStartLines(serveStart)
  // The floor (a bare node:http client doing the same requests and no checks) is a reference
  // measured in the same run: what any Node client costs before its own work.
  const engine = await runEngineBench({ sizes, seed, clients: ['ours', 'openid-client', 'floor'] })
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
    '`linkscreen serve` from process start to the code painted in Chromium (the built CLI, empty config, demo provider):',
    ...serveLines.table,
    '',
    `Screen: bundle ${fmt(screen.bundle.totalGzip / 1024, 1)} KB gzip; countdown CPU ${fmt(screen.countdownCpu.percentOfOneCore, 2)} % of one core over ${fmt(screen.countdownCpu.seconds, 1)} s; code event → painted p50 ${fmt(screen.codeToPaintMs.p50)} ms, p95 ${fmt(screen.codeToPaintMs.p95)} ms`,
    '',
    ...goals(engine, screen),
    ...cliLines.goals,
    ...serveLines.goals,
  ]
  console.log(lines.join('\n'))
  await mkdir(new URL('./results/', import.meta.url), { recursive: true })
  const file = new URL(`./results/${new Date().toISOString().slice(0, 10)}.json`, import.meta.url)
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), seed, engine: engine.map(({ ...r }) => ({ ...r, perFlow: undefined })), screen, micro, cliStart, serveStart }, null, 2))
  console.log(`\nwrote ${file.pathname}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
