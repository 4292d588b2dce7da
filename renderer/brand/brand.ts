/**
 * A provider's look on the screen: its name, logo and accent colour (checked by main, see
 * electron/services/branding.ts) and, without a logo, a neutral mark of its own.
 */
import type { CSSProperties } from 'react'
import type { ProviderView } from '../../electron/ipc/contract'
import { useStore } from '../store'

/** What a screen needs to show whose sign-in it is. */
export interface Brand {
  readonly name: string
  readonly dialect: string
  /** A `data:image/(png|jpeg|webp)` URL, re-checked here: nothing else is ever put in `src`. */
  readonly logo: string | null
  /** `#rrggbb`, or null for the default accent. */
  readonly accent: string | null
}

const LOGO = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/
const HEX = /^#[0-9a-f]{6}$/i

/** The brand of a provider view (logo and colour only when they have the expected shape). */
export function brandOf(view: Pick<ProviderView, 'name' | 'dialect'> & Partial<Pick<ProviderView, 'logo' | 'accent'>>): Brand {
  return {
    name: view.name,
    dialect: view.dialect,
    logo: typeof view.logo === 'string' && LOGO.test(view.logo) ? view.logo : null,
    accent: typeof view.accent === 'string' && HEX.test(view.accent) ? view.accent : null,
  }
}

/** The brand of the provider with `id` (the flow's), or one made of `name` alone. */
export function useBrand(id: string | null, name: string): Brand {
  const view = useStore((s) => (id === null ? undefined : s.providers.find((p) => p.id === id)))
  return brandOf(view ?? { name, dialect: '' })
}

/** The style that sets the accent for a subtree (`--accent`), or nothing for the default. */
export function accentStyle(brand: Brand | null | undefined): CSSProperties | undefined {
  return brand?.accent ? ({ '--accent': brand.accent } as CSSProperties) : undefined
}

/** Right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko, …). */
const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/

/**
 * A name to put into a sentence: one with right-to-left letters is wrapped in first-strong
 * isolates (U+2068 … U+2069), so "Sign in to שלום" does not reorder the sentence around it.
 */
export function isolate(name: string): string {
  return RTL.test(name) ? `\u2068${name}\u2069` : name
}
