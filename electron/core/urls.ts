/** URL safety rules shared by the core, the app and the CLI. */
import { ErrorCode, LinkscreenError } from './errors'

/** `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === '::1') return true
  return /^127(\.\d{1,3}){3}$/.test(host)
}

/** True for `https:` URLs, and for `http:` URLs to a loopback host. */
export function isSafeUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
}

/**
 * Parses `value` as an absolute URL and refuses anything but `https:` (or `http:` to loopback).
 * @param what names the URL in the error message, e.g. `"verification_uri"`.
 */
export function parseSafeUrl(value: string, what: string, code: ErrorCode = ErrorCode.InsecureUrl): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new LinkscreenError(code === ErrorCode.Config ? code : ErrorCode.InvalidResponse, `${what} is not an absolute URL`)
  }
  if (!isSafeUrl(url)) {
    throw new LinkscreenError(
      code,
      `${what} must use https: (plain http: is allowed only for loopback hosts), got ${url.protocol}//${url.host}`,
    )
  }
  if (url.username || url.password) throw new LinkscreenError(code, `${what} must not contain credentials`)
  return url
}
