/**
 * No secret at rest or in transit to the page. Full flows against the real demo server
 * (oidc-provider), whose token and device-code answers are captured server-side; then every
 * place a secret could leak is scanned for each captured value:
 *
 * - every payload the screen received (HTTP answers and server-sent events) and its final DOM,
 *   through `linkscreen serve` in Chromium;
 * - the CLI's stdout and stderr with `--json --verbose`, and its `--log` file;
 * - the QA flow log the app would export;
 * - the account vault's folder (`electron-store` file, encrypted with the `safeStorage` stand-in:
 *   this checks that our code never writes a token outside the ciphertext).
 *
 * The Electron end-to-end test scans the real app's user-data folder where a binary exists.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import Store from 'electron-store'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import { openVault } from '../../electron/adapters/vault'
import { main } from '../../electron/cli/main'
import type { ProviderConfig } from '../../electron/core/config'
import { createHttp } from '../../electron/core/http'
import { startDemoServer, type DemoServer } from '../../electron/demo/demo-server'
import type { FlowSnapshot } from '../../electron/ipc/contract'
import { FlowService } from '../../electron/services/flow-service'
import { captureIo } from '../helpers/cli-io'
import type { FakeElectron } from '../helpers/fake-electron'
import { actOnDemoCode } from '../servers/demo-approve'
import { HAS_CHROMIUM, SKIP_REASON, entry, launchChromium, openScreen } from './support/screen-harness'

const fake = electron as unknown as FakeElectron
const SECRET_KEYS = ['access_token', 'refresh_token', 'id_token', 'device_code'] as const

let server: DemoServer
let dir: string
/** Every token and device code the server handed out. */
const secrets = new Set<string>()
let config: ProviderConfig

function scan(where: string, text: string): void {
  expect(secrets.size, 'secrets captured').toBeGreaterThan(0)
  for (const secret of secrets) {
    expect(text.includes(secret), `${where} contains a secret (${secret.slice(0, 6)}…)`).toBe(false)
    // A JWT's signature part alone is also a leak.
    const signature = secret.split('.')[2]
    if (signature && signature.length > 16) expect(text.includes(signature), `${where} contains an ID token signature`).toBe(false)
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-secret-scan-'))
  server = await startDemoServer({
    intervalSeconds: 1,
    quiet: true,
    middleware: async (ctx, next) => {
      await next()
      const body = ctx.body as Record<string, unknown> | undefined
      if (body && typeof body === 'object') for (const key of SECRET_KEYS) if (typeof body[key] === 'string') secrets.add(body[key] as string)
    },
  })
  config = { id: 'op', name: 'Scan OP', dialect: 'oidc', issuer: server.issuer, clientId: server.clientId, scope: 'openid profile email offline_access' }
})

afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

function until(service: FlowService, status: FlowSnapshot['status']): Promise<FlowSnapshot> {
  return new Promise((resolve, reject) => {
    if (service.state().status === status) return resolve(service.state())
    const timer = setTimeout(() => reject(new Error(`no ${status} snapshot`)), 20_000)
    const off = service.onSnapshot((s) => {
      if (s.status === status) {
        clearTimeout(timer)
        off()
        resolve(s)
      }
    })
  })
}

describe('the account vault and the QA flow log', () => {
  it('hold no token or device code in the clear: with a code on screen, after sign-in and after a refresh', async () => {
    const userData = join(dir, 'user-data')
    fake.app.becomeReady()
    const opened = await openVault({
      safeStorage: fake.safeStorage,
      storePath: join(userData, 'accounts.json'),
      openStore: () => new Store({ name: 'accounts', cwd: userData, clearInvalidConfig: false }),
      platform: 'linux',
      allowWeak: false,
      now: () => Date.now(),
    })
    // The stand-in's default machine has an unlocked keyring: the vault must really write to disk here.
    expect(opened.storage).toBe('encrypted')
    const service = new FlowService({ providers: [entry(config)], vault: opened.vault, deps: { http: createHttp({ fetch, clock: systemClock }), clock: systemClock } })
    await service.start('op')
    const waiting = await until(service, 'waiting')
    await new Promise((r) => setTimeout(r, 1500)) // a pending poll first, and the code written to the vault
    scan('the vault with a code on screen', (await readFile(join(userData, 'accounts.json'), 'utf8')))
    await actOnDemoCode({ verificationUri: String(waiting.verificationUri), userCode: String(waiting.userCode), name: 'Scan Me', decision: 'approve' })
    const done = await until(service, 'authorized')
    const id = String(done.account?.id)
    expect((await service.refreshAccount(id)).ok).toBe(true)
    scan('the QA flow log', JSON.stringify(service.flowLog()))
    scan('the published state', JSON.stringify([service.state(), service.listAccounts()]))
    await service.close()
    for (const file of await readdir(userData, { recursive: true })) {
      const path = join(userData, String(file))
      const text = await readFile(path, 'latin1').catch(() => '')
      scan(path, text)
    }
  })
})

describe('the CLI', () => {
  it('prints and logs no token or device code (--json --verbose --log)', async () => {
    const configPath = join(dir, 'providers.json')
    const logPath = join(dir, 'flow-log.json')
    await writeFile(configPath, JSON.stringify({ providers: [config] }))
    const cap = captureIo()
    const running = main(['login', '--provider', 'op', '--config', configPath, '--json', '--verbose', '--log', logPath, '--timeout', '60'], { io: cap.io, env: {} })
    const code = await cap.waitForEvent('code', 20_000)
    await cap.waitForEvent('poll', 20_000)
    await actOnDemoCode({ verificationUri: String(code['verification_uri']), userCode: String(code['user_code']), name: 'CLI Scan', decision: 'approve' })
    expect(await running).toBe(0)
    scan('CLI stdout', cap.out())
    scan('CLI stderr', cap.err())
    scan('the --log file', await readFile(logPath, 'utf8'))
  })
})

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'the screen in Chromium' : SKIP_REASON, () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(() => browser?.close())

  it('receives no token or device code, in any payload or in its page', async () => {
    const screen = await openScreen(browser, [entry(config)])
    try {
      await screen.service.start('op')
      const waiting = await until(screen.service, 'waiting')
      await screen.page.locator('.user-code__text').waitFor()
      await actOnDemoCode({ verificationUri: String(waiting.verificationUri), userCode: String(waiting.userCode), name: 'Screen Scan', decision: 'approve' })
      await until(screen.service, 'authorized')
      await expect.poll(() => screen.page.locator('main').innerText(), { timeout: 15_000 }).toContain('Screen Scan')
      scan('what the page received', await screen.received())
      scan('the page', await screen.page.content())
    } finally {
      await screen.close()
    }
  })
})
