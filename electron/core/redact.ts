/**
 * Redaction of secrets from anything that may be logged or shown: URLs, header maps and
 * free text. Tokens, device codes, user codes in URLs and client secrets are replaced.
 */

const SECRET_KEYS = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'device_code',
  'code',
  'client_secret',
  'user_code',
  'token',
  'password',
  'assertion',
])

export const REDACTED = '[redacted]'

/** A URL with the values of secret-looking query parameters replaced. */
export function redactUrl(input: string | URL): string {
  let url: URL
  try {
    url = new URL(String(input))
  } catch {
    return REDACTED
  }
  url.username = ''
  url.password = ''
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_KEYS.has(key.toLowerCase())) url.searchParams.set(key, REDACTED)
  }
  return url.toString()
}

/** Replaces every occurrence of each secret (of 4 characters or more) in `text`. */
export function redactText(text: string, secrets: Iterable<string | undefined>): string {
  let out = text
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED)
  }
  return out
}

/** A shallow copy of a JSON-ish object with secret fields replaced. */
export function redactFields<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.has(k.toLowerCase()) && v !== undefined ? REDACTED : v
  return out as T
}
