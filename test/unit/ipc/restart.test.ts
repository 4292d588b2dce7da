/**
 * `app:restart` in dispatch: offered only while the keystore needs a restart (Electron asks it
 * once per process), never in kiosk mode or serve mode, and refused while more accounts that
 * only memory holds would be lost than the user agreed to lose (the count the screen showed).
 */
import { describe, expect, it } from 'vitest'
import type { AppInfo } from '../../../electron/ipc/contract'
import { dispatch, type DispatchContext } from '../../../electron/ipc/dispatch'
import type { FlowService } from '../../../electron/services/flow-service'

/** `app:restart` never reaches the service: any use of it fails the test. */
const service = new Proxy({}, { get: (_t, name) => { throw new Error(`app:restart used the service (${String(name)})`) } }) as FlowService
const LOCKED: AppInfo = { kiosk: false, fixedProvider: null, locale: 'en', host: 'electron', storage: 'locked', keystoreRetry: 'restart', unsavedAccounts: 0, notices: [] }

function context(info: Partial<AppInfo>, withRestart = true): { context: DispatchContext; restarts: () => number } {
  let restarts = 0
  return { context: { service, info: { ...LOCKED, ...info }, ...(withRestart ? { restart: () => void (restarts += 1) } : {}) }, restarts: () => restarts }
}

describe('app:restart in dispatch', () => {
  it('restarts when only a restart can open the keystore and nothing would be lost', async () => {
    const c = context({})
    expect(await dispatch(c.context, 'app:restart', { discardUnsaved: 0 })).toEqual({ ok: true, value: null })
    expect(c.restarts()).toBe(1)
  })

  it('refuses while more accounts would be lost than the user agreed to (one signed in meanwhile), then restarts', async () => {
    const c = context({ unsavedAccounts: 2 })
    expect(await dispatch(c.context, 'app:restart', { discardUnsaved: 0 })).toMatchObject({ ok: false, code: 'unsaved_accounts', message: expect.stringContaining('2 accounts') })
    expect(await dispatch(c.context, 'app:restart', { discardUnsaved: 1 })).toMatchObject({ ok: false, code: 'unsaved_accounts' })
    expect(c.restarts()).toBe(0)
    expect(await dispatch(c.context, 'app:restart', { discardUnsaved: 2 })).toEqual({ ok: true, value: null })
    expect(c.restarts()).toBe(1)
  })

  it.each<[string, Partial<AppInfo>, boolean]>([
    ['a kiosk', { kiosk: true }, true],
    ['a keystore a retry may open', { keystoreRetry: 'now' }, true],
    ['an app that cannot restart itself (an AppImage)', { keystoreRetry: 'start-again' }, true],
    ['a keystore that is open', { storage: 'encrypted' }, true],
    ['serve mode (no restart at all)', { host: 'serve' }, false],
  ])('refuses in %s', async (_name, info, withRestart) => {
    const c = context(info, withRestart)
    expect(await dispatch(c.context, 'app:restart', { discardUnsaved: 5 })).toMatchObject({ ok: false, code: 'unavailable' })
    expect(c.restarts()).toBe(0)
  })

  it.each([null, {}, { discardUnsaved: true }, { discardUnsaved: -1 }, { discardUnsaved: 1.5 }, { discardUnsaved: '2' }, { discardUnsaved: 1e9 }, { discardUnsaved: 0, extra: 1 }])(
    'rejects the request %j',
    async (request) => {
      const c = context({})
      await expect(dispatch(c.context, 'app:restart', request)).rejects.toMatchObject({ code: 'invalid_request' })
      expect(c.restarts()).toBe(0)
    },
  )
})
