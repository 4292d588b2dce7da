/**
 * `linkscreen login --log FILE` against real servers: the oidc-provider demo server, a real
 * better-auth server and the Google simulator (which takes a client secret in every request).
 * Each test learns every secret that crossed the wire from the server side (a Koa middleware,
 * a recording proxy, the simulator's request log) and the tokens from `--show-token`, then
 * scans the log file for each: none may be there. The entries themselves are checked too:
 * polls with their status and `authorization_pending`, monotonic timing, the poll interval.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Middleware } from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../electron/cli/main'
import { startDemoServer, type DemoServer } from '../../electron/demo/demo-server'
import type { FlowLogEntry, FlowLogJson } from '../../electron/core/flow-log'
import { captureIo } from '../helpers/cli-io'
import { actOnDemoCode } from '../servers/demo-approve'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'
import { startGoogleSimulator } from '../simulators/google'
import { DEFAULT_CLIENT_ID } from '../simulators/device-flow'

const SECRET_NAMES = /^(device_code|user_code|access_token|refresh_token|id_token|token|client_secret)$/i

/** Every string under a secret-named key of a JSON value, at any depth. */
function secretValues(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) secretValues(item, out)
  else if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      if (typeof member === 'string' && SECRET_NAMES.test(key) && member.length >= 4) out.add(member)
      else secretValues(member, out)
    }
  }
  return out
}

/** A JWT's segments are secrets too: a log must not hold half a token. */
function withParts(secrets: Iterable<string>): string[] {
  const out = new Set<string>()
  for (const secret of secrets) {
    out.add(secret)
    out.add(encodeURIComponent(secret))
    for (const part of secret.split('.')) if (part.length >= 16) out.add(part)
  }
  return [...out]
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'linkscreen-log-'))
}

async function readLog(file: string): Promise<{ text: string; log: FlowLogJson }> {
  const text = await readFile(file, 'utf8')
  return { text, log: JSON.parse(text) as FlowLogJson }
}

function expectNoSecrets(text: string, secrets: Iterable<string>): void {
  const list = withParts(secrets)
  expect(list.length).toBeGreaterThan(0)
  const found = list.filter((secret) => text.includes(secret))
  expect(found).toEqual([])
}

/** Shape and timing every log must have. */
function expectWellFormed(log: FlowLogJson, origin: string): void {
  expect(log).toMatchObject({ format: 'linkscreen-flow-log', version: 1, dropped: 0 })
  expect(log.entries.length).toBeGreaterThan(0)
  expect(log.entries.map((e) => e.seq)).toEqual(log.entries.map((_, i) => i + 1))
  for (const entry of log.entries) {
    expect(entry.url.startsWith(origin)).toBe(true)
    expect(Number.isNaN(Date.parse(entry.at))).toBe(false)
    expect(entry.durationMs).toBeGreaterThanOrEqual(0)
    expect(entry).not.toHaveProperty('inFlight')
  }
  const offsets = log.entries.map((e) => e.offsetMs)
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
  expect(Date.parse(log.endedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(log.startedAt))
  expect(log.durationMs).toBeGreaterThanOrEqual(offsets.at(-1) ?? 0)
}

/** The token polls, and that consecutive ones were never closer than the interval. */
function polls(log: FlowLogJson, path: string, intervalMs: number): FlowLogEntry[] {
  const found = log.entries.filter((e) => e.method === 'POST' && new URL(e.url).pathname === path)
  for (let i = 1; i < found.length; i++) expect(found[i]!.offsetMs - found[i - 1]!.offsetMs).toBeGreaterThanOrEqual(intervalMs)
  return found
}

describe('login --log against the oidc-provider demo server', () => {
  let server: DemoServer
  let config: string
  const sentByServer = new Set<string>()
  beforeAll(async () => {
    // Outermost middleware: sees each final answer, so every secret the server hands out.
    const capture: Middleware = async (ctx, next) => {
      await next()
      if (ctx.body !== null && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body)) secretValues(ctx.body, sentByServer)
    }
    server = await startDemoServer({ intervalSeconds: 1, quiet: true, middleware: capture })
    config = join(await tempDir(), 'providers.json')
    await writeFile(config, JSON.stringify({ providers: [{ id: 'op', dialect: 'oidc', issuer: server.issuer, clientId: server.clientId, scope: 'openid profile email offline_access' }] }))
  })
  afterAll(() => server.close())

  it('approve: the log has discovery, the code, pending polls, the token; no token or code in the file', async () => {
    const file = join(await tempDir(), 'flow.json')
    const cap = captureIo()
    const exit = main(['login', '--provider', 'op', '--config', config, '--json', '--show-token', '--timeout', '60', '--log', file], { io: cap.io })
    const code = await cap.waitForEvent('code')
    await cap.waitForEvent('poll')
    await new Promise((resolve) => setTimeout(resolve, 1200)) // one more pending poll
    await actOnDemoCode({ verificationUri: String(code['verification_uri']), userCode: String(code['user_code']), name: 'Ada Lovelace', decision: 'approve' })
    expect(await exit).toBe(0)
    expect(cap.err()).toContain(`flow log written to ${file}`)
    expect((await stat(file)).mode & 0o077).toBe(0)
    const tokens = cap.events().at(-1)?.['tokens'] as Record<string, string>
    expect(tokens['access_token']).toBeTruthy()
    expect(tokens['refresh_token']).toBeTruthy()
    expect(tokens['id_token']).toMatch(/^ey/)

    const { text, log } = await readLog(file)
    // Every secret the server sent (device code, user code, tokens) and every token printed.
    expect([...sentByServer]).toEqual(expect.arrayContaining([String(code['user_code']), tokens['access_token'], tokens['refresh_token'], tokens['id_token']]))
    expect(sentByServer.size).toBeGreaterThanOrEqual(5) // + the device code
    expectNoSecrets(text, [...sentByServer, ...Object.values(tokens)])

    expectWellFormed(log, server.issuer)
    expect(log).toMatchObject({ provider: 'op', outcome: 'authorized' })
    const paths = log.entries.map((e) => `${e.method} ${new URL(e.url).pathname}`)
    expect(paths[0]).toBe('GET /.well-known/openid-configuration')
    const deviceAuth = log.entries.find((e) => e.responseFields?.includes('device_code'))
    expect(deviceAuth).toMatchObject({ method: 'POST', status: 200 })
    expect(deviceAuth?.requestFields).toEqual(expect.arrayContaining(['client_id', 'scope']))
    const tokenPolls = polls(log, new URL(log.entries.find((e) => e.requestFields?.includes('device_code'))!.url).pathname, 1000)
    const pending = tokenPolls.filter((p) => p.oauthError === 'authorization_pending')
    expect(pending.length).toBeGreaterThanOrEqual(2)
    expect(pending.every((p) => p.status === 400 && p.contentType === 'application/json')).toBe(true)
    expect(tokenPolls.at(-1)).toMatchObject({ status: 200 })
    expect(tokenPolls.at(-1)?.responseFields).toEqual(expect.arrayContaining(['access_token', 'id_token', 'refresh_token']))
    expect(tokenPolls.at(-1)).not.toHaveProperty('oauthError')
  })

  it('deny: the last poll says access_denied and the outcome is denied', async () => {
    const file = join(await tempDir(), 'denied.json')
    const cap = captureIo()
    const exit = main(['login', '--provider', 'op', '--config', config, '--json', '--timeout', '60', '--log', file], { io: cap.io })
    const code = await cap.waitForEvent('code')
    await actOnDemoCode({ verificationUri: String(code['verification_uri']), userCode: String(code['user_code']), name: 'Mallory', decision: 'deny' })
    expect(await exit).toBe(2)
    const { text, log } = await readLog(file)
    expectWellFormed(log, server.issuer)
    expect(log.outcome).toBe('denied')
    expect(log.entries.at(-1)).toMatchObject({ method: 'POST', status: 400, oauthError: 'access_denied' })
    expectNoSecrets(text, [...sentByServer, String(code['user_code'])])
  })
})

/** A reverse proxy in front of `target` that keeps every request and response body it carries. */
async function recordingProxy(target: string): Promise<{ origin: string; bodies: string[]; close: () => Promise<void> }> {
  const bodies: string[] = []
  const read = async (req: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req)
      bodies.push(body.toString('utf8'))
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers.set(name, value)
      }
      const answer = await fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body.length > 0 ? { body: new Uint8Array(body) } : {}), redirect: 'manual' })
      const text = await answer.text()
      bodies.push(text)
      const out: Record<string, string> = {}
      answer.headers.forEach((value, name) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) out[name] = value
      })
      res.writeHead(answer.status, out).end(text)
    })().catch(() => res.writeHead(502).end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Every secret-named value in the JSON bodies the proxy carried, and in its form bodies. */
function secretsCarried(bodies: readonly string[]): Set<string> {
  const out = new Set<string>()
  for (const body of bodies) {
    try {
      secretValues(JSON.parse(body), out)
    } catch {
      for (const [key, value] of new URLSearchParams(body)) if (SECRET_NAMES.test(key) && value.length >= 4) out.add(value)
    }
  }
  return out
}

describe('login --log against a real better-auth server', () => {
  const CLIENT_SECRET = 'ba-client-secret-9c1f3e5a7b'
  const HEADER_SECRET = 'hdr-secret-2d4f6a8c0e'
  let server: BetterAuthServer

  beforeAll(async () => {
    server = await startBetterAuthServer({ interval: 1 })
  })
  afterAll(() => server.close())

  async function configThrough(origin: string, base = server): Promise<string> {
    const file = join(await tempDir(), 'providers.json')
    const baseUrl = `${origin}/api/auth`
    await writeFile(
      file,
      JSON.stringify({ providers: [{ id: 'ba', dialect: 'better-auth', baseUrl, clientId: base.clientId, clientSecret: CLIENT_SECRET, headers: { 'x-api-key': HEADER_SECRET }, scope: 'openid profile' }] }),
    )
    return file
  }

  it('approve: polls pending then 200, the session lookup; no device code, user code, token or configured secret in the file', async () => {
    const proxy = await recordingProxy(new URL(server.baseUrl).origin)
    try {
      const file = join(await tempDir(), 'flow.json')
      const cap = captureIo()
      const exit = main(['login', '--provider', 'ba', '--config', await configThrough(proxy.origin), '--json', '--show-token', '--timeout', '60', '--log', file], { io: cap.io })
      const code = await cap.waitForEvent('code')
      await cap.waitForEvent('poll')
      await new Promise((resolve) => setTimeout(resolve, 1200))
      const user = await server.signUp('Log Reader')
      await server.approve(String(code['user_code']), user.token)
      expect(await exit).toBe(0)
      const tokens = cap.events().at(-1)?.['tokens'] as Record<string, string>
      const carried = secretsCarried(proxy.bodies)
      expect([...carried]).toEqual(expect.arrayContaining([String(code['user_code']), tokens['access_token']]))
      expect(carried.size).toBeGreaterThanOrEqual(3) // + the device code

      const { text, log } = await readLog(file)
      expectNoSecrets(text, [...carried, tokens['access_token']!, CLIENT_SECRET, HEADER_SECRET])
      expectWellFormed(log, proxy.origin)
      expect(log).toMatchObject({ provider: 'ba', outcome: 'authorized' })
      expect(log.entries[0]).toMatchObject({ method: 'POST', url: `${proxy.origin}/api/auth/device/code`, status: 200, requestFields: ['client_id', 'scope'] })
      const tokenPolls = polls(log, '/api/auth/device/token', 1000)
      expect(tokenPolls.length).toBeGreaterThanOrEqual(3)
      expect(tokenPolls.slice(0, -1).every((p) => p.status === 400 && p.oauthError === 'authorization_pending')).toBe(true)
      expect(tokenPolls.every((p) => JSON.stringify(p.requestFields) === JSON.stringify(['grant_type', 'device_code', 'client_id']))).toBe(true)
      expect(tokenPolls.at(-1)).toMatchObject({ status: 200, responseFields: ['access_token', 'token_type', 'expires_in', 'scope'] })
      expect(log.entries.at(-1)).toMatchObject({ method: 'GET', url: `${proxy.origin}/api/auth/get-session`, status: 200 })
    } finally {
      await proxy.close()
    }
  })

  it('expired: the outcome is expired and the log ends with the expiry, still without the device code', async () => {
    const short = await startBetterAuthServer({ interval: 1, expiresIn: 2 })
    const proxy = await recordingProxy(new URL(short.baseUrl).origin)
    try {
      const file = join(await tempDir(), 'expired.json')
      const cap = captureIo()
      expect(await main(['login', '--provider', 'ba', '--config', await configThrough(proxy.origin, short), '--json', '--timeout', '60', '--log', file], { io: cap.io })).toBe(3)
      const { text, log } = await readLog(file)
      expect(log.outcome).toBe('expired')
      expectWellFormed(log, proxy.origin)
      expect(polls(log, '/api/auth/device/token', 1000).length).toBeGreaterThanOrEqual(1)
      expectNoSecrets(text, [...secretsCarried(proxy.bodies), CLIENT_SECRET, HEADER_SECRET])
    } finally {
      await proxy.close()
      await short.close()
    }
  })

  it('a server that is not there: outcome error, the failure class recorded', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as AddressInfo
    await new Promise((resolve) => probe.close(resolve))
    const file = join(await tempDir(), 'refused.json')
    const cap = captureIo()
    expect(await main(['login', '--provider', 'ba', '--config', await configThrough(`http://127.0.0.1:${port}`), '--json', '--log', file], { io: cap.io })).toBe(1)
    const { text, log } = await readLog(file)
    expect(log.outcome).toBe('error')
    expect(log.entries).toEqual([
      expect.objectContaining({ seq: 1, method: 'POST', url: `http://127.0.0.1:${port}/api/auth/device/code`, failure: { code: 'network_error', reason: 'ECONNREFUSED' } }),
    ])
    expect(log.entries[0]).not.toHaveProperty('status')
    expectNoSecrets(text, [CLIENT_SECRET, HEADER_SECRET])
  })

  it('cancelled (Ctrl-C) and --timeout: the log is still written, with that outcome', async () => {
    const config = await configThrough(new URL(server.baseUrl).origin)
    const cancelledFile = join(await tempDir(), 'cancelled.json')
    const controller = new AbortController()
    const cap = captureIo()
    const exit = main(['login', '--provider', 'ba', '--config', config, '--json', '--log', cancelledFile], { io: cap.io, signal: controller.signal })
    await cap.waitForEvent('poll')
    controller.abort()
    expect(await exit).toBe(130)
    const cancelled = await readLog(cancelledFile)
    expect(cancelled.log.outcome).toBe('cancelled')
    expect(cancelled.log.entries.length).toBeGreaterThanOrEqual(2)

    const timeoutFile = join(await tempDir(), 'timeout.json')
    expect(await main(['login', '--provider', 'ba', '--config', config, '--json', '--timeout', '2', '--log', timeoutFile], { io: captureIo().io })).toBe(1)
    expect((await readLog(timeoutFile)).log.outcome).toBe('timeout')
  })

  it('--log into a folder that does not exist is a usage error before any request', async () => {
    const cap = captureIo()
    const missing = join(await tempDir(), 'no-such-folder', 'flow.json')
    expect(await main(['login', '--provider', 'ba', '--config', await configThrough('http://127.0.0.1:9'), '--log', missing], { io: cap.io })).toBe(4)
    expect(cap.err()).toContain('does not exist or is not writable')
  })
})

describe('login --log against the Google simulator (a client secret in every request)', () => {
  it('none of the client secret, device code, user code or tokens reach the file', async () => {
    const CLIENT_SECRET = 'GOCSPX-log+test/secret=1234567890'
    const sim = await startGoogleSimulator({ interval: 1, clientSecret: CLIENT_SECRET })
    try {
      const config = join(await tempDir(), 'providers.json')
      await writeFile(
        config,
        JSON.stringify({ providers: [{ id: 'g', dialect: 'google', clientId: DEFAULT_CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: sim.origin, userinfoUrl: `${sim.origin}/v1/userinfo` }] }),
      )
      const file = join(await tempDir(), 'google.json')
      const cap = captureIo()
      const exit = main(['login', '--provider', 'g', '--config', config, '--json', '--show-token', '--timeout', '60', '--log', file], { io: cap.io })
      const code = await cap.waitForEvent('code')
      await cap.waitForEvent('poll')
      sim.approve(String(code['user_code']), { name: 'Grace' })
      expect(await exit).toBe(0)
      const tokens = cap.events().at(-1)?.['tokens'] as Record<string, string>
      // What the client sent, as the simulator saw it: the secret in every token request.
      const sent = new Set<string>()
      for (const request of sim.requests) secretValues(request.body ?? {}, sent)
      expect(sent.has(CLIENT_SECRET)).toBe(true)
      expect(sent.size).toBeGreaterThanOrEqual(2) // + the device code
      const { text, log } = await readLog(file)
      expectNoSecrets(text, [...sent, String(code['user_code']), ...Object.values(tokens)])
      expectWellFormed(log, sim.origin)
      const tokenPolls = polls(log, '/token', 1000)
      expect(tokenPolls.some((p) => p.status === 428 && p.oauthError === 'authorization_pending')).toBe(true)
      expect(tokenPolls.every((p) => p.requestFields?.includes('client_secret'))).toBe(true)
      expect(tokenPolls.at(-1)).toMatchObject({ status: 200 })
    } finally {
      await sim.close()
    }
  })
})
