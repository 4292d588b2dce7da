/**
 * The provider list the app and `linkscreen serve` offer: the built-in demo provider (an
 * oidc-provider started in this process on first use) and every configured provider.
 */
import type { JWK } from 'oidc-provider'
import type { Config, ProviderConfig } from '../core/config'
import type { Branding } from './branding'
import type { ProviderEntry } from './flow-service'

/** The built-in demo provider, as listed before it is started. */
export const DEMO_PROVIDER = { id: 'demo', name: 'Linkscreen demo', dialect: 'oidc' } as const
export const DEMO_SCOPE = 'openid profile email offline_access'

export interface LazyDemo {
  readonly provider: () => Promise<ProviderConfig>
  /**
   * Loads the server's modules and generates its signing key now, without listening, so that the
   * first `provider()` has only the server to start (`linkscreen serve` calls it while the
   * browser opens the screen: issue #16). Never throws; a failure is met again, and reported,
   * by `provider()`.
   */
  readonly warm: () => void
  readonly stop: () => Promise<void>
}

type DemoParts = { readonly startDemoServer: typeof import('../demo/demo-server').startDemoServer; readonly jwks: { keys: JWK[] } }

/** The demo provider, started on first use and stopped with `stop()`. */
export function lazyDemo(): LazyDemo {
  let parts: Promise<DemoParts> | undefined
  let started: Promise<{ config: ProviderConfig; close: () => Promise<void> }> | undefined
  const prepare = (): Promise<DemoParts> => {
    if (parts) return parts
    const preparing = (async () => {
      // The signing key is generated in the thread pool while the server's modules (oidc-provider
      // and Koa) load and run on this one: neither waits for the other (issue #16).
      const { generateDemoJwks } = await import('../demo/keys')
      const jwks = generateDemoJwks()
      jwks.catch(() => undefined) // awaited below; a failure is reported there, not as unhandled
      const { startDemoServer } = await import('../demo/demo-server')
      return { startDemoServer, jwks: await jwks }
    })()
    parts = preparing
    // A failed preparation is not kept: the next one starts over.
    preparing.catch(() => {
      if (parts === preparing) parts = undefined
    })
    return preparing
  }
  return {
    provider: async () => {
      started ??= prepare().then(async ({ startDemoServer, jwks }) => {
        const demo = await startDemoServer({ quiet: true, jwks })
        const config: ProviderConfig = { ...DEMO_PROVIDER, id: 'demo' as never, issuer: demo.issuer, clientId: demo.clientId, scope: DEMO_SCOPE }
        return { config, close: () => demo.close() }
      })
      return (await started).config
    },
    warm: () => {
      prepare().catch(() => undefined)
    },
    stop: async () => {
      if (started) await (await started).close()
    },
  }
}

/**
 * The demo entry followed by the configured providers, in the file's order, each with its
 * checked branding (`loadBranding` in services/branding.ts) when it has any.
 */
export function providerEntries(config: Config, demo: LazyDemo, branding: ReadonlyMap<string, Branding> = new Map()): ProviderEntry[] {
  return [
    { view: { id: DEMO_PROVIDER.id, name: DEMO_PROVIDER.name, dialect: DEMO_PROVIDER.dialect, builtIn: true }, resolve: demo.provider },
    ...config.providers
      .filter((p) => p.id !== DEMO_PROVIDER.id)
      .map((p) => ({ view: { id: p.id, name: p.name ?? p.id, dialect: p.dialect, builtIn: false, ...branding.get(p.id) }, resolve: async () => p })),
  ]
}
