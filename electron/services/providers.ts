/**
 * The provider list the app and `linkscreen serve` offer: the built-in demo provider (an
 * oidc-provider started in this process on first use) and every configured provider.
 */
import type { Config, ProviderConfig } from '../core/config'
import type { Branding } from './branding'
import type { ProviderEntry } from './flow-service'

/** The built-in demo provider, as listed before it is started. */
export const DEMO_PROVIDER = { id: 'demo', name: 'Linkscreen demo', dialect: 'oidc' } as const
export const DEMO_SCOPE = 'openid profile email offline_access'

export interface LazyDemo {
  readonly provider: () => Promise<ProviderConfig>
  readonly stop: () => Promise<void>
}

/** The demo provider, started on first use and stopped with `stop()`. */
export function lazyDemo(): LazyDemo {
  let started: Promise<{ config: ProviderConfig; close: () => Promise<void> }> | undefined
  return {
    provider: async () => {
      started ??= import('../demo/demo-server').then(async ({ startDemoServer }) => {
        const demo = await startDemoServer({ quiet: true })
        const config: ProviderConfig = { ...DEMO_PROVIDER, id: 'demo' as never, issuer: demo.issuer, clientId: demo.clientId, scope: DEMO_SCOPE }
        return { config, close: () => demo.close() }
      })
      return (await started).config
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
