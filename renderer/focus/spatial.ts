/**
 * Spatial navigation: which control an arrow key moves to, from where things are on screen.
 * Pure geometry, so it is testable without a DOM.
 * @see https://github.com/NoriginMedia/Norigin-Spatial-Navigation/blob/main/src/SpatialNavigation.ts
 */

/** Where an arrow key points. */
export type Direction = 'up' | 'down' | 'left' | 'right'

/** A box on screen, as `getBoundingClientRect` gives it. */
export interface Box {
  readonly left: number
  readonly top: number
  readonly width: number
  readonly height: number
}

/** The arrow keys' directions. */
export const ARROWS: Readonly<Record<string, Direction>> = {
  ArrowUp: 'up',
  ArrowDown: 'down',
  ArrowLeft: 'left',
  ArrowRight: 'right',
}

/** How much a sideways offset counts against a candidate, relative to distance ahead. */
const SIDEWAYS_WEIGHT = 3

/** Distance between the ranges [a, a+al] and [b, b+bl]; 0 when they overlap. */
function gap(a: number, al: number, b: number, bl: number): number {
  if (b >= a + al) return b - (a + al)
  if (a >= b + bl) return a - (b + bl)
  return 0
}

/** How far (px) boxes may overlap and still count as side by side (rounding, borders). */
const SLACK = 4

/** Distance ahead in `direction` (negative when `to` does not lie wholly that way) and the sideways gap. */
function measure(from: Box, to: Box, direction: Direction): { ahead: number; sideways: number } {
  const horizontal = gap(from.top, from.height, to.top, to.height)
  const vertical = gap(from.left, from.width, to.left, to.width)
  switch (direction) {
    case 'right':
      return { ahead: to.left - (from.left + from.width), sideways: horizontal }
    case 'left':
      return { ahead: from.left - (to.left + to.width), sideways: horizontal }
    case 'down':
      return { ahead: to.top - (from.top + from.height), sideways: vertical }
    case 'up':
      return { ahead: from.top - (to.top + to.height), sideways: vertical }
  }
}

/**
 * The index of the candidate an arrow in `direction` moves to from `from`, or -1 when nothing
 * lies that way. Candidates must lie wholly beyond `from`'s edge in that direction (a box
 * below and to the left is not "left"); among them the nearest wins, with a sideways offset counting {@link SIDEWAYS_WEIGHT} times as much, so the
 * control in the same row or column is preferred to a closer one diagonally.
 */
export function nextInDirection(from: Box, candidates: readonly Box[], direction: Direction): number {
  let best = -1
  let bestScore = Number.POSITIVE_INFINITY
  candidates.forEach((box, index) => {
    if (box.width === 0 && box.height === 0) return
    const { ahead, sideways } = measure(from, box, direction)
    if (ahead < -SLACK) return
    const score = Math.max(0, ahead) + SIDEWAYS_WEIGHT * sideways
    if (score < bestScore) {
      best = index
      bestScore = score
    }
  })
  return best
}
