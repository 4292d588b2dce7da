/** The screen's translator, following `AppInfo.locale`, then the browser's languages. */
import { useMemo } from 'react'
import { useStore } from '../store'
import type { Language } from './catalogue'
import { pickLanguage, translator, type Translate } from './translate'

/** The language the screen speaks now. */
export function useLanguage(): Language {
  const locale = useStore((s) => s.app?.locale ?? null)
  return pickLanguage([locale, ...navigator.languages, navigator.language])
}

/** A translator for the screen's language; stable while the language stays the same. */
export function useT(): Translate {
  const language = useLanguage()
  return useMemo(() => translator(language), [language])
}
