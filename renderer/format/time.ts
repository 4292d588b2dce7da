/** Time formats for the countdown. */

/** `mm:ss` for whole seconds (`09:41`), `h:mm:ss` from an hour up (`23:59:59`); never negative. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const two = (n: number): string => String(n).padStart(2, '0')
  if (s >= 3600) return `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`
  return `${two(Math.floor(s / 60))}:${two(s % 60)}`
}

/** Whole seconds left until `deadline` (ms since the epoch), rounded up, never negative. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000))
}
