/**
 * main.ts sends provider traffic through the net adapter (electron/adapters/net-fetch.ts), in
 * the providers' own session: a provider that redirects its device endpoint and sets a cookie
 * gets an answer about the redirect (not "the request failed"), and no cookie lands in the
 * window's session. With the old `net.fetch` wiring both fail on the stand-in's model.
 */
import { createServer, type Server } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FlowSnapshot } from '../../../electron/ipc/contract'
import type { FakeElectron, FakeWebContents } from '../../helpers/fake-electron'
import type { FakeNetSession } from '../../helpers/fake-net'
import { until } from '../../helpers/until'

const fake = electron as unknown as FakeElectron
const savedArgv = process.argv
let dir: string
let server: Server
const seen: string[] = []


beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    if (req.url === '/device') return void res.writeHead(302, { location: '/elsewhere', 'set-cookie': 'tracker=1; Path=/' }).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-main-net-'))
  const configPath = join(dir, 'providers.json')
  const provider = { id: 'moved', name: 'Moved', dialect: 'oauth2', clientId: 'tv', endpoints: { deviceAuthorization: `${base}/device`, token: `${base}/token` } }
  await writeFile(configPath, JSON.stringify({ app: { allowWeakTokenStorage: true }, providers: [provider] }))
  process.argv = ['/opt/linkscreen', '.', '--user-data-dir', join(dir, 'user-data'), '--config', configPath]
  await import('../../../electron/main')
  fake.app.becomeReady()
  await until('the page to load', () => (fake.BrowserWindow.created[0] as unknown as { loaded?: string } | undefined)?.loaded)
})

afterAll(async () => {
  process.argv = savedArgv
  server.closeAllConnections()
  server.close()
  await rm(dir, { recursive: true, force: true })
})

it("a provider's redirect is reported as such, and its cookie is kept nowhere", async () => {
  const contents = (fake.BrowserWindow.created[0] as unknown as { webContents: FakeWebContents }).webContents
  const start = fake.ipcMain.handlers.get('auth:start')
  if (!start) throw new Error('no auth:start handler')
  await start({ sender: contents, senderFrame: contents.mainFrame }, { providerId: 'moved' })
  const failed = await until('the flow to fail', () => {
    const snapshots = contents.sent.filter((m) => m.channel === 'auth:snapshot').map((m) => m.payload as FlowSnapshot)
    return snapshots.find((s) => s.error !== null)
  })
  expect(seen).toEqual(['POST /device'])
  expect(failed.error?.message).toMatch(/302/)
  expect(failed.error?.message).not.toMatch(/the request failed before a response arrived/)
  expect(await fake.session.defaultSession.cookies.get({})).toEqual([])
  const providers = fake.session.fromPartition('linkscreen-providers') as unknown as FakeNetSession
  expect(providers.isPersistent()).toBe(false)
  expect(await providers.cookies.get({})).toEqual([])
})
