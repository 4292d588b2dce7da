/**
 * The remote control: arrows move focus spatially among the screen's controls, OK (Enter) presses
 * the focused one, Back (Escape, Backspace, a TV's back key) runs the current screen's back
 * action. Installed once on the document, outside React.
 */
import { ARROW_SCROLL, fieldKeepsKey, scrollStep } from './editing'
import { ARROWS, nextInDirection } from './spatial'

/** What can take focus on a screen. */
export const FOCUSABLE = 'button:not([disabled]), a[href], input:not([disabled]):not([type="hidden"]), [tabindex]:not([tabindex="-1"])'

/** A text input the user types into (not a checkbox or a button). */
function isTextField(el: Element | null): el is HTMLInputElement {
  return el instanceof HTMLInputElement && ['text', 'search', 'url', 'email', 'tel', 'password', ''].includes(el.type)
}

/** The class a focused control carries, so its ring shows whatever the browser's heuristics say. */
export const FOCUSED_CLASS = 'is-focused'

const BACK_KEYS = new Set(['Escape', 'Backspace', 'GoBack', 'BrowserBack', 'XF86Back'])
const OK_KEYS = new Set(['Enter', 'Select', 'Accept'])

let backHandler: (() => void) | null = null
/**
 * Back actions of questions asked over the screen (the banner's "Restart anyway" / "Don't
 * restart"), newest last: while one is open, Back answers it as its safe choice would, instead
 * of leaving the screen underneath, as Escape closes a dialog.
 */
const overBack: (() => void)[] = []

/**
 * Marks an element (the banner while it asks a question) whose focus a screen's first focus
 * leaves alone: a new screen or step under an open question does not take focus from it.
 */
export const KEEPS_FOCUS = 'data-keeps-focus'

/** Focus is inside an element marked {@link KEEPS_FOCUS}. */
export function focusIsKept(): boolean {
  const active = document.activeElement
  return active instanceof HTMLElement && active.closest(`[${KEEPS_FOCUS}]`) !== null
}

/** Sets (or, with null, clears) the back action; the screen on display owns it. */
export function setBackHandler(handler: (() => void) | null): void {
  backHandler = handler
}

/** Makes `handler` Back's action until the returned function is called (a question open over the screen). */
export function pushBackHandler(handler: () => void): () => void {
  const entry = (): void => handler()
  overBack.push(entry)
  return () => {
    const at = overBack.lastIndexOf(entry)
    if (at >= 0) overBack.splice(at, 1)
  }
}

/** The visible controls inside `root`, in document order. */
export function focusables(root: ParentNode): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0)
}

/** Focuses `el` with a visible ring and brings it into view. */
export function focusWithRing(el: HTMLElement): void {
  el.focus({ preventScroll: true, focusVisible: true } as FocusOptions)
  el.scrollIntoView({ block: 'nearest', inline: 'nearest' })
}

/** The screen's first control: one marked `data-autofocus`, else the first in document order. */
export function firstControl(root: ParentNode): HTMLElement | null {
  return root.querySelector<HTMLElement>('[data-autofocus]') ?? focusables(root)[0] ?? null
}

function onKeyDown(root: HTMLElement, event: KeyboardEvent): void {
  if (event.altKey || event.ctrlKey || event.metaKey) return
  const active = document.activeElement instanceof HTMLElement && root.contains(document.activeElement) ? document.activeElement : null
  if (isTextField(active) && fieldKeepsKey(event.key, { length: active.value.length, start: active.selectionStart, end: active.selectionEnd })) return
  const direction = ARROWS[event.key]
  if (direction) {
    event.preventDefault()
    if (active?.hasAttribute(ARROW_SCROLL)) {
      const step = scrollStep(direction, active)
      if (step !== null) {
        active.scrollBy({ top: step })
        return
      }
    }
    const candidates = focusables(root).filter((el) => el !== active)
    if (!active) {
      const first = firstControl(root)
      if (first) focusWithRing(first)
      return
    }
    const index = nextInDirection(active.getBoundingClientRect(), candidates.map((el) => el.getBoundingClientRect()), direction)
    const target = candidates[index]
    if (target) focusWithRing(target)
    return
  }
  // A held OK or Back acts once: a repeat must not press the next screen's first control.
  if (event.repeat && (BACK_KEYS.has(event.key) || OK_KEYS.has(event.key))) {
    event.preventDefault()
    return
  }
  if (BACK_KEYS.has(event.key)) {
    event.preventDefault()
    const over = overBack[overBack.length - 1]
    if (over) over()
    else backHandler?.()
    return
  }
  // A focused button presses itself on Enter; with nothing focused, OK presses the first control.
  if (OK_KEYS.has(event.key) && (!active || event.key !== 'Enter')) {
    const target = active ?? firstControl(root)
    if (!target) return
    event.preventDefault()
    focusWithRing(target)
    target.click()
  }
}

/**
 * Installs the remote-control keys, the forced focus class and focus recovery on `root`;
 * returns an uninstaller.
 */
export function installKeys(root: HTMLElement): () => void {
  const keydown = (event: KeyboardEvent): void => onKeyDown(root, event)
  const focusin = (event: FocusEvent): void => {
    if (event.target instanceof HTMLElement) event.target.classList.add(FOCUSED_CLASS)
  }
  const focusout = (event: FocusEvent): void => {
    if (event.target instanceof HTMLElement) event.target.classList.remove(FOCUSED_CLASS)
  }
  // A control that vanished (an account signed out, a screen changed) must not leave focus
  // nowhere: whenever the screen changes with nothing focused, its first control takes focus.
  const observer = new MutationObserver(() => {
    const active = document.activeElement
    if (active instanceof HTMLElement && active !== document.body && root.contains(active)) return
    const first = firstControl(root)
    if (first) focusWithRing(first)
  })
  document.addEventListener('keydown', keydown)
  root.addEventListener('focusin', focusin)
  root.addEventListener('focusout', focusout)
  observer.observe(root, { childList: true, subtree: true })
  return () => {
    document.removeEventListener('keydown', keydown)
    root.removeEventListener('focusin', focusin)
    root.removeEventListener('focusout', focusout)
    observer.disconnect()
  }
}
