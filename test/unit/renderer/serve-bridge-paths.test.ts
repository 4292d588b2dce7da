/**
 * The serve-mode bridge reaches serve's API at `/api/` on the page's origin, whatever the page's
 * path: the browser's session cookie authorises it, so no secret path is needed or kept.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createHttpBridge } from '../../../renderer/bridge'

describe('the serve-mode bridge', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('calls /api/invoke/… on the page origin, not under the page path', async () => {
    const urls: string[] = []
    vi.stubGlobal('fetch', async (url: URL | string) => {
      urls.push(String(url))
      return new Response('null', { status: 200, headers: { 'content-type': 'application/json' } })
    })
    for (const page of ['http://127.0.0.1:4000/', 'http://127.0.0.1:4000/?ticket=abc', 'http://127.0.0.1:4000/some/old-secret/']) {
      await createHttpBridge(page).invoke('log:get', null)
    }
    expect(urls).toEqual(Array.from({ length: 3 }, () => 'http://127.0.0.1:4000/api/invoke/log:get'))
  })
})
