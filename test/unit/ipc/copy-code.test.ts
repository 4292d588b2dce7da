/**
 * "Copy code" (issue #12, item 4). The session denies the page every permission, the
 * clipboard's included, so the page's `navigator.clipboard.writeText` fails in Electron; main
 * copies the code it holds instead (`clipboard:copy-code`). Checked from the renderer's action,
 * through the preload bridge and main's sender check, to the stand-in's `clipboard`.
 */
import * as electron from 'electron'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { hardenSession } from '../../../electron/adapters/window'
import type { ProviderConfig } from '../../../electron/core/config'
import { createHttp } from '../../../electron/core/http'
import type { AppInfo, PreloadApi } from '../../../electron/ipc/contract'
import { dispatch, type DispatchContext } from '../../../electron/ipc/dispatch'
import { handleInvoke, type SenderPolicy } from '../../../electron/ipc/handlers'
import { FlowService } from '../../../electron/services/flow-service'
import { createActions } from '../../../renderer/actions'
import { createPreloadBridge } from '../../../renderer/bridge'
import { useStore } from '../../../renderer/store'
import { receiveAppInfo, setNotice } from '../../../renderer/store/updates'
import { createFakeElectron, FakeWebContents, type FakeElectron } from '../../helpers/fake-electron'
import { FakeClock } from '../../helpers/fake-clock'
import { DEVICE_ENDPOINT, ScriptedServer, TOKEN_ENDPOINT, deviceResponse, oauthError } from '../../helpers/scripted-server'

const fake = electron as unknown as FakeElectron
const PROVIDER: ProviderConfig = { id: 'as', name: 'Example', dialect: 'oauth2', clientId: 'c', endpoints: { deviceAuthorization: DEVICE_ENDPOINT, token: TOKEN_ENDPOINT } }
const INFO: AppInfo = { kiosk: false, fixedProvider: null, locale: 'en', host: 'electron', storage: 'encrypted', notices: [] }

/** A service showing the code WDJB-MJHT (the scripted server's), polls pending for as long as asked. */
async function serviceWithCode(): Promise<FlowService> {
  const clock = new FakeClock()
  const server = new ScriptedServer(clock, Array.from({ length: 50 }, () => oauthError('authorization_pending')), [deviceResponse()])
  const service = new FlowService({
    providers: [{ view: { id: 'as', name: 'Example', dialect: 'oauth2', builtIn: false }, resolve: async () => PROVIDER }],
    deps: { http: createHttp({ fetch: server.fetch, clock }), clock },
  })
  const waiting = new Promise<void>((resolve) => service.onSnapshot((s) => s.status === 'waiting' && resolve()))
  await service.start('as')
  await clock.run(waiting)
  return service
}

describe('clipboard:copy-code in dispatch', () => {
  let service: FlowService
  beforeEach(async () => {
    service = await serviceWithCode()
  })
  afterEach(async () => {
    await service.close()
  })
  const context = (over: Partial<DispatchContext> = {}): DispatchContext => ({ service, info: INFO, copyText: (text) => fake.clipboard.writeText(text), ...over })

  it('copies exactly the code on screen, from main', async () => {
    expect(await dispatch(context(), 'clipboard:copy-code', null)).toEqual({ ok: true, value: null })
    expect(await fake.clipboard.readText()).toBe('WDJB-MJHT')
  })

  it('takes no text from the page: any payload is refused and nothing is written', async () => {
    const before = fake.clipboard.writes.length
    for (const request of [{ text: 'rm -rf ~' }, 'rm -rf ~', { code: 'X' }]) {
      await expect(dispatch(context(), 'clipboard:copy-code', request)).rejects.toMatchObject({ code: 'invalid_request' })
    }
    expect(fake.clipboard.writes.length).toBe(before)
  })

  it('refuses when no code is on screen, in kiosk mode, and where the host has no clipboard (serve)', async () => {
    const clock = new FakeClock()
    const idle = new FlowService({ providers: [], deps: { http: createHttp({ fetch: async () => new Response(null, { status: 500 }), clock }), clock } })
    expect(await dispatch({ service: idle, info: INFO, copyText: async () => undefined }, 'clipboard:copy-code', null)).toMatchObject({ ok: false, code: 'no_code' })
    const writes: string[] = []
    expect(await dispatch(context({ info: { ...INFO, kiosk: true }, copyText: async (t) => void writes.push(t) }), 'clipboard:copy-code', null)).toMatchObject({ ok: false, code: 'unavailable' })
    expect(await dispatch({ service, info: { ...INFO, host: 'serve' } }, 'clipboard:copy-code', null)).toMatchObject({ ok: false, code: 'unavailable' })
    expect(writes).toEqual([])
  })
})

describe('the Copy button in the app', () => {
  let service: FlowService
  const contents = new FakeWebContents()
  const policy: SenderPolicy = { contents: () => contents as unknown as Electron.WebContents, origin: 'app://linkscreen' }
  beforeEach(async () => {
    service = await serviceWithCode()
    fake.clipboard.clear()
    setNotice(null)
    useStore.setState({ app: null })
  })
  afterEach(async () => {
    await service.close()
  })

  /** What the preload exposes, each call going through main's `handleInvoke` as from the app's window. */
  function preloadApi(context: DispatchContext): PreloadApi {
    const event = { sender: contents, senderFrame: contents.mainFrame } as never
    return new Proxy({} as PreloadApi, { get: (_t, channel: string) => (request: unknown) => handleInvoke(context, policy, channel, event, [request]) })
  }

  it('copies the code through main, although the session denies the page the clipboard', async () => {
    hardenSession(fake.session.defaultSession as unknown as Electron.Session)
    // The page's own navigator.clipboard goes through the session's permission handlers.
    const pageClipboard = { writeText: (text: string) => fake.session.defaultSession.pageClipboardWrite(contents, text) }
    vi.stubGlobal('navigator', { clipboard: pageClipboard })
    try {
      // The old way fails in the app: the handlers deny 'clipboard-sanitized-write'.
      await expect(navigator.clipboard.writeText('WDJB-MJHT')).rejects.toMatchObject({ name: 'NotAllowedError' })
      expect(await fake.clipboard.readText()).toBe('')

      receiveAppInfo(INFO)
      const actions = createActions(createPreloadBridge(preloadApi({ service, info: INFO, copyText: (text) => fake.clipboard.writeText(text) })))
      expect(await actions.copyCode('WDJB-MJHT')).toBe(true)
      expect(await fake.clipboard.readText()).toBe('WDJB-MJHT')
      expect(useStore.getState().notice).toBeNull()
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('does not touch navigator.clipboard in the app', async () => {
    const writeText = vi.fn(async () => undefined)
    vi.stubGlobal('navigator', { clipboard: { writeText } })
    try {
      receiveAppInfo(INFO)
      const actions = createActions(createPreloadBridge(preloadApi({ service, info: INFO, copyText: async () => undefined })))
      expect(await actions.copyCode('WDJB-MJHT')).toBe(true)
      expect(writeText).not.toHaveBeenCalled()
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('says so when main cannot copy, and the app goes on', async () => {
    receiveAppInfo(INFO)
    const actions = createActions(createPreloadBridge(preloadApi({ service, info: INFO, copyText: async () => Promise.reject(new Error('clipboard busy')) })))
    expect(await actions.copyCode('WDJB-MJHT')).toBe(false)
    expect(useStore.getState().notice).toMatchObject({ code: 'copy_failed' })
  })

  it('served to a browser, the browser copies (serve has no clipboard of its own)', async () => {
    const writeText = vi.fn(async (_text: string) => undefined)
    vi.stubGlobal('navigator', { clipboard: { writeText } })
    try {
      receiveAppInfo({ ...INFO, host: 'serve' })
      const actions = createActions(createPreloadBridge(preloadApi({ service, info: { ...INFO, host: 'serve' } })))
      expect(await actions.copyCode('WDJB-MJHT')).toBe(true)
      expect(writeText).toHaveBeenCalledWith('WDJB-MJHT')
    } finally {
      vi.unstubAllGlobals()
    }
  })
})

describe("the stand-in's permission model is not hard-wired", () => {
  it('lets the page write the clipboard on a session without handlers, as Electron does', async () => {
    const fresh = createFakeElectron()
    const page = new FakeWebContents()
    await fresh.session.defaultSession.pageClipboardWrite(page, 'hello')
    expect(await fresh.clipboard.readText()).toBe('hello')
  })

  it('asks the request handler when the check is denied, and honours its answer', async () => {
    const fresh = createFakeElectron()
    const page = new FakeWebContents()
    const asked: string[] = []
    fresh.session.defaultSession.setPermissionCheckHandler(() => false)
    fresh.session.defaultSession.setPermissionRequestHandler((_c, permission, callback) => {
      asked.push(permission)
      callback(permission === 'clipboard-sanitized-write')
    })
    await fresh.session.defaultSession.pageClipboardWrite(page, 'granted')
    expect(asked).toEqual(['clipboard-sanitized-write'])
    expect(await fresh.clipboard.readText()).toBe('granted')
  })
})
