/** `linkscreen serve`'s HTTP surface: the secret, the Host check, the contract over HTTP and SSE. */
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, type ServeHandle } from '../../electron/cli/serve'
import { systemClock } from '../../electron/adapters/system-clock'
import { createHttp } from '../../electron/core/http'
import { FlowService } from '../../electron/services/flow-service'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'

/** A raw request, so that the Host header and the path are exactly as given. */
function raw(port: number, path: string, options: { method?: string; host?: string; body?: string; type?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}`, ...(options.type ? { 'content-type': options.type } : {}) } },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('linkscreen serve', () => {
  let ba: BetterAuthServer
  let handle: ServeHandle
  let service: FlowService
  let prefix: string

  beforeAll(async () => {
    ba = await startBetterAuthServer({ interval: 1 })
    const dir = await mkdtemp(join(tmpdir(), 'linkscreen-serve-'))
    await mkdir(join(dir, 'assets'))
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>screen</title>')
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(tmpdir(), 'linkscreen-outside.txt'), 'outside')
    service = new FlowService({
      providers: [{ view: { id: 'ba', name: 'Better Auth', dialect: 'better-auth', builtIn: false }, resolve: async () => ({ id: 'ba', dialect: 'better-auth', baseUrl: ba.baseUrl, clientId: ba.clientId }) }],
      deps: { http: createHttp({ fetch, clock: systemClock }), clock: systemClock },
    })
    handle = await startServe({ service, rendererDir: dir, info: { kiosk: false, fixedProvider: null, locale: 'en-US', host: 'serve', storage: 'memory', notices: [] } })
    prefix = new URL(handle.url).pathname
  })
  afterAll(async () => {
    await service.close()
    await handle.close()
    await ba.close()
  })

  it('serves the screen only with the secret, to its own Host', async () => {
    const ok = await raw(handle.port, prefix)
    expect(ok.status).toBe(200)
    expect(ok.headers['content-security-policy']).toContain("script-src 'self'")
    expect((await raw(handle.port, `${prefix}assets/app.js`)).status).toBe(200)
    expect((await raw(handle.port, '/')).status).toBe(403)
    expect((await raw(handle.port, `/${'A'.repeat(32)}/`)).status).toBe(403)
    // DNS rebinding: the right secret, but the page was loaded under another name.
    expect((await raw(handle.port, prefix, { host: `attacker.example:${handle.port}` })).status).toBe(403)
    expect((await raw(handle.port, prefix, { host: '127.0.0.1:1' })).status).toBe(403)
    expect((await raw(handle.port, prefix, { host: `localhost:${handle.port}` })).status).toBe(200)
    expect((await raw(handle.port, `${prefix}..%2f..%2flinkscreen-outside.txt`)).status).toBe(404)
  })

  it('carries the contract: validated invokes, 4xx for bad requests', async () => {
    const call = (channel: string, body: string, type = 'application/json') => raw(handle.port, `${prefix}api/invoke/${channel}`, { method: 'POST', body, type })
    const list = await call('providers:list', '{"request":null}')
    expect(JSON.parse(list.body)).toEqual([{ id: 'ba', name: 'Better Auth', dialect: 'better-auth', builtIn: false }])
    expect((await call('providers:list', '{"request":null}', 'text/plain')).status).toBe(415)
    expect(JSON.parse((await call('auth:start', '{"request":')).body)).toMatchObject({ ok: false, code: 'invalid_request', message: 'request body is not JSON' })
    expect(JSON.parse((await call('auth:start', '{"request":{"providerId":"ba","x":1}}')).body)).toMatchObject({ ok: false, code: 'invalid_request' })
    expect(JSON.parse((await call('auth:steal', '{"request":null}')).body)).toMatchObject({ ok: false, code: 'unknown_channel' })
    expect((await call('auth:start', JSON.stringify({ request: { providerId: 'x'.repeat(20_000) } }))).status).toBe(413)
  })

  it('streams whole snapshots over SSE; the page never sees a token', async () => {
    const controller = new AbortController()
    const response = await fetch(`${handle.url}api/events`, { signal: controller.signal })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    const until = async (pattern: RegExp) => {
      for (let i = 0; i < 200 && !pattern.test(text); i++) text += new TextDecoder().decode((await reader.read()).value)
    }
    await until(/event: accounts:changed/)
    expect(text).toMatch(/^event: auth:snapshot\ndata: \{[^\n]*"status":"idle"/)
    await fetch(`${handle.url}api/invoke/auth:start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"request":{"providerId":"ba"}}' })
    await until(/"status":"waiting"/)
    const code = /"userCode":"([^"]+)"/.exec(text)?.[1]
    const user = await ba.signUp('Serve User')
    await ba.approve(String(code), user.token)
    await until(/"status":"authorized"/)
    await until(/event: accounts:changed\ndata: \[\{/)
    controller.abort()
    expect(text).toContain(user.email)
    // The session token the server issued is held by the service, never sent to the page.
    const session = await fetch(`${ba.baseUrl}/list-sessions`, { headers: { authorization: `Bearer ${user.token}` } })
    const tokens = ((await session.json()) as { token: string }[]).map((s) => s.token)
    expect(tokens.length).toBeGreaterThan(1)
    for (const token of tokens) expect(text).not.toContain(token)
  })
})
