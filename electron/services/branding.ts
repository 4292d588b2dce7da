/**
 * A provider's branding on the screen (issue #15): an optional logo and accent colour from the
 * configuration. Main reads the logo (a local file, never a URL), checks it is a PNG, JPEG or
 * WebP by its first bytes and no larger than {@link MAX_LOGO_BYTES}, and hands it to the page
 * as a `data:` URL; SVG is refused (it can carry script and fetch). The accent colour must be
 * `#rgb` or `#rrggbb` with at least 4.5:1 contrast against the screen's background. Anything
 * else is ignored with a warning: bad branding never stops the app.
 */
import { readFile, stat } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import type { ProviderConfig } from '../core/config'

/** The screen's background (`--bg` in renderer/styles.css); accents are checked against it. */
export const SCREEN_BACKGROUND = '#0b0d10'
/** The least contrast an accent needs against the background (WCAG AA for text). */
export const MIN_ACCENT_CONTRAST = 4.5
/** The largest logo file accepted. */
export const MAX_LOGO_BYTES = 256 * 1024

/** What the screen gets: each value present only when it passed its checks. */
export interface Branding {
  /** `data:image/png;base64,…` (or jpeg, webp). */
  readonly logo?: string
  /** `#rrggbb`, lower case. */
  readonly accent?: string
}

/** The image types accepted, by their magic bytes. */
export function imageTypeOf(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | null {
  const at = (offset: number, ...values: number[]): boolean => values.every((v, i) => bytes[offset + i] === v)
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png'
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg'
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp'
  return null
}

/** Whether the bytes look like SVG (or any XML/HTML): refused by name, since it can run script. */
function looksLikeMarkup(bytes: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 1024)).replace(/^\uFEFF/, '').trimStart().toLowerCase()
  return head.startsWith('<') || head.includes('<svg')
}

/** The logo's bytes as a data URL, or why not. */
export function checkLogo(bytes: Uint8Array): { readonly url: string } | { readonly problem: string } {
  if (bytes.length > MAX_LOGO_BYTES) return { problem: `is ${Math.ceil(bytes.length / 1024)} KB; the limit is ${MAX_LOGO_BYTES / 1024} KB` }
  const type = imageTypeOf(bytes)
  if (type === null) {
    if (looksLikeMarkup(bytes)) return { problem: 'is SVG or other markup, which is not accepted (it can carry script); use a PNG, JPEG or WebP file' }
    return { problem: 'is not a PNG, JPEG or WebP image' }
  }
  return { url: `data:${type};base64,${Buffer.from(bytes).toString('base64')}` }
}

/** `#rgb` or `#rrggbb` as `#rrggbb`, else null. */
export function parseHexColour(value: string): string | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim())
  if (!m) return null
  const hex = m[1]!.toLowerCase()
  return `#${hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex}`
}

/** WCAG contrast ratio of two `#rrggbb` colours. */
export function contrastRatio(a: string, b: string): number {
  const luminance = (hex: string): number => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
    }) as [number, number, number]
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl
  }
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

/** The accent as `#rrggbb`, or why it is ignored. */
export function checkAccent(value: string): { readonly colour: string } | { readonly problem: string } {
  const colour = parseHexColour(value)
  if (colour === null) return { problem: 'is not a colour; write it as #rgb or #rrggbb' }
  const ratio = contrastRatio(colour, SCREEN_BACKGROUND)
  if (ratio < MIN_ACCENT_CONTRAST) return { problem: `has a contrast of ${ratio.toFixed(2)}:1 against the screen's background (${SCREEN_BACKGROUND}); at least ${MIN_ACCENT_CONTRAST}:1 is needed` }
  return { colour }
}

/** Where a logo path points: relative paths are relative to the configuration file's folder. */
function logoPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path)
}

/** Options of {@link loadBranding}. */
export interface LoadBrandingOptions {
  /** The configuration file's folder (relative logo paths start there). */
  readonly baseDir: string
  /** Told each problem, one line naming the provider and the key. */
  readonly warn: (message: string) => void
}

/** The branding of one provider: what passed, with a warning for what did not. */
export async function brandingOf(provider: ProviderConfig, { baseDir, warn }: LoadBrandingOptions): Promise<Branding> {
  const config = provider.branding
  if (!config) return {}
  const out: { logo?: string; accent?: string } = {}
  const where = `provider "${provider.id}": branding`
  if (config.accent !== undefined) {
    const accent = checkAccent(config.accent)
    if ('colour' in accent) out.accent = accent.colour
    else warn(`${where}.accent ${accent.problem}; the default colour is used`)
  }
  if (config.logo !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(config.logo) && !/^[a-z]:[\\/]/i.test(config.logo)) {
    warn(`${where}.logo is a URL; only a local file is accepted (the screen never loads a logo from the network); the provider's mark is shown instead`)
  } else if (config.logo !== undefined) {
    const file = logoPath(config.logo, baseDir)
    try {
      // Checked before reading, so a huge file (or a device) is never read into memory.
      const info = await stat(file)
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOTFILE' })
      if (info.size > MAX_LOGO_BYTES) {
        warn(`${where}.logo (${file}) is ${Math.ceil(info.size / 1024)} KB; the limit is ${MAX_LOGO_BYTES / 1024} KB; the provider's mark is shown instead`)
      } else {
        const logo = checkLogo(await readFile(file))
        if ('url' in logo) out.logo = logo.url
        else warn(`${where}.logo (${file}) ${logo.problem}; the provider's mark is shown instead`)
      }
    } catch (error) {
      const code = (error as { code?: string }).code
      const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTFILE' || code === 'EISDIR' ? 'is not a file' : `cannot be read (${code ?? String(error)})`
      warn(`${where}.logo (${file}) ${why}; the provider's mark is shown instead`)
    }
  }
  return out
}

/** The branding of every configured provider that has any, by id. */
export async function loadBranding(providers: readonly ProviderConfig[], options: LoadBrandingOptions): Promise<ReadonlyMap<string, Branding>> {
  const out = new Map<string, Branding>()
  for (const provider of providers) {
    const branding = await brandingOf(provider, options)
    if (branding.logo !== undefined || branding.accent !== undefined) out.set(provider.id, branding)
  }
  return out
}
