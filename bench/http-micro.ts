/**
 * Micro-benchmark (issue #16, "measure first"): client CPU per small form POST, the shape of a
 * device-code poll, for each way a Node host can send one:
 * - `fetch`: Node's global fetch (undici's WHATWG fetch layer), what the CLI used;
 * - `undici.request`: undici's dispatcher API, keep-alive per origin;
 * - `node:http`: `http.request` with a keep-alive agent, the raw floor;
 * - `ours`: `createNodeHttpFetch` (node:http behind the core's `FetchLike`, answering a WHATWG
 *   `Response`), and `ours+core` / `fetch+core`: each under the core's `createHttp` (time and
 *   size limits, redaction hook), as the engine uses them.
 *
 * The server runs in this process; each client runs in a child process of its own (same Node,
 * same loader), so its `process.cpuUsage()` counts only the client. Each child sends a warm-up,
 * then `count` requests, `concurrency` at a time, and reports CPU µs per request.
 *
 * `npx tsx bench/http-micro.ts` prints a table; `bench/run.ts` prints it beside the main bench.
 */
import { fork } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

export const TRANSPORTS = ['fetch', 'undici.request', 'node:http', 'ours', 'fetch+core', 'ours+core'] as const
export type Transport = (typeof TRANSPORTS)[number]

export interface MicroResult {
  readonly transport: Transport
  readonly requests: number
  readonly cpuUsPerRequest: number
  readonly wallMs: number
}

const BODY = 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS&client_id=tv'
const ANSWER = '{"error":"authorization_pending","error_description":"The authorization request is still pending"}'

/** Child side: sends the requests with one transport and reports. */
async function client(transport: Transport, url: string, count: number, concurrency: number): Promise<void> {
  let send: () => Promise<void>
  const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  if (transport === 'fetch' || transport === 'fetch+core' || transport === 'ours' || transport === 'ours+core') {
    const { createNodeHttpFetch } = await import('../electron/adapters/node-http')
    const { createHttp } = await import('../electron/core/http')
    const { systemClock } = await import('../electron/adapters/system-clock')
    const base = transport.startsWith('fetch') ? (input: string, init: RequestInit) => fetch(input, init) : createNodeHttpFetch({ env: {} })
    const f = transport.endsWith('+core') ? createHttp({ fetch: base, clock: systemClock }) : base
    send = async () => {
      const response = await f(url, { method: 'POST', headers, body: BODY })
      JSON.parse(await response.text())
    }
  } else if (transport === 'undici.request') {
    const { Agent, request } = await import('undici')
    const dispatcher = new Agent({ keepAliveTimeout: 10_000 })
    send = async () => {
      const { body } = await request(url, { method: 'POST', headers, body: BODY, dispatcher })
      JSON.parse(await body.text())
    }
  } else {
    const http = await import('node:http')
    const agent = new http.Agent({ keepAlive: true })
    send = () =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(url, { method: 'POST', headers, agent }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            JSON.parse(Buffer.concat(chunks).toString())
            resolve()
          })
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end(BODY)
      })
  }
  const run = async (n: number): Promise<void> => {
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next += 1
          await send()
        }
      }),
    )
  }
  await run(Math.min(500, count))
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await run(count)
  const cpu = process.cpuUsage(cpu0)
  process.send?.({ cpuUs: cpu.user + cpu.system, wallMs: performance.now() - t0 })
}

/** Runs every transport against one local server; returns CPU per request for each. */
export async function runHttpMicroBench(options: { count?: number; concurrency?: number } = {}): Promise<MicroResult[]> {
  const count = options.count ?? 5000
  const concurrency = options.concurrency ?? 32
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(400, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(ANSWER))
  })
  server.keepAliveTimeout = 10_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`
  const results: MicroResult[] = []
  try {
    for (const transport of TRANSPORTS) {
      const child = fork(fileURLToPath(import.meta.url), ['child', transport, url, String(count), String(concurrency)], { execArgv: ['--import', 'tsx'] })
      const report = await new Promise<{ cpuUs: number; wallMs: number }>((resolve, reject) => {
        child.once('message', (m) => resolve(m as { cpuUs: number; wallMs: number }))
        child.once('exit', (code) => reject(new Error(`${transport}: the client exited with ${code}`)))
      })
      child.kill()
      results.push({ transport, requests: count, cpuUsPerRequest: report.cpuUs / count, wallMs: report.wallMs })
    }
  } finally {
    server.closeAllConnections()
    server.close()
  }
  return results
}

export function microTable(results: readonly MicroResult[]): string[] {
  const fetchCpu = results.find((r) => r.transport === 'fetch')?.cpuUsPerRequest ?? NaN
  const lines = ['| transport | requests | client CPU per request (µs) | vs fetch |', '| --- | --- | --- | --- |']
  for (const r of results) lines.push(`| ${r.transport} | ${r.requests} | ${r.cpuUsPerRequest.toFixed(1)} | ${(r.cpuUsPerRequest / fetchCpu).toFixed(2)}× |`)
  return lines
}

if (process.argv[2] === 'child') {
  const [, , , transport, url, count, concurrency] = process.argv
  await client(transport as Transport, url!, Number(count), Number(concurrency))
  process.exit(0)
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await runHttpMicroBench()
  console.log(microTable(results).join('\n'))
}
