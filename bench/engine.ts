/**
 * Engine bench: our device-flow engine vs openid-client v6, side by side, same run, same machine.
 *
 * For each size N and each client: a fresh oidc-provider server in THIS process
 * (`bench/server.ts`: the demo provider's setup, interval 1 s advertised and enforced with
 * `slow_down`, every token request logged per device code), and the client in its own child
 * process (`bench/engine-client.ts`) running N concurrent flows. The child reports each user
 * code over IPC; this process approves code i through oidc-provider's models at
 * `issuedAt + delay[i]`, where `delay` comes from a seeded PRNG (0.5–6 s), identical for both
 * clients. The child reports when each flow holds its token.
 *
 * `runEngineBench` returns both clients' raw metrics; ratios are for the caller (bench/run.ts).
 * Alone: `npx tsx bench/engine.ts [--sizes 100,1000] [--seed 1] [--rounds 1] [--clients ours,openid-client,floor] [--per-flow]`
 * prints JSON. `BENCH_CPU_PROF=<dir>` writes a V8 CPU profile of each child there.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ChildMessage, ClientKind, FlowEnd, StartMessage } from './engine-client'
import { startBenchServer, type BenchServer, type CodeLog } from './server'

export type { ClientKind } from './engine-client'

export const INTERVAL_SECONDS = 1
export const DEVICE_CODE_TTL_SECONDS = 120
export const APPROVAL_DELAY_MS = { min: 500, max: 6000 } as const
export const SCOPE = 'openid profile email offline_access'
/** Flows still running after this are cancelled by the child (counted as ended wrong). */
const FLOW_TIMEOUT_MS = 40_000
/** The child is killed if it has not reported its summary by then. */
const CHILD_KILL_MS = FLOW_TIMEOUT_MS + 15_000
const CHILD_READY_MS = 30_000

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = join(here, '..')
/** Where `buildClient` writes the child (see there): one folder per bench process, so two benches never share one. */
const builtDir = join(here, '.build', String(process.pid))
const builtClient = join(builtDir, 'engine-client.js')

/**
 * Builds `bench/engine-client.ts` into `bench/.build/` the way the CLI is built (`vite.config.ts`,
 * mode `cli`): one ES module for Node with every package bundled (our core, oauth4webapi, zod;
 * openid-client and jose for the other child), only Node's built-ins external. Each client then
 * runs as shipped code in a plain `node`, with no TypeScript loader in its process: `tsx` (how
 * the children ran before) compiles every module on load and keeps its source maps, work and
 * memory no user's process has (our heap peak at N=1000 was 117–122 MB in four runs under `tsx`
 * on 2026-12-04, 76–96 MB built; the peak moves by run, so compare rounds, not single runs).
 */
async function buildClient(): Promise<void> {
  const { build } = await import('vite')
  // vite.config.ts's `cli` mode (everything bundled but Node's built-ins), with this entry and folder.
  await build({
    configFile: join(repoRoot, 'vite.config.ts'),
    mode: 'cli',
    root: repoRoot,
    logLevel: 'warn',
    build: {
      outDir: builtDir,
      sourcemap: false,
      ssr: join(here, 'engine-client.ts'),
      rollupOptions: { output: { entryFileNames: 'engine-client.js' } },
    },
  })
}

export interface EngineOptions {
  readonly sizes: number[]
  readonly seed: number
  /** Default ours and openid-client, in an order rotated by round and size (see `runEngineBench`). */
  readonly clients?: ClientKind[]
  /**
   * How many times every (size, client) pair runs, round after round (default 1): one run of a
   * client moves by 10–45 % here (see bench/run.ts), so `npm run bench` judges the median of a few rounds.
   */
  readonly rounds?: number
}

export interface Stats {
  readonly count: number
  readonly min: number
  readonly p50: number
  readonly p95: number
  readonly max: number
  readonly mean: number
}

/** One flow, as both processes saw it. Times are `Date.now()` ms; `undefined` when it never happened. */
export interface FlowRecord {
  readonly i: number
  readonly userCode?: string
  /** Planned approval delay after issue (seeded; same for both clients). */
  readonly delayMs: number
  /** Server: device authorization response produced. */
  readonly issuedAt?: number
  /** Child: user code in hand. */
  readonly codeAt?: number
  /** Parent: code approved (saved). */
  readonly approvedAt?: number
  /** Child: flow ended (holds the token, when authorized). */
  readonly endAt?: number
  /** Server: arrival of the token request that got the token. */
  readonly tokenRequestAt?: number
  readonly status: string
  readonly error?: string
  /** Token requests the server received for this flow's device code. */
  readonly tokenRequests: number
  /** Arrival of each token request, ms after issue (server side). */
  readonly pollsAtMs: number[]
  readonly slowDowns: number
  /** Smallest gap between two consecutive token requests of this flow, server side (ms). */
  readonly minGapMs?: number
  /** ⌈(approvedAt − issuedAt) / interval⌉ + 1 */
  readonly tokenRequestBound?: number
  /** approvedAt → endAt */
  readonly latencyMs?: number
  /** Why the flow counts as ended wrong, if it does. */
  readonly wrong?: string
}

export interface EngineResult {
  readonly client: ClientKind
  readonly n: number
  readonly seed: number
  readonly intervalSeconds: number
  /** 1-based position of this run among all runs (the server process warms up across runs). */
  readonly order: number
  /** 1-based round (see `EngineOptions.rounds`). */
  readonly round: number
  /** Child: first flow started → last flow ended. */
  readonly wallMs: number
  readonly flows: {
    readonly authorized: number
    /** Not authorized, wrong account, no token, no/too many token answers, … Must be 0. */
    readonly wrong: number
    readonly wrongReasons: Record<string, number>
  }
  /** Server log: token requests per flow. */
  readonly tokenRequestsPerFlow: Stats
  /** Server log: gaps between consecutive token requests of one flow (ms). */
  readonly pollGapMs: Stats
  /** Gaps shorter than the interval (must be 0). */
  readonly earlyPolls: number
  readonly slowDowns: number
  /** Flows whose token requests exceed ⌈time-to-approval ÷ interval⌉ + 1. */
  readonly tokenRequestBound: { readonly violations: number; readonly maxExcess: number }
  /** Approval → client holds the token (ms; parent and child `Date.now()`). */
  readonly latencyMs: Stats
  /** Approval → arrival of the token request that got it (ms, server side: the polling part of the latency). */
  readonly approvalToTokenRequestMs: Stats
  /** Issue → client has the user code (ms). */
  readonly codeDeliveryMs: Stats
  readonly cpu: { readonly userMs: number; readonly systemMs: number; readonly totalMs: number; readonly perFlowMs: number }
  readonly memory: {
    /** The child's whole-life peak RSS, startup included (its `VmHWM` on Linux; see engine-client.ts). */
    readonly maxRssKiB: number
    /** `VmHWM` (this process's own), or `maxRSS` where there is no /proc (it may be the bench's peak: see engine-client.ts). */
    readonly maxRssFrom: 'VmHWM' | 'maxRSS'
    /** Highest RSS sampled during the flows. */
    readonly rssPeakKiB: number
    /** RSS right before the flows. */
    readonly rssBeforeKiB: number
    /** rssPeakKiB − rssBeforeKiB: what the flows themselves cost. */
    readonly rssGrowthKiB: number
    readonly heapUsedPeakKiB: number
  }
  /** This (server) process during the run: context for the client numbers. */
  readonly server: {
    readonly cpuMs: number
    readonly eventLoopDelayP99Ms: number
    readonly eventLoopDelayMaxMs: number
    readonly serverErrors: number
    /** Approvals planned in the past because the user code reached this process late (>20 ms). */
    readonly lateApprovals: number
    /** Approval done − planned moment (issue + delay), ms: this process's timer/event-loop lag. */
    readonly approvalLagMs: Stats
  }
  /** Single-client targets from the issue (the cross-client ones need both results). */
  readonly targets: {
    readonly noEarlyPolls: boolean
    readonly tokenRequestsWithinBound: boolean
    /** mean latency ≤ interval/2 + 50 ms */
    readonly meanLatency: boolean
    readonly noWrongFlows: boolean
  }
  readonly perFlow: FlowRecord[]
}

// ---------------------------------------------------------------------------

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Approval delay of flow i for this seed and size (same for every client). */
export function approvalDelays(seed: number, n: number): number[] {
  const random = prng(seed ^ Math.imul(n, 0x9e3779b1))
  return Array.from({ length: n }, () => Math.round(APPROVAL_DELAY_MS.min + random() * (APPROVAL_DELAY_MS.max - APPROVAL_DELAY_MS.min)))
}

function stats(values: number[]): Stats {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  const count = sorted.length
  if (count === 0) return { count: 0, min: Number.NaN, p50: Number.NaN, p95: Number.NaN, max: Number.NaN, mean: Number.NaN }
  const pick = (q: number): number => sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))] as number
  const round = (v: number): number => Math.round(v * 10) / 10
  return {
    count,
    min: round(sorted[0] as number),
    p50: round(pick(0.5)),
    p95: round(pick(0.95)),
    max: round(sorted[count - 1] as number),
    mean: round(sorted.reduce((s, v) => s + v, 0) / count),
  }
}

function expectedSub(i: number): string {
  return `bench-user-${i}`
}

// ---------------------------------------------------------------------------

interface ChildRun {
  summary: Extract<ChildMessage, { type: 'summary' }>
}

function startChild(client: ClientKind, n: number): ChildProcess {
  // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of every child (for finding where time goes).
  const profDir = process.env['BENCH_CPU_PROF']
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${client}-${n}-${Date.now()}.cpuprofile`] : []
  return fork(builtClient, [client], {
    cwd: repoRoot,
    execArgv: prof,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  })
}

/** Waits for the child to exit, SIGKILLs it after `ms`. */
async function childExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve()
    }, ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

async function runOne(client: ClientKind, n: number, seed: number, order: number): Promise<Omit<EngineResult, 'round'>> {
  const intervalMs = INTERVAL_SECONDS * 1000
  const delays = approvalDelays(seed, n)
  const server: BenchServer = await startBenchServer({ intervalSeconds: INTERVAL_SECONDS, deviceCodeTtlSeconds: DEVICE_CODE_TTL_SECONDS })
  const child = startChild(client, n)
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, Math.max(0, ms))
    timers.add(timer)
  }

  const userCodes: (string | undefined)[] = new Array(n)
  const codeAt: (number | undefined)[] = new Array(n)
  const approvedAt: (number | undefined)[] = new Array(n)
  const approveErrors: (string | undefined)[] = new Array(n)
  const approvedSub: (string | undefined)[] = new Array(n)
  const ends: ((FlowEnd & { at: number }) | undefined)[] = new Array(n)
  const approvals: Promise<void>[] = []
  let lateApprovals = 0

  const eld = monitorEventLoopDelay({ resolution: 10 })
  let cpu0: NodeJS.CpuUsage | undefined
  let serverCpuMs = 0

  try {
    const run = await new Promise<ChildRun>((resolve, reject) => {
      const kill = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`${client} N=${n}: no summary within ${CHILD_KILL_MS} ms of start; child killed`))
      }, CHILD_KILL_MS + CHILD_READY_MS)
      const readyTimer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`${client} N=${n}: child not ready within ${CHILD_READY_MS} ms; killed`))
      }, CHILD_READY_MS)
      child.once('exit', (code, signal) => {
        clearTimeout(kill)
        clearTimeout(readyTimer)
        reject(new Error(`${client} N=${n}: child exited (${code ?? signal}) before its summary`))
      })
      child.once('error', reject)
      child.on('message', (raw) => {
        const message = raw as ChildMessage
        switch (message.type) {
          case 'ready': {
            clearTimeout(readyTimer)
            const start: StartMessage = { type: 'start', client, issuer: server.issuer, clientId: server.clientId, scope: SCOPE, n, timeoutMs: FLOW_TIMEOUT_MS }
            eld.enable()
            cpu0 = process.cpuUsage()
            child.send(start)
            break
          }
          case 'code': {
            const { i, userCode } = message
            userCodes[i] = userCode
            codeAt[i] = message.at
            const deviceCode = server.deviceCodeByUserCode.get(userCode)
            const issuedAt = deviceCode === undefined ? undefined : server.codes.get(deviceCode)?.issuedAt
            const due = (issuedAt ?? Date.now()) + (delays[i] as number)
            if (due < Date.now() - 20) lateApprovals += 1
            later(due - Date.now(), () => {
              approvals.push(
                server.approve(userCode, `Bench User ${i}`).then(
                  (sub) => {
                    approvedAt[i] = Date.now()
                    approvedSub[i] = sub
                  },
                  (error: unknown) => {
                    approveErrors[i] = error instanceof Error ? error.message : String(error)
                  },
                ),
              )
            })
            break
          }
          case 'done':
            ends[message.i] = message
            break
          case 'summary':
            clearTimeout(kill)
            child.removeAllListeners('exit')
            resolve({ summary: message })
            break
        }
      })
    })
    if (cpu0) {
      const cpu = process.cpuUsage(cpu0)
      serverCpuMs = (cpu.user + cpu.system) / 1000
    }
    eld.disable()
    await Promise.all(approvals)
    return summarize({ client, n, seed, order, intervalMs, server, delays, userCodes, codeAt, approvedAt, approveErrors, approvedSub, ends, run, serverCpuMs, eld, lateApprovals })
  } finally {
    for (const timer of timers) clearTimeout(timer)
    eld.disable()
    // The child exits by itself right after its summary (a CPU profile takes a moment to write).
    await childExit(child, 10_000)
    await server.close()
  }
}

interface Collected {
  client: ClientKind
  n: number
  seed: number
  order: number
  intervalMs: number
  server: BenchServer
  delays: number[]
  userCodes: (string | undefined)[]
  codeAt: (number | undefined)[]
  approvedAt: (number | undefined)[]
  approveErrors: (string | undefined)[]
  approvedSub: (string | undefined)[]
  ends: ((FlowEnd & { at: number }) | undefined)[]
  run: ChildRun
  serverCpuMs: number
  eld: ReturnType<typeof monitorEventLoopDelay>
  lateApprovals: number
}

function summarize(c: Collected): Omit<EngineResult, 'round'> {
  const { intervalMs, server } = c
  const perFlow: FlowRecord[] = []
  const gaps: number[] = []
  const wrongReasons: Record<string, number> = {}
  let earlyPolls = 0
  let slowDowns = 0
  let violations = 0
  let maxExcess = Number.NEGATIVE_INFINITY

  for (let i = 0; i < c.n; i++) {
    const userCode = c.userCodes[i]
    const deviceCode = userCode === undefined ? undefined : server.deviceCodeByUserCode.get(userCode)
    const log: CodeLog | undefined = deviceCode === undefined ? undefined : server.codes.get(deviceCode)
    const requests = log?.tokenRequests ?? []
    let minGap: number | undefined
    for (let k = 1; k < requests.length; k++) {
      const gap = (requests[k] as { mono: number }).mono - (requests[k - 1] as { mono: number }).mono
      gaps.push(gap)
      if (gap < intervalMs) earlyPolls += 1
      minGap = minGap === undefined ? gap : Math.min(minGap, gap)
    }
    const flowSlowDowns = requests.filter((r) => r.outcome === 'slow_down').length
    slowDowns += flowSlowDowns
    const tokenAnswers = requests.filter((r) => r.outcome === 'token')
    const end = c.ends[i]
    const approved = c.approvedAt[i]
    const issuedAt = log?.issuedAt
    let bound: number | undefined
    if (approved !== undefined && issuedAt !== undefined) {
      bound = Math.ceil((approved - issuedAt) / intervalMs) + 1
      const excess = requests.length - bound
      if (excess > 0) violations += 1
      maxExcess = Math.max(maxExcess, excess)
    }

    let wrong: string | undefined
    if (!end) wrong = 'no end reported'
    else if (end.status !== 'authorized') wrong = `ended ${end.status}`
    else if (c.approveErrors[i] !== undefined) wrong = 'approval failed'
    else if (approved === undefined) wrong = 'authorized without approval'
    else if (end.sub !== c.approvedSub[i] || end.sub !== expectedSub(i)) wrong = 'wrong account'
    else if (!end.hasAccessToken) wrong = 'no access token'
    else if (!end.hasRefreshToken) wrong = 'no refresh token'
    else if (tokenAnswers.length !== 1) wrong = `${tokenAnswers.length} token answers`
    else if (requests.at(-1)?.outcome !== 'token') wrong = 'polled after the token'
    else if (requests.some((r) => !['authorization_pending', 'slow_down', 'token'].includes(r.outcome))) wrong = 'unexpected token answer'
    if (wrong !== undefined) wrongReasons[wrong] = (wrongReasons[wrong] ?? 0) + 1

    perFlow.push({
      i,
      ...(userCode === undefined ? {} : { userCode }),
      delayMs: c.delays[i] as number,
      ...(issuedAt === undefined ? {} : { issuedAt }),
      ...(c.codeAt[i] === undefined ? {} : { codeAt: c.codeAt[i] as number }),
      ...(approved === undefined ? {} : { approvedAt: approved }),
      ...(end === undefined ? {} : { endAt: end.at }),
      ...(tokenAnswers[0] === undefined ? {} : { tokenRequestAt: tokenAnswers[0].at }),
      status: end?.status ?? 'unknown',
      ...(end?.error === undefined ? {} : { error: end.error }),
      ...(c.approveErrors[i] === undefined ? {} : { error: `approve: ${c.approveErrors[i]}` }),
      tokenRequests: requests.length,
      pollsAtMs: issuedAt === undefined ? [] : requests.map((r) => r.at - issuedAt),
      slowDowns: flowSlowDowns,
      ...(minGap === undefined ? {} : { minGapMs: Math.round(minGap * 10) / 10 }),
      ...(bound === undefined ? {} : { tokenRequestBound: bound }),
      ...(approved !== undefined && end?.status === 'authorized' ? { latencyMs: end.at - approved } : {}),
      ...(wrong === undefined ? {} : { wrong }),
    })
  }

  const latencies = perFlow.flatMap((f) => (f.latencyMs === undefined ? [] : [f.latencyMs]))
  const latencyMs = stats(latencies)
  const s = c.run.summary
  const cpuTotalMs = (s.cpuUserUs + s.cpuSystemUs) / 1000
  const wrong = Object.values(wrongReasons).reduce((a, b) => a + b, 0)
  const tokenRequestsPerFlow = stats(perFlow.map((f) => f.tokenRequests))
  return {
    client: c.client,
    n: c.n,
    seed: c.seed,
    intervalSeconds: intervalMs / 1000,
    order: c.order,
    wallMs: Math.round(s.wallMs),
    flows: { authorized: perFlow.filter((f) => f.status === 'authorized').length, wrong, wrongReasons },
    tokenRequestsPerFlow,
    pollGapMs: stats(gaps),
    earlyPolls,
    slowDowns,
    tokenRequestBound: { violations, maxExcess: Number.isFinite(maxExcess) ? maxExcess : 0 },
    latencyMs,
    approvalToTokenRequestMs: stats(perFlow.flatMap((f) => (f.approvedAt !== undefined && f.tokenRequestAt !== undefined ? [f.tokenRequestAt - f.approvedAt] : []))),
    codeDeliveryMs: stats(perFlow.flatMap((f) => (f.issuedAt !== undefined && f.codeAt !== undefined ? [f.codeAt - f.issuedAt] : []))),
    cpu: {
      userMs: Math.round(s.cpuUserUs / 1000),
      systemMs: Math.round(s.cpuSystemUs / 1000),
      totalMs: Math.round(cpuTotalMs),
      perFlowMs: Math.round((cpuTotalMs / c.n) * 100) / 100,
    },
    memory: {
      maxRssKiB: s.maxRssKiB,
      maxRssFrom: s.maxRssFrom,
      rssPeakKiB: s.rssPeakKiB,
      rssBeforeKiB: s.rssBeforeKiB,
      rssGrowthKiB: s.rssPeakKiB - s.rssBeforeKiB,
      heapUsedPeakKiB: s.heapUsedPeakKiB,
    },
    server: {
      cpuMs: Math.round(c.serverCpuMs),
      eventLoopDelayP99Ms: Math.round(c.eld.percentile(99) / 1e5) / 10,
      eventLoopDelayMaxMs: Math.round(c.eld.max / 1e5) / 10,
      serverErrors: server.serverErrors(),
      lateApprovals: c.lateApprovals,
      approvalLagMs: stats(perFlow.flatMap((f) => (f.approvedAt !== undefined && f.issuedAt !== undefined ? [f.approvedAt - f.issuedAt - f.delayMs] : []))),
    },
    targets: {
      noEarlyPolls: earlyPolls === 0,
      tokenRequestsWithinBound: violations === 0,
      meanLatency: latencyMs.count > 0 && latencyMs.mean <= intervalMs / 2 + 50,
      noWrongFlows: wrong === 0,
    },
    perFlow,
  }
}

// ---------------------------------------------------------------------------

/**
 * Runs every (size, client) pair, one at a time, each against a fresh server and a fresh child,
 * `rounds` times. The client order rotates by round and by size (round 1: ours, openid-client,
 * floor; round 2: openid-client, floor, ours; …), so over as many rounds as clients each client
 * takes each place once and no drift of the bench process (warming up, heat) favours one.
 */
export async function runEngineBench(opts: EngineOptions): Promise<EngineResult[]> {
  const clients = opts.clients ?? (['ours', 'openid-client'] as ClientKind[])
  const rounds = opts.rounds ?? 1
  if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 20) throw new RangeError(`rounds must be 1…20, got ${rounds}`)
  for (const n of opts.sizes) if (!Number.isSafeInteger(n) || n < 1 || n > 5000) throw new RangeError(`size must be 1…5000, got ${n}`)
  await buildClient()
  try {
    const results: EngineResult[] = []
    let order = 0
    for (let round = 1; round <= rounds; round++) {
      for (const [k, n] of opts.sizes.entries()) {
        const shift = (round - 1 + k) % clients.length
        const ordered = [...clients.slice(shift), ...clients.slice(0, shift)]
        for (const client of ordered) {
          order += 1
          results.push({ ...(await runOne(client, n, opts.seed, order)), round })
        }
      }
    }
    return results
  } finally {
    await rm(builtDir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------

function argValue(args: string[], name: string): string | undefined {
  const at = args.indexOf(name)
  return at >= 0 ? args[at + 1] : undefined
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (invokedDirectly) {
  const args = process.argv.slice(2)
  const sizes = (argValue(args, '--sizes') ?? '100,1000').split(',').map(Number)
  const seed = Number(argValue(args, '--seed') ?? 1)
  const perFlow = args.includes('--per-flow')
  const clients = argValue(args, '--clients')?.split(',') as ClientKind[] | undefined
  const rounds = Number(argValue(args, '--rounds') ?? 1)
  runEngineBench({ sizes, seed, rounds, ...(clients ? { clients } : {}) }).then(
    (results) => {
      const out = perFlow ? results : results.map(({ perFlow: _omitted, ...rest }) => rest)
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
    },
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
