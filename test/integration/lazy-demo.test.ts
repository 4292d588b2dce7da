/**
 * The demo provider as the app, the CLI and serve start it (`lazyDemo`, issue #16): its signing
 * key is made while its modules load, `warm()` does both ahead of the first sign-in without
 * listening, and a failed warm-up is not kept. The ID tokens stay RS256 (one RSA key in the JWKS).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'

const failures = vi.hoisted(() => ({ left: 0 }))
vi.mock('../../electron/demo/keys', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../electron/demo/keys')>()
  return {
    generateDemoJwks: async () => {
      if (failures.left > 0) {
        failures.left--
        throw new Error('no key this time')
      }
      return real.generateDemoJwks()
    },
  }
})

const { DEMO_PROVIDER, lazyDemo } = await import('../../electron/services/providers')

const json = async (url: string): Promise<Record<string, unknown>> => (await fetch(url)).json() as Promise<Record<string, unknown>>

describe('lazyDemo', () => {
  afterEach(() => {
    failures.left = 0
  })

  it('warm() makes the key and loads the server ahead; provider() then starts it, with an RS256 key', async () => {
    const demo = lazyDemo()
    demo.warm()
    demo.warm() // once is enough; a second call shares the first
    const provider = await demo.provider()
    try {
      expect(provider).toMatchObject({ id: DEMO_PROVIDER.id, dialect: 'oidc', clientId: 'linkscreen-demo' })
      const issuer = (provider as { issuer: string }).issuer
      const metadata = await json(`${issuer}/.well-known/openid-configuration`)
      expect(metadata['issuer']).toBe(issuer)
      expect(metadata['id_token_signing_alg_values_supported']).toContain('RS256')
      const { keys } = (await json(String(metadata['jwks_uri']))) as { keys: Array<Record<string, unknown>> }
      expect(keys).toHaveLength(1)
      expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
      // Public parts only.
      expect(keys[0]).not.toHaveProperty('d')
      expect(await demo.provider()).toBe(provider)
    } finally {
      await demo.stop()
    }
  })

  it('stop() after warm() alone has nothing to close', async () => {
    const demo = lazyDemo()
    demo.warm()
    await expect(demo.stop()).resolves.toBeUndefined()
  })

  it('a failed warm-up is neither thrown nor kept: the first sign-in starts over', async () => {
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    try {
      failures.left = 1
      const demo = lazyDemo()
      demo.warm()
      await vi.waitFor(() => expect(failures.left).toBe(0))
      await new Promise((resolve) => setTimeout(resolve, 50))
      const provider = await demo.provider()
      await demo.stop()
      expect(provider.id).toBe(DEMO_PROVIDER.id)
      expect(unhandled).not.toHaveBeenCalled()
    } finally {
      process.off('unhandledRejection', unhandled)
    }
  })

  it('a key that cannot be made fails the start, as before', async () => {
    failures.left = 1
    await expect(lazyDemo().provider()).rejects.toThrow('no key this time')
  })
})
