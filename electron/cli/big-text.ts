/**
 * A 5×5 block font for printing a user code large in a terminal. Confusable glyphs differ:
 * 0 has a slash, O does not; 1 has a flag and a foot, I has serifs on both ends.
 */

// Each glyph: five rows of five cells, '#' filled.
const FONT: Record<string, readonly string[]> = {
  '0': [' ### ', '#  ##', '# # #', '##  #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', ' ### '],
  '2': ['#### ', '    #', ' ### ', '#    ', '#####'],
  '3': ['#### ', '    #', ' ### ', '    #', '#### '],
  '4': ['#   #', '#   #', '#####', '    #', '    #'],
  '5': ['#####', '#    ', '#### ', '    #', '#### '],
  '6': [' ### ', '#    ', '#### ', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', '  #  '],
  '8': [' ### ', '#   #', ' ### ', '#   #', ' ### '],
  '9': [' ### ', '#   #', ' ####', '    #', ' ### '],
  A: [' ### ', '#   #', '#####', '#   #', '#   #'],
  B: ['#### ', '#   #', '#### ', '#   #', '#### '],
  C: [' ####', '#    ', '#    ', '#    ', ' ####'],
  D: ['#### ', '#   #', '#   #', '#   #', '#### '],
  E: ['#####', '#    ', '#### ', '#    ', '#####'],
  F: ['#####', '#    ', '#### ', '#    ', '#    '],
  G: [' ####', '#    ', '#  ##', '#   #', ' ####'],
  H: ['#   #', '#   #', '#####', '#   #', '#   #'],
  I: ['#####', '  #  ', '  #  ', '  #  ', '#####'],
  J: ['#####', '   # ', '   # ', '#  # ', ' ##  '],
  K: ['#   #', '#  # ', '###  ', '#  # ', '#   #'],
  L: ['#    ', '#    ', '#    ', '#    ', '#####'],
  M: ['#   #', '## ##', '# # #', '#   #', '#   #'],
  N: ['#   #', '##  #', '# # #', '#  ##', '#   #'],
  O: [' ### ', '#   #', '#   #', '#   #', ' ### '],
  P: ['#### ', '#   #', '#### ', '#    ', '#    '],
  Q: [' ### ', '#   #', '# # #', '#  # ', ' ## #'],
  R: ['#### ', '#   #', '#### ', '#  # ', '#   #'],
  S: [' ####', '#    ', ' ### ', '    #', '#### '],
  T: ['#####', '  #  ', '  #  ', '  #  ', '  #  '],
  U: ['#   #', '#   #', '#   #', '#   #', ' ### '],
  V: ['#   #', '#   #', '#   #', ' # # ', '  #  '],
  W: ['#   #', '#   #', '# # #', '## ##', '#   #'],
  X: ['#   #', ' # # ', '  #  ', ' # # ', '#   #'],
  Y: ['#   #', ' # # ', '  #  ', '  #  ', '  #  '],
  Z: ['#####', '   # ', '  #  ', ' #   ', '#####'],
  '-': ['     ', '     ', ' ### ', '     ', '     '],
  ' ': ['     ', '     ', '     ', '     ', '     '],
}

/** Width in terminal columns of `text` rendered by `bigText`. */
export function bigTextWidth(text: string, wide: boolean): number {
  return text.length * (wide ? 11 : 6) - 1
}

/**
 * Renders `text` in the block font (with `wide`, two columns per cell so glyphs look square);
 * `undefined` when a character has no glyph (the caller then prints the code plainly).
 */
export function bigText(text: string, wide: boolean): string[] | undefined {
  const glyphs = [...text.toUpperCase()].map((ch) => FONT[ch])
  if (glyphs.some((glyph) => glyph === undefined)) return undefined
  const cell = (c: string): string => (c === '#' ? '█' : ' ').repeat(wide ? 2 : 1)
  const rows: string[] = []
  for (let row = 0; row < 5; row++) {
    rows.push(glyphs.map((glyph) => [...(glyph?.[row] ?? '')].map(cell).join('')).join(' ').trimEnd())
  }
  return rows
}
/** `WDJBMJHT` → `WDJB-MJHT`: long codes without separators are chunked in fours. */
export function chunkUserCode(code: string): string {
  if (/[-\s]/.test(code) || code.length < 6) return code
  const size = code.length % 4 === 0 || code.length > 9 ? 4 : 3
  const parts: string[] = []
  for (let i = 0; i < code.length; i += size) parts.push(code.slice(i, i + size))
  return parts.join('-')
}
