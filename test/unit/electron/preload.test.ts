/**
 * The preload on the `electron` stand-in: it exposes one function per contract entry and
 * nothing else, each sends only its own channel, and listeners never see IPC event objects.
 */
import * as electron from 'electron'
import { beforeAll, describe, expect, it } from 'vitest'
import { EVENT_CHANNELS, INVOKE_CHANNELS, type PreloadApi } from '../../../electron/ipc/contract'
import { SAMPLE_REQUESTS } from '../../helpers/contract-samples'
import type { FakeElectron } from '../../helpers/fake-electron'

const fake = electron as unknown as FakeElectron
let api: PreloadApi

beforeAll(async () => {
  await import('../../../electron/preload/index')
  api = fake.contextBridge.exposed.get('linkscreen') as PreloadApi
})

describe('the preload', () => {
  it('exposes window.linkscreen only, with one function per contract entry', () => {
    expect([...fake.contextBridge.exposed.keys()]).toEqual(['linkscreen'])
    expect(Object.keys(api).sort()).toEqual([...INVOKE_CHANNELS, ...EVENT_CHANNELS].sort())
    for (const value of Object.values(api)) expect(typeof value).toBe('function')
  })

  it('never hands out ipcRenderer', () => {
    for (const value of Object.values(api)) expect(value).not.toBe(fake.ipcRenderer)
    expect(JSON.stringify(Object.keys(api))).not.toMatch(/ipc|send|invoke/i)
  })

  it('sends each invoke on its own channel, with one argument', async () => {
    for (const channel of INVOKE_CHANNELS) {
      fake.ipcRenderer.invoked.length = 0
      const request = SAMPLE_REQUESTS[channel]
      await (api[channel] as (r: unknown) => Promise<unknown>)(request)
      expect(fake.ipcRenderer.invoked).toEqual([{ channel, args: [request] }])
    }
  })

  it('delivers event payloads without the IPC event, and unsubscribes', () => {
    const seen: unknown[] = []
    const off = api['auth:snapshot']((payload) => seen.push(payload))
    fake.ipcRenderer.emit('auth:snapshot', { sender: 'secret internals' }, { seq: 1 })
    expect(seen).toEqual([{ seq: 1 }])
    off()
    fake.ipcRenderer.emit('auth:snapshot', {}, { seq: 2 })
    expect(seen).toHaveLength(1)
    expect(fake.ipcRenderer.listenerCount('auth:snapshot')).toBe(0)
  })

  it('refuses a listener that is not a function', () => {
    expect(() => (api['accounts:changed'] as (l: unknown) => unknown)('nope')).toThrow(TypeError)
  })
})
