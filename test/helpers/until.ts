/**
 * Waits until `probe` answers something other than `undefined` or `false` (it may be async),
 * polling every 20 ms; throws "timed out waiting for <what>" after `ms`. For tests that drive the
 * composition root on the `electron` stand-in, where things happen on their own time.
 */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 8000): Promise<T> {
  for (let waited = 0; waited < ms; waited += 20) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}
