/** URL checks and display forms for what the screen shows or encodes. */

/** True for 127.0.0.0/8, `localhost` (and its subdomains) and `[::1]`. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === '[::1]') return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** The URL if it is `https:`, or `http:` to a loopback host; null for anything else. */
export function safeUrl(value: string | null | undefined): URL | null {
  if (!value || !URL.canParse(value)) return null
  const url = new URL(value)
  if (url.username !== '' || url.password !== '') return null
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && isLoopbackHostname(url.hostname)) return url
  return null
}

/**
 * A URL as people type it: `https://` and a trailing slash dropped (`example.com/device`).
 * `http:` stays visible, so a loopback address is not mistaken for a secure one.
 */
export function displayUrl(url: URL): string {
  const text = url.protocol === 'https:' ? url.href.slice('https://'.length) : url.href
  return text.endsWith('/') && url.search === '' && url.hash === '' ? text.slice(0, -1) : text
}

/** Splits a display URL into its host (shown plainly, never shortened) and the rest. */
export function splitHost(url: URL): { readonly host: string; readonly rest: string } {
  const shown = displayUrl(url)
  const at = shown.indexOf(url.host) + url.host.length
  return { host: shown.slice(0, at), rest: shown.slice(at) }
}
