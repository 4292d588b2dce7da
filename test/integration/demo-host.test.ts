/**
 * The demo provider's Host and Origin checks (issue #13, finding 4), with raw HTTP requests so
 * that the headers are exactly what a DNS-rebinding page or a cross-site form would send.
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CLIENT_ID, startDemoServer, type DemoServer } from '../../electron/demo/demo-server'

function raw(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => (text += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('demo provider: Host and Origin', () => {
  let srv: DemoServer
  let port: number
  beforeAll(async () => {
    srv = await startDemoServer({ quiet: true })
    port = Number(new URL(srv.issuer).port)
  })
  afterAll(() => srv.close())

  const discovery = (host: string) => raw(port, '/.well-known/openid-configuration', { host })

  it('answers only requests addressed to itself (DNS rebinding is refused)', async () => {
    expect((await discovery(`127.0.0.1:${port}`)).status).toBe(200)
    expect((await discovery(`localhost:${port}`)).status).toBe(200)
    const rebound = await discovery(`evil.example:${port}`)
    expect(rebound.status).toBe(403)
    expect(rebound.body).toContain(`answers only requests addressed to 127.0.0.1:${port}`)
    expect(rebound.body).not.toContain('issuer')
    expect((await discovery('evil.example')).status).toBe(403)
    expect((await discovery('127.0.0.1:1')).status).toBe(403)
    expect((await raw(port, '/device', { host: `evil.example:${port}` })).status).toBe(403)
    expect((await raw(port, '/interaction/abc', { host: `evil.example:${port}` })).status).toBe(403)
  })

  it('refuses a state-changing request from another site, and takes it from this machine', async () => {
    const form = new URLSearchParams({ client_id: DEMO_CLIENT_ID, scope: 'openid' }).toString()
    const post = (origin?: string) =>
      raw(port, '/device/auth', { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) }, 'POST', form)
    expect((await post()).status).toBe(200)
    expect((await post(srv.issuer)).status).toBe(200)
    expect((await post('http://localhost:5173')).status).toBe(200)
    const crossSite = await post('https://evil.example')
    expect(crossSite.status).toBe(403)
    expect(crossSite.body).toContain('from pages on this machine (127.0.0.1) only')
    expect((await post('null')).status).toBe(403)
    // The verification page's form, posted from another site.
    const device = await raw(port, '/device', { host: `127.0.0.1:${port}`, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 'POST', 'user_code=ABCD-EFGH&xsrf=x')
    expect(device.status).toBe(403)
  })
})
