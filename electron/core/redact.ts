/**
 * Redaction of secrets from anything that may be logged or shown: URLs, header maps and
 * free text. Tokens, device codes, user codes in URLs and client secrets are replaced.
 */

/** Names of fields that carry secrets, compared without case, `_` or `-` (`userCode`, `user_code`). */
const SECRET_KEYS = new Set(
  [
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
    'client_assertion',
    'session_token',
    'subject_token',
    'actor_token',
    'code_verifier',
    'secret',
    'api_key',
  ].map(normalKey),
)

function normalKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '')
}

/** True for a field or query parameter name whose value is a secret (`device_code`, `userCode`, `client-secret`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normalKey(key))
}

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
    if (isSecretKey(key)) url.searchParams.set(key, REDACTED)
  }
  return url.toString()
}

/**
 * Replaces every occurrence of each secret (of 4 characters or more) in `text`, in any case: a
 * server's text may reach here lower-cased (better-auth's error `code` is), and a secret in
 * another case is still the secret.
 */
export function redactText(text: string, secrets: Iterable<string | undefined>): string {
  const list = [...secrets].filter((secret): secret is string => secret !== undefined && secret.length >= 4)
  // Whole secrets first, then cut-off heads: a head must not eat into another secret's whole match.
  let out = text
  for (const secret of list) out = replaceAnyCase(out, secret, REDACTED)
  for (const secret of list) out = redactHead(out, secret)
  return out
}

/**
 * The shortest head of a secret that is redacted on its own. Server text is capped (500
 * characters for a description) before it is scrubbed, and a cap that falls inside a secret
 * leaves its head, most of the secret, where no whole match is found.
 */
export const SECRET_HEAD_LENGTH = 8

/** `text` with every cut-off head of `secret` ({@link SECRET_HEAD_LENGTH} characters or more, any case) replaced by `by`. */
export function redactHead(text: string, secret: string, by: string = REDACTED): string {
  if (secret.length <= SECRET_HEAD_LENGTH) return text
  const lower = text.toLowerCase()
  const lowerSecret = secret.toLowerCase()
  if (lower.length !== text.length || lowerSecret.length !== secret.length) return text
  const head = lowerSecret.slice(0, SECRET_HEAD_LENGTH)
  let result = ''
  let from = 0
  for (let at = lower.indexOf(head); at >= 0; at = lower.indexOf(head, from)) {
    let end = at + SECRET_HEAD_LENGTH
    while (end < lower.length && end - at < lowerSecret.length && lower[end] === lowerSecret[end - at]) end++
    result += text.slice(from, at) + by
    from = end
  }
  return from === 0 ? text : result + text.slice(from)
}

/** `text` with every occurrence of `needle`, in any case, replaced by `by` (no regular expression: secrets may be long). */
export function replaceAnyCase(text: string, needle: string, by: string): string {
  const lowerText = text.toLowerCase()
  const lowerNeedle = needle.toLowerCase()
  // Lower-casing changes the length of a few characters (İ): then offsets differ, and only the exact case is replaced.
  if (lowerText.length !== text.length || lowerNeedle.length !== needle.length) return text.split(needle).join(by)
  let out = ''
  let from = 0
  for (let at = lowerText.indexOf(lowerNeedle); at >= 0; at = lowerText.indexOf(lowerNeedle, from)) {
    out += text.slice(from, at) + by
    from = at + needle.length
  }
  return from === 0 ? text : out + text.slice(from)
}

/** A shallow copy of a JSON-ish object with secret fields replaced. */
export function redactFields<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && v !== undefined ? REDACTED : v]),
  ) as T
}

/** C0 and C1 control characters, and the Unicode bidirectional overrides and isolates. */
export const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/

/**
 * Text from a server made safe to show in a terminal or a page: control characters (which
 * could drive a terminal) and bidi overrides (which could reorder what a person reads) become
 * spaces, runs of white space collapse, and the result is capped at `max` characters.
 */
export function cleanText(value: string, max = 500): string {
  const text = value.replace(new RegExp(UNSAFE_TEXT.source, 'g'), ' ').replace(/\s+/g, ' ').trim().slice(0, max)
  // The cap must not cut a surrogate pair in half (a lone surrogate cannot be encoded).
  return /[\ud800-\udbff]$/.test(text) ? text.slice(0, -1) : text
}
