/**
 * Keys that mean something else in a text field or a scrollable region than on the rest of the
 * screen. Pure, so it is testable without a DOM (see `keys.ts`, which applies it).
 */
import type { Direction } from './spatial'

/** A region marked so scrolls with Up/Down while focused, until its edge; then focus moves on. */
export const ARROW_SCROLL = 'data-arrow-scroll'

/** Where a text field's caret is. */
export interface Caret {
  readonly length: number
  readonly start: number | null
  readonly end: number | null
}

/**
 * Whether a focused text field keeps `key` for editing instead of the remote's meaning:
 * Backspace deletes (it is not Back there), Left/Right move the caret until it reaches the
 * field's edge, Home/End move it. Up and Down always move focus; Escape is always Back.
 */
export function fieldKeepsKey(key: string, caret: Caret): boolean {
  if (key === 'Backspace' || key === 'Delete' || key === 'Home' || key === 'End') return true
  if (caret.start === null || caret.end === null) return false
  if (key === 'ArrowLeft') return caret.start !== caret.end || caret.start > 0
  if (key === 'ArrowRight') return caret.start !== caret.end || caret.end < caret.length
  return false
}

/** How far an arrow scrolls a scrollable region, or null when it is at that edge already. */
export function scrollStep(direction: Direction, box: { readonly scrollTop: number; readonly clientHeight: number; readonly scrollHeight: number }): number | null {
  const step = Math.max(1, Math.round(box.clientHeight * 0.6))
  if (direction === 'up') return box.scrollTop > 0 ? -step : null
  if (direction === 'down') return box.scrollTop + box.clientHeight < box.scrollHeight - 1 ? step : null
  return null
}
