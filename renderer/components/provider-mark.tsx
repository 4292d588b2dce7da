/**
 * Whose sign-in this is, at a glance: the provider's configured logo, else a neutral mark of
 * its own (its initial on a tile whose shape follows the dialect). No trademarked logo ships
 * with the app: presets (GitHub, Google, Microsoft, Trakt) get neutral marks too.
 */
import type { Brand } from '../brand/brand'

/** Props of {@link ProviderMark}. */
export interface ProviderMarkProps {
  readonly brand: Brand
  readonly size?: 'small' | 'large'
}

/** The first letter (grapheme) of the name, upper-cased; `?` for an empty name. */
export function initialOf(name: string): string {
  const segments = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(name.trim())
  for (const { segment } of segments) return segment.toLocaleUpperCase()
  return '?'
}

/** Decorative: the name is always written beside it. */
export function ProviderMark({ brand, size = 'small' }: ProviderMarkProps) {
  if (brand.logo) return <img className={`provider-mark provider-mark--${size} provider-mark--logo`} src={brand.logo} alt="" aria-hidden="true" />
  const dialect = /^[a-z0-9-]+$/.test(brand.dialect) ? brand.dialect : 'other'
  return (
    <span className={`provider-mark provider-mark--${size} provider-mark--${dialect}`} aria-hidden="true">
      <span className="provider-mark__initial">{initialOf(brand.name)}</span>
    </span>
  )
}
