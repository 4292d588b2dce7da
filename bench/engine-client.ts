/**
 * Child process of `bench/engine.ts`: runs N concurrent RFC 8628 device flows with ONE client
 * (our engine, or openid-client v6) against the parent's server, and talks to the parent over
 * IPC. `bench/engine.ts` builds it (every package bundled, as the CLI is built) into
 * `bench/.build/engine-client.js` and starts that in a plain `node` by `child_process.fork`.
 *
 * Protocol (parent ⇄ child):
 *   child  → { type: 'ready' }                        after its client library is loaded
 *   parent → StartMessage
 *   child  → { type: 'code', i, userCode, at }        as soon as flow i has its user code
 *   child  → { type: 'done', i, at, status, sub, … }  when flow i ended (at = holds the token)
 *   child  → { type: 'summary', cpu…, rss… }          once every flow ended; then it exits
 *
 * CPU (`process.cpuUsage()`) is measured from just before the first flow starts (discovery
 * included) to just after the last one ends; loading the library is outside that window.
 * Only the client under test is imported, so the RSS figures are that client's.
 */
import { readFileSync } from 'node:fs'

/**
 * `floor`: not a client anyone should use, a lower bound for any Node client: raw `node:http`
 * with a keep-alive agent, the same requests, `JSON.parse` of each answer, the next poll one
 * interval after the answer, the ID token's payload read without checking its signature. What
 * both real clients cost above it is their own work.
 */
export type ClientKind = 'ours' | 'openid-client' | 'floor'

export interface StartMessage {
  readonly type: 'start'
  readonly client: ClientKind
  readonly issuer: string
  readonly clientId: string
  readonly scope: string
  readonly n: number
  /** Every flow is cancelled after this long. */
  readonly timeoutMs: number
}

export interface FlowEnd {
  /** 'authorized' | 'denied' | 'expired' | 'error' | 'cancelled' */
  readonly status: string
  /** `sub` of the ID token, when authorized. */
  readonly sub?: string
  readonly hasAccessToken?: boolean
  readonly hasRefreshToken?: boolean
  readonly error?: string
}

export type ChildMessage =
  | { readonly type: 'ready'; readonly rssKiB: number }
  | { readonly type: 'code'; readonly i: number; readonly userCode: string; readonly at: number }
  | ({ readonly type: 'done'; readonly i: number; readonly at: number } & FlowEnd)
  | {
      readonly type: 'summary'
      readonly startedAt: number
      readonly wallMs: number
      readonly cpuUserUs: number
      readonly cpuSystemUs: number
      /** RSS just before the flows started, KiB. */
      readonly rssBeforeKiB: number
      /** Highest RSS sampled (every 25 ms) while the flows ran, KiB. */
      readonly rssPeakKiB: number
      /** The whole process's peak RSS at the end, startup included, KiB (see `peakRssKiB`). */
      readonly maxRssKiB: number
      /** Where `maxRssKiB` came from: `maxRSS` may be the parent's peak (see `peakRssKiB`). */
      readonly maxRssFrom: 'VmHWM' | 'maxRSS'
      readonly heapUsedPeakKiB: number
    }

/** One flow: request a code (report it through `onCode`), poll until it ends. */
type RunFlow = (onCode: (userCode: string) => void, signal: AbortSignal) => Promise<FlowEnd>

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`.slice(0, 300)
  }
  return String(error).slice(0, 300)
}

async function ourClient(start: StartMessage): Promise<RunFlow> {
  const [{ runDeviceFlow }, { createOidcDialect }, { createHttp }, { createNodeHttpFetch }, { systemClock }] = await Promise.all([
    import('../electron/core/flow'),
    import('../electron/core/dialects/oidc'),
    import('../electron/core/http'),
    import('../electron/adapters/node-http'),
    import('../electron/adapters/system-clock'),
  ])
  // The Node hosts' transport (the CLI and serve use the same): node:http with keep-alive.
  const http = createHttp({ fetch: createNodeHttpFetch(), clock: systemClock })
  // One dialect for all flows (discovery once, as openid-client's one Configuration).
  // Without `fetchAccount`: the engine would otherwise call userinfo after the token, which
  // openid-client's flow does not do; the account comes from the ID token in both.
  const { fetchAccount: _userinfo, ...dialect } = createOidcDialect(
    { id: 'bench', issuer: start.issuer, clientId: start.clientId, scope: start.scope },
    { http, clock: systemClock },
  )
  return async (onCode, signal) => {
    const result = await runDeviceFlow({
      dialect,
      clock: systemClock,
      signal,
      onEvent: (event) => {
        if (event.type === 'code') onCode(event.authorization.user_code)
      },
    })
    switch (result.status) {
      case 'authorized':
        return {
          status: 'authorized',
          ...(result.account?.sub === undefined ? {} : { sub: result.account.sub }),
          hasAccessToken: typeof result.tokens.access_token === 'string' && result.tokens.access_token !== '',
          hasRefreshToken: typeof result.tokens.refresh_token === 'string',
        }
      case 'error':
        return { status: 'error', error: `${result.error.code}: ${result.error.message}` }
      case 'denied':
        return { status: 'denied' }
      default:
        return { status: result.status }
    }
  }
}

async function theirClient(start: StartMessage): Promise<RunFlow> {
  const client = await import('openid-client')
  let config: Promise<InstanceType<typeof client.Configuration>> | undefined
  return async (onCode, signal) => {
    try {
      // One Configuration for all flows, discovered once (inside the measured window).
      config ??= client.discovery(new URL(start.issuer), start.clientId, undefined, client.None(), {
        execute: [client.allowInsecureRequests],
      })
      const cfg = await config
      const authorization = await client.initiateDeviceAuthorization(cfg, { scope: start.scope })
      onCode(authorization.user_code)
      const tokens = await client.pollDeviceAuthorizationGrant(cfg, authorization, undefined, { signal })
      const sub = tokens.claims()?.sub
      return {
        status: 'authorized',
        ...(sub === undefined ? {} : { sub }),
        hasAccessToken: typeof tokens.access_token === 'string' && tokens.access_token !== '',
        hasRefreshToken: typeof tokens.refresh_token === 'string',
      }
    } catch (error) {
      return { status: signal.aborted ? 'cancelled' : 'error', error: errorText(error) }
    }
  }
}

async function floorClient(start: StartMessage): Promise<RunFlow> {
  const { Agent, request } = await import('node:http')
  const agent = new Agent({ keepAlive: true, scheduling: 'lifo' })
  const call = (method: string, url: string, form?: string): Promise<{ status: number; json: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'application/json' }
      if (form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
      const req = request(url, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> })
          } catch (error) {
            reject(error)
          }
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(form)
    })
  let metadata: Promise<Record<string, unknown>> | undefined
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
  return async (onCode, signal) => {
    try {
      metadata ??= call('GET', `${start.issuer}/.well-known/openid-configuration`).then((r) => r.json)
      const as = await metadata
      const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString()
      const code = await call('POST', as['device_authorization_endpoint'] as string, form({ client_id: start.clientId, scope: start.scope }))
      onCode(code.json['user_code'] as string)
      let interval = ((code.json['interval'] as number | undefined) ?? 5) * 1000
      for (;;) {
        await sleep(interval)
        if (signal.aborted) return { status: 'cancelled' }
        const answer = await call('POST', as['token_endpoint'] as string, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: code.json['device_code'] as string, client_id: start.clientId }))
        if (answer.status === 200) {
          const idToken = answer.json['id_token'] as string
          const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: string }
          return {
            status: 'authorized',
            ...(claims.sub === undefined ? {} : { sub: claims.sub }),
            hasAccessToken: typeof answer.json['access_token'] === 'string',
            hasRefreshToken: typeof answer.json['refresh_token'] === 'string',
          }
        }
        if (answer.json['error'] === 'slow_down') interval += 5000
        else if (answer.json['error'] !== 'authorization_pending') return { status: 'error', error: String(answer.json['error']) }
      }
    } catch (error) {
      return { status: signal.aborted ? 'cancelled' : 'error', error: errorText(error) }
    }
  }
}

/**
 * This process's own peak RSS, KiB: `VmHWM` of /proc/self/status on Linux. Not
 * `process.resourceUsage().maxRSS` there: Linux keeps a forked child's high-water mark from
 * before its exec, which is the parent's (fs/exec.c `exec_mmap`: `setmax_mm_hiwater_rss(
 * &tsk->signal->maxrss, old_mm)`, which getrusage reports), so a child of a bench process that
 * has grown past it reports the bench's size (seen: 203 MB for all three clients at N=100).
 * `VmHWM` belongs to the new address space. Elsewhere `maxRSS` is what there is.
 */
function peakRssKiB(): { kib: number; from: 'VmHWM' | 'maxRSS' } {
  try {
    const hwm = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (hwm) return { kib: Number(hwm[1]), from: 'VmHWM' }
  } catch {
    // not Linux
  }
  return { kib: process.resourceUsage().maxRSS, from: 'maxRSS' }
}

function send(message: ChildMessage): void {
  process.send?.(message)
}

async function run(start: StartMessage): Promise<void> {
  const runFlow = start.client === 'ours' ? await ourClient(start) : start.client === 'floor' ? await floorClient(start) : await theirClient(start)

  let rssPeak = 0
  let heapPeak = 0
  const sample = (): void => {
    const { rss, heapUsed } = process.memoryUsage()
    if (rss > rssPeak) rssPeak = rss
    if (heapUsed > heapPeak) heapPeak = heapUsed
  }
  sample()
  const rssBefore = rssPeak
  const sampler = setInterval(sample, 25)

  const startedAt = Date.now()
  const wall0 = performance.now()
  const cpu0 = process.cpuUsage()
  await Promise.all(
    Array.from({ length: start.n }, async (_, i) => {
      let end: FlowEnd
      try {
        // One signal per flow, as independent sign-ins would have. (One signal shared by N flows
        // would make every addEventListener on it walk N listeners: an artifact, not a cost of
        // either client.)
        end = await runFlow((userCode) => send({ type: 'code', i, userCode, at: Date.now() }), AbortSignal.timeout(start.timeoutMs))
      } catch (error) {
        end = { status: 'error', error: errorText(error) }
      }
      send({ type: 'done', i, at: Date.now(), ...end })
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  const wallMs = performance.now() - wall0
  sample()
  clearInterval(sampler)

  const peak = peakRssKiB()
  const summary: ChildMessage = {
    type: 'summary',
    startedAt,
    wallMs,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    rssBeforeKiB: Math.round(rssBefore / 1024),
    rssPeakKiB: Math.round(rssPeak / 1024),
    maxRssKiB: peak.kib,
    maxRssFrom: peak.from,
    heapUsedPeakKiB: Math.round(heapPeak / 1024),
  }
  // Exit once the summary is out: keep-alive sockets would otherwise hold the process.
  process.send?.(summary, undefined, {}, () => process.exit(0))
}

if (!process.send) {
  console.error('bench/engine-client.ts is started by bench/engine.ts (it needs an IPC channel)')
  process.exit(2)
}
process.on('disconnect', () => process.exit(1))
process.once('message', (message: StartMessage) => {
  run(message).catch((error: unknown) => {
    console.error('[engine-client]', error)
    process.exit(1)
  })
})
// Load the libraries before saying ready, so loading is outside the measured window: the
// client under test is imported again inside run(), which is then a cache hit.
const preload = process.argv[2] === 'openid-client' ? import('openid-client') : process.argv[2] === 'floor' ? import('node:http') : Promise.all([import('../electron/core/flow'), import('../electron/core/dialects/oidc'), import('../electron/core/http'), import('../electron/adapters/node-http'), import('../electron/adapters/system-clock')])
preload.then(
  () => send({ type: 'ready', rssKiB: Math.round(process.memoryUsage().rss / 1024) }),
  (error: unknown) => {
    console.error('[engine-client] cannot load the client:', error)
    process.exit(1)
  },
)
