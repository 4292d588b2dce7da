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

/**
 * The catalogue key explaining why a code could not be approved or denied. Each reason the
 * back end gives has its own message; a code it does not know gets the generic one.
 */
export function approveFailureKey(code: string | null | undefined): MessageKey {
  switch (code) {
    case 'invalid_code':
    case 'invalid_request': // refused at the boundary: not a code at all
      return 'approve.failure.invalid_code'
    case 'expired_code':
      return 'approve.failure.expired_code'
    case 'already_processed':
      return 'approve.failure.already_processed'
    case 'claimed_by_other':
      return 'approve.failure.claimed_by_other'
    case 'not_claimed':
      return 'approve.failure.not_claimed'
    case 'not_signed_in':
    case 'needs_sign_in':
      return 'approve.failure.not_signed_in'
    case 'rate_limited':
      return 'approve.failure.rate_limited'
    case 'network_error':
    case 'timeout':
      return 'approve.failure.network_error'
    case 'unsupported':
    case 'not_supported':
      return 'approve.failure.unsupported'
    case 'unknown_account':
      return 'approve.failure.unknown_account'
    case 'empty_code':
      return 'approve.failure.empty'
    default:
      return 'approve.failure.generic'
  }
}

/** Whether an approval failure is fixed by signing the approving account in again. */
export function needsSignInAgain(code: string | null | undefined): boolean {
  return code === 'not_signed_in' || code === 'needs_sign_in'
}
