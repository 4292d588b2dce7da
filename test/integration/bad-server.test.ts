/**
 * Bad answers from a real (local) HTTP server, through `linkscreen login`: each ends with a
 * specific error event and exit status 1, and nothing crashes.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../electron/cli/main'
import { captureIo } from '../helpers/cli-io'

const device = (origin: string, patch: Record<string, unknown> = {}) =>
  JSON.stringify({ device_code: 'DEVICE-SECRET-1234', user_code: 'ABCD-EFGH', verification_uri: `${origin}/activate`, expires_in: 30, interval: 1, ...patch })

/** scenario → [status, content type, body] for the device authorization endpoint. */
const SCENARIOS: Record<string, (origin: string) => [number, string, string | Buffer]> = {
  html: () => [502, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
  'html-200': () => [200, 'text/html', '<!doctype html><title>Login</title>'],
  malformed: () => [200, 'application/json', '{"device_code": "x", "user_code": '],
  missing: (o) => [200, 'application/json', device(o, { user_code: undefined })],
  'ill-typed': (o) => [200, 'application/json', device(o, { expires_in: 'ten minutes' })],
  'zero-interval': (o) => [200, 'application/json', device(o, { interval: 0 })],
  'absurd-expiry': (o) => [200, 'application/json', device(o, { expires_in: 10 ** 9 })],
  insecure: (o) => [200, 'application/json', device(o, { verification_uri: 'http://phish.example/activate' })],
  huge: () => [200, 'application/json', Buffer.alloc(2 * 1024 * 1024, 0x20)],
  'invalid-client': () => [401, 'application/json', JSON.stringify({ error: 'invalid_client', error_description: 'Client authentication failed' })],
}

const EXPECTED: Record<string, [string, string]> = {
  html: ['server_error', 'HTTP 502 (text/html) that is not JSON'],
  // Issue #14: a page or a cut-off body is the network's answer, not the provider's (retried with --retry).
  'html-200': ['network_answer', 'the network answered with a web page instead of the provider; this network may need you to sign in to it (HTTP 200)'],
  malformed: ['network_answer', 'the answer was cut off before it ended (HTTP 200)'],
  missing: ['invalid_response', '"user_code"'],
  'ill-typed': ['invalid_response', 'body "expires_in" property must be a number'],
  'zero-interval': ['invalid_response', 'interval'],
  'absurd-expiry': ['invalid_response', '"expires_in" must be between 1 and 86400 seconds'],
  insecure: ['insecure_url', '"verification_uri" must use https:'],
  huge: ['response_too_large', 'exceeds the 1048576-byte limit'],
  'invalid-client': ['oauth_error', 'invalid_client (Client authentication failed)'],
}

describe('a server that answers badly', () => {
  let server: Server
  let config: string
  beforeAll(async () => {
    server = createServer((req, res) => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const scenario = req.url?.split('/')[1] ?? ''
      const make = SCENARIOS[scenario]
      req.resume()
      if (!make) return void res.writeHead(404).end()
      const [status, type, body] = make(origin)
      res.writeHead(status, { 'content-type': type }).end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const providers = Object.keys(SCENARIOS).map((id) => ({
      id,
      dialect: 'oauth2',
      clientId: 'tv',
      endpoints: { deviceAuthorization: `${origin}/${id}/device`, token: `${origin}/${id}/token` },
    }))
    const dir = await mkdtemp(join(tmpdir(), 'linkscreen-bad-'))
    config = join(dir, 'providers.json')
    await writeFile(config, JSON.stringify({ providers }))
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  for (const [scenario, [code, message]] of Object.entries(EXPECTED)) {
    it(`${scenario}: error ${code}, exit 1`, async () => {
      const cap = captureIo()
      const status = await main(['login', '--provider', scenario, '--config', config, '--json'], { io: cap.io })
      expect(status).toBe(1)
      const events = cap.events()
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({ event: 'error', provider: scenario, code })
      expect(String(events[0]?.['message'])).toContain(message)
      expect(cap.out() + cap.err()).not.toContain('DEVICE-SECRET-1234')
    })
  }
})
