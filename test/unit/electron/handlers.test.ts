/**
 * Main's IPC handlers, registered on the `ipcMain` stand-in and called as Electron calls them:
 * the sender check comes first, every payload is validated, every failure is a refusal with
 * `{ ok: false, code, message }`, and every service event reaches the window.
 */
import * as electron from 'electron'
import { beforeEach, describe, expect, it } from 'vitest'
import { EVENT_CHANNELS, INVOKE_CHANNELS, type AppInfo } from '../../../electron/ipc/contract'
import { handleInvoke, isTrustedSender, setupIpc, type SenderPolicy } from '../../../electron/ipc/handlers'
import { createHttp } from '../../../electron/core/http'
import { FlowService, type ProviderEntry } from '../../../electron/services/flow-service'
import { FakeWebContents, type FakeElectron } from '../../helpers/fake-electron'
import { FakeClock } from '../../helpers/fake-clock'

const fake = electron as unknown as FakeElectron
const INFO: AppInfo = { kiosk: false, fixedProvider: null, locale: 'en-US', host: 'electron', storage: 'encrypted', notices: [] }

let contents: FakeWebContents
let policy: SenderPolicy
let service: FlowService
let undo: () => void
const opened: string[] = []

function makeService(providers: readonly ProviderEntry[] = []): FlowService {
  const clock = new FakeClock()
  return new FlowService({ providers, deps: { http: createHttp({ fetch: async () => new Response(null, { status: 503 }), clock }), clock } })
}

/** What Electron passes as the event of an invoke from `frame` in `sender`. */
function from(sender: unknown, frame: unknown) {
  return { sender, senderFrame: frame } as Parameters<typeof isTrustedSender>[0]
}

async function call(channel: string, event: Parameters<typeof isTrustedSender>[0], ...args: unknown[]): Promise<unknown> {
  const handler = fake.ipcMain.handlers.get(channel)
  if (!handler) throw new Error(`no handler for ${channel}`)
  return handler(event, ...args)
}

beforeEach(() => {
  undo?.()
  contents = new FakeWebContents()
  policy = { contents: () => contents as unknown as Electron.WebContents, origin: 'app://linkscreen' }
  service = makeService([{ view: { id: 'demo', name: 'Demo', dialect: 'oidc', builtIn: true }, resolve: async () => ({ id: 'demo', dialect: 'oidc', issuer: 'https://id.example.test', clientId: 'c' }) as never }])
  opened.length = 0
  undo = setupIpc(fake.ipcMain, { service, info: INFO, openExternal: async (url) => void opened.push(url) }, policy)
})

describe('registration', () => {
  it('registers exactly the contract channels and removes them again', () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort())
    undo()
    expect(fake.ipcMain.handlers.size).toBe(0)
    undo = setupIpc(fake.ipcMain, { service, info: INFO }, policy)
  })

  it('answers a trusted invoke with the service result', async () => {
    const event = from(contents, contents.mainFrame)
    expect(await call('app:info', event, null)).toEqual(INFO)
    expect(await call('providers:list', event, null)).toEqual([{ id: 'demo', name: 'Demo', dialect: 'oidc', builtIn: true }])
    expect(await call('auth:state', event, null)).toMatchObject({ status: 'idle' })
    expect(await call('auth:renew', event, null)).toMatchObject({ ok: false, code: 'no_flow' })
  })
})

describe('the sender check', () => {
  it('refuses another window', async () => {
    const other = new FakeWebContents()
    expect(await call('app:info', from(other, other.mainFrame), null)).toEqual({ ok: false, code: 'forbidden_sender', message: expect.stringContaining('outside') })
  })

  it('refuses a subframe of the app window', async () => {
    expect(await call('providers:list', from(contents, { url: 'app://linkscreen/index.html' }), null)).toMatchObject({ ok: false, code: 'forbidden_sender' })
  })

  it('refuses the main frame once it shows another origin', async () => {
    contents.mainFrame.url = 'https://evil.example/'
    expect(await call('accounts:list', from(contents, contents.mainFrame), null)).toMatchObject({ ok: false, code: 'forbidden_sender' })
  })

  it('refuses a destroyed frame (senderFrame null) and a closed window', async () => {
    expect(await call('auth:state', from(contents, null), null)).toMatchObject({ ok: false, code: 'forbidden_sender' })
    policy = { contents: () => undefined, origin: 'app://linkscreen' }
    expect(await handleInvoke({ service, info: INFO }, policy, 'auth:state', from(contents, contents.mainFrame), [null])).toMatchObject({ code: 'forbidden_sender' })
  })

  it('does not act on a refused message', async () => {
    const other = new FakeWebContents()
    await call('auth:start', from(other, other.mainFrame), { providerId: 'demo' })
    expect(service.state().status).toBe('idle')
  })
})

describe('payload validation', () => {
  const trusted = () => from(contents, contents.mainFrame)
  const BAD: [string, string, unknown[], string][] = [
    ['a wrong type', 'auth:start', [{ providerId: 42 }], 'invalid_request'],
    ['extra keys', 'auth:start', [{ providerId: 'demo', scope: 'admin' }], 'invalid_request'],
    ['a 10 MB string', 'accounts:sign-out', [{ accountId: 'a'.repeat(10 * 1024 * 1024) }], 'request_too_large'],
    ['a payload where none is taken', 'auth:cancel', [{ force: true }], 'invalid_request'],
    ['two arguments', 'auth:start', [{ providerId: 'demo' }, 'extra'], 'invalid_request'],
    ['no object at all', 'accounts:sign-out', ['demo:alice'], 'invalid_request'],
  ]
  for (const [name, channel, args, code] of BAD) {
    it(`answers ${name} with a refusal, never a throw`, async () => {
      const answer = await call(channel, trusted(), ...args)
      expect(answer).toMatchObject({ ok: false, code })
      expect(typeof (answer as { message: unknown }).message).toBe('string')
    })
  }

  it('answers an unknown channel with a refusal', async () => {
    expect(await handleInvoke({ service, info: INFO }, policy, 'tokens:dump', trusted(), [null])).toMatchObject({ ok: false, code: 'unknown_channel' })
  })

  it('turns a failing service into internal_error and reports it', async () => {
    const broken = { ...service, listAccounts: () => { throw new Error('disk on fire') } } as unknown as FlowService
    const reported: unknown[] = []
    const answer = await handleInvoke({ service: broken, info: INFO }, policy, 'accounts:list', trusted(), [null], (e) => reported.push(e))
    expect(answer).toEqual({ ok: false, code: 'internal_error', message: 'accounts:list: the app could not complete this request' })
    expect(reported).toHaveLength(1)
  })

  it('keeps working after bad messages', async () => {
    await call('auth:start', trusted(), { providerId: 7 })
    await call('auth:start', trusted(), 'x'.repeat(5_000_000))
    expect(await call('providers:list', trusted(), null)).toHaveLength(1)
  })
})

describe('opening the verification page', () => {
  it('refuses when no code is on screen', async () => {
    expect(await call('shell:open-verification', from(contents, contents.mainFrame), null)).toMatchObject({ ok: false, code: 'no_code' })
    expect(opened).toEqual([])
  })
})

describe('events to the window', () => {
  it('forwards every event channel of the contract', async () => {
    const listeners = new Set<() => void>()
    undo()
    undo = setupIpc(fake.ipcMain, { service, info: INFO, onInfo: (l) => (listeners.add(l), () => listeners.delete(l)) }, policy)
    await service.start('demo')
    await service.setProviders([])
    for (const l of listeners) l()
    await service.restore()
    await service.close()
    const channels = new Set(contents.sent.map((s) => s.channel))
    expect([...channels].sort()).toEqual([...EVENT_CHANNELS].sort())
  })

  it('sends nothing to a destroyed window', async () => {
    contents.destroyed = true
    await service.start('demo')
    await service.close()
    expect(contents.sent).toEqual([])
  })
})
