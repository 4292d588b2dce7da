/**
 * Issue #14 on the CLI: `linkscreen login --retry SECONDS` asks for a code again through 5xx and
 * network trouble (none by default), and `--json` says why a poll failed (`poll` with
 * `result: "network_error"` and a `reason`, the portal's `host`). Against a real HTTP server on
 * 127.0.0.1 playing a provider behind a hotel network.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../../electron/cli/main'
import { captureIo } from '../../helpers/cli-io'

let server: Server | undefined

afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

/** A provider whose code endpoint fails `busy` times with 503, and whose first poll gets a portal page. */
async function hotelProvider(busy: number): Promise<{ config: string; codeRequests: () => number }> {
  let codes = 0
  let polls = 0
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const origin = `http://127.0.0.1:${(server?.address() as AddressInfo).port}`
      if (req.url === '/device') {
        codes += 1
        if (codes <= busy) return void res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>503 Service Unavailable</h1>')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ device_code: 'dc-1', user_code: 'HOTEL-TV', verification_uri: `${origin}/activate`, expires_in: 60, interval: 1 }))
      }
      if (req.url === '/token') {
        polls += 1
        if (polls === 1) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><a href="https://wifi.hotel.test/terms">Accept the terms</a></html>')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'at-1', token_type: 'Bearer' }))
      }
      res.writeHead(404).end()
    })
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const dir = await mkdtemp(join(tmpdir(), 'linkscreen-retry-'))
  const config = join(dir, 'providers.json')
  await writeFile(config, JSON.stringify({ providers: [{ id: 'hotel', dialect: 'oauth2', clientId: 'tv', endpoints: { deviceAuthorization: `${origin}/device`, token: `${origin}/token` } }] }))
  return { config, codeRequests: () => codes }
}

async function login(args: string[]) {
  const cap = captureIo()
  const status = await main(['login', '--provider', 'hotel', '--json', ...args], { io: cap.io, env: {} })
  return { status, events: cap.events() as Record<string, unknown>[], err: cap.err() }
}

describe('linkscreen login on a hotel network', () => {
  it('--retry: two 503s on the code request, then a code; a portal page on a poll is a network_error with its reason', async () => {
    const { config, codeRequests } = await hotelProvider(2)
    const { status, events } = await login(['--config', config, '--retry', '20'])
    expect(status).toBe(0)
    expect(codeRequests()).toBe(3)
    expect(events.map((e) => e['event'])).toEqual(['retrying', 'retrying', 'code', 'poll', 'authorized'])
    expect(events[0]).toMatchObject({ event: 'retrying', provider: 'hotel', attempt: 2, reason: 'server_error', code: 'server_error' })
    expect(events[0]?.['message']).toMatch(/^hotel: device authorization: HTTP 503 \(text\/html\) that is not JSON$/)
    expect(events[3]).toMatchObject({ event: 'poll', result: 'network_error', reason: 'captive_portal', host: 'wifi.hotel.test' })
  })

  it('without --retry, the first 503 ends the sign-in (exit 1, server_error)', async () => {
    const { config, codeRequests } = await hotelProvider(1)
    const { status, events } = await login(['--config', config])
    expect(status).toBe(1)
    expect(codeRequests()).toBe(1)
    expect(events.at(-1)).toMatchObject({ event: 'error', code: 'server_error' })
  })

  it('--retry must be a number of seconds', async () => {
    const { status, err } = await login(['--retry', 'soon'])
    expect(status).toBe(4)
    expect(err).toContain('--retry must be a number, got "soon"')
  })
})
