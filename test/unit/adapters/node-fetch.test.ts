import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeFetch, matchesNoProxy, proxyFor } from '../../../electron/adapters/node-fetch'

describe('proxy selection from HTTPS_PROXY / HTTP_PROXY / NO_PROXY', () => {
  const env = { HTTPS_PROXY: 'http://proxy.corp:3128', HTTP_PROXY: 'http://proxy.corp:8080' }
  it.each([
    ['https://login.example.com/x', env, 'http://proxy.corp:3128'],
    ['http://login.example.com/x', env, 'http://proxy.corp:8080'],
    ['https://login.example.com/x', { https_proxy: 'http://lower:1' }, 'http://lower:1'],
    ['https://login.example.com/x', { http_proxy: 'http://lower:1' }, undefined],
    ['https://login.example.com/x', { HTTPS_PROXY: 'proxy.corp:3128' }, 'http://proxy.corp:3128'],
    ['https://login.example.com/x', {}, undefined],
    ['http://127.0.0.1:3000/x', env, undefined],
    ['http://localhost:3000/x', env, undefined],
    ['https://login.example.com/x', { ...env, NO_PROXY: 'example.com' }, undefined],
    ['https://login.example.com/x', { ...env, no_proxy: '.example.com' }, undefined],
    ['https://login.example.com/x', { ...env, NO_PROXY: '*.example.com' }, undefined],
    ['https://login.example.com/x', { ...env, NO_PROXY: 'other.com, ample.com' }, 'http://proxy.corp:3128'],
    ['https://login.example.com/x', { ...env, NO_PROXY: 'login.example.com:8443' }, 'http://proxy.corp:3128'],
    ['https://login.example.com:8443/x', { ...env, NO_PROXY: 'login.example.com:8443' }, undefined],
    ['https://login.example.com/x', { ...env, NO_PROXY: '*' }, undefined],
  ])('%s with %j → %s', (url, e, expected) => {
    expect(proxyFor(new URL(url), e)).toBe(expected)
  })

  it('matches IPv6 literals', () => {
    expect(matchesNoProxy(new URL('https://[2001:db8::1]/'), '2001:db8::1')).toBe(true)
  })
})

describe('requests really go through the proxy', () => {
  let proxy: Server
  let seen: { method?: string | undefined; url?: string | undefined; host?: string | undefined }[]
  beforeAll(async () => {
    seen = []
    proxy = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, host: req.headers.host })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"via":"proxy"}')
    })
    // A CONNECT for an https: target is recorded and refused (nothing leaves this machine).
    proxy.on('connect', (req, socket) => {
      seen.push({ method: req.method, url: req.url })
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  })
  afterAll(() => {
    proxy.closeAllConnections()
    proxy.close()
  })

  it('an http: request to a proxied host is sent to HTTP_PROXY in absolute form', async () => {
    const port = (proxy.address() as AddressInfo).port
    const fetch = createNodeFetch({ HTTP_PROXY: `http://127.0.0.1:${port}` })
    const response = await fetch('http://provider.invalid/token', { method: 'POST', body: 'x=1' })
    expect(await response.json()).toEqual({ via: 'proxy' })
    expect(seen).toEqual([{ method: 'POST', url: 'http://provider.invalid/token', host: 'provider.invalid' }])
  })

  it('an https: request is tunnelled through HTTPS_PROXY with CONNECT', async () => {
    seen = []
    const port = (proxy.address() as AddressInfo).port
    const fetch = createNodeFetch({ HTTPS_PROXY: `http://127.0.0.1:${port}` })
    await expect(fetch('https://provider.invalid/token', { method: 'POST', body: 'x=1' })).rejects.toThrow()
    expect(seen).toEqual([{ method: 'CONNECT', url: 'provider.invalid:443' }])
  })

  it('loopback hosts are never proxied, even with HTTP_PROXY set', async () => {
    seen = []
    const port = (proxy.address() as AddressInfo).port
    const fetch = createNodeFetch({ HTTP_PROXY: 'http://127.0.0.1:9' })
    const response = await fetch(`http://127.0.0.1:${port}/direct`, { method: 'GET' })
    expect(response.status).toBe(200)
    expect(seen).toEqual([{ method: 'GET', url: '/direct', host: `127.0.0.1:${port}` }])
  })
})
