/** Hooks a screen uses to own the Back key and its first focus. */
import { useEffect, useRef, type RefObject } from 'react'
import { firstControl, focusIsKept, focusWithRing, pushBackHandler, setBackHandler } from './keys'

/**
 * Makes `handler` the Back action while the calling screen is mounted; null means Back does
 * nothing here. The latest handler always runs, without re-registering on every render.
 */
export function useBack(handler: (() => void) | null): void {
  const latest = useRef(handler)
  useEffect(() => {
    latest.current = handler
  })
  const enabled = handler !== null
  useEffect(() => {
    setBackHandler(enabled ? () => latest.current?.() : null)
    return () => setBackHandler(null)
  }, [enabled])
}

/**
 * While `handler` is not null, Back runs it instead of the screen's Back action: for a question
 * shown over the screen, which Back answers as its safe choice does. The latest handler always runs.
 */
export function useBackOver(handler: (() => void) | null): void {
  const latest = useRef(handler)
  useEffect(() => {
    latest.current = handler
  })
  const enabled = handler !== null
  useEffect(() => (enabled ? pushBackHandler(() => latest.current?.()) : undefined), [enabled])
}

/**
 * Focuses the screen's first control (`data-autofocus`, else the first in order) on mount, and
 * again whenever `key` changes: a new step on the same screen (the code arrived, an account
 * went away) starts again from the screen's OK action. Not while a question over the screen
 * holds focus.
 */
export function useFirstFocus(root: RefObject<HTMLElement | null>, key?: unknown): void {
  useEffect(() => {
    // A question open over the screen keeps its focus (see KEEPS_FOCUS).
    if (focusIsKept()) return
    const el = root.current
    const first = el ? firstControl(el) : null
    if (first) focusWithRing(first)
  }, [root, key])
}
