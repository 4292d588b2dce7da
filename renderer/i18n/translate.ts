/** Picks the language and fills in catalogue strings. Pure: no store, no DOM. */
import { CATALOGUES, type Language, type MessageKey } from './catalogue'

/** Values for a string's `{placeholders}`. */
export type Vars = Readonly<Record<string, string | number>>

/** A bound translator: key and placeholder values in, plain text out. */
export type Translate = (key: MessageKey, vars?: Vars) => string

/**
 * The first supported language among `tags` (BCP 47, most preferred first); English otherwise.
 * `de-AT`, `de-CH` and `de` all pick German.
 */
export function pickLanguage(tags: readonly (string | null | undefined)[]): Language {
  for (const tag of tags) {
    const primary = tag?.toLowerCase().split(/[-_]/)[0]
    if (primary === 'de' || primary === 'en') return primary
  }
  return 'en'
}

/** A translator for `language`. A placeholder without a value is left as written. */
export function translator(language: Language): Translate {
  const catalogue = CATALOGUES[language]
  return (key, vars) => catalogue[key].replace(/\{(\w+)\}/g, (whole, name: string) => (vars && name in vars ? String(vars[name]) : whole))
}

/** The catalogue key naming an error `code` for the screen; unknown codes get the generic title. */
export function errorKey(code: string | null | undefined): MessageKey {
  const key = `errors.${code ?? ''}`
  return key in CATALOGUES.en ? (key as MessageKey) : 'errors.generic'
}
