/**
 * How a user code is shown and spoken. Display only: the back end keeps the code as the provider
 * sent it, and RFC 8628 §6.1 has servers ignore the dashes people type.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */

/** Codes longer than this without any separator get dashes between groups. */
const CHUNK_ABOVE = 6

/** Groups of a code without separators: 4s, or 3s when the length splits evenly into 3s only. */
function groupSize(length: number): number {
  return length % 4 !== 0 && length % 3 === 0 ? 3 : 4
}

/**
 * The code's groups for display: split at the provider's own separators (`-`, space, `.`), or
 * chunked when a long code has none (`WDJBMJHT` → `WDJB`, `MJHT`).
 */
export function codeGroups(code: string): readonly string[] {
  const trimmed = code.trim()
  const parts = trimmed.split(/[\s.\-–]+/).filter((p) => p !== '')
  if (parts.length > 1) return parts
  if (trimmed.length <= CHUNK_ABOVE) return [trimmed]
  const size = groupSize(trimmed.length)
  const groups: string[] = []
  for (let i = 0; i < trimmed.length; i += size) groups.push(trimmed.slice(i, i + size))
  return groups
}

/** The code spelled out for a screen reader: one character at a time, groups set apart. */
export function spellCode(code: string): string {
  return codeGroups(code)
    .map((group) => [...group].join(' '))
    .join(', ')
}

/** What kind of glyph a character is, so digits can be told from look-alike letters. */
export type GlyphKind = 'digit' | 'letter' | 'other'

/** Classifies one character. */
export function glyphKind(char: string): GlyphKind {
  if (/^\p{Nd}$/u.test(char)) return 'digit'
  if (/^\p{L}$/u.test(char)) return 'letter'
  return 'other'
}
