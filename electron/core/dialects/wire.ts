/**
 * Request and response plumbing shared by the dialects that do not go through oauth4webapi:
 * sending fields as JSON, form or multipart, reading a JSON or form-encoded answer, and
 * mapping a provider's renamed fields onto RFC 8628's.
 */
import { bodyText } from '../body'
import { isJsonObject, type JsonObject } from '../assert'
import { ErrorCode, LinkscreenError } from '../errors'
import { parseDeviceAuthorization } from '../device-authorization'
import { readJsonBody } from '../http'
import { cleanText } from '../redact'
import { parseTokenSet } from '../token-response'
import type { DeviceAuthorization, FetchLike, TokenSet } from '../types'

export type BodyEncoding = 'json' | 'form' | 'multipart'

/** POSTs `fields` to `url` in `encoding`, asking for JSON back. */
export function postFields(
  http: FetchLike,
  url: string,
  fields: Readonly<Record<string, string | undefined>>,
  options: { encoding: BodyEncoding; headers?: Readonly<Record<string, string>> | undefined; signal?: AbortSignal | undefined },
): Promise<Response> {
  const present = Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined)
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
  let body: BodyInit
  if (options.encoding === 'json') {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(Object.fromEntries(present))
  } else if (options.encoding === 'form') {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(present).toString()
  } else {
    // Built by hand: a FormData from one fetch implementation is not always understood by another.
    // A boundary that occurs in no value (RFC 2046 §5.1.1); deterministic, as the core has no randomness.
    let boundary = '----linkscreen-form-boundary'
    for (let n = 0; present.some(([k, v]) => k.includes(boundary) || v.includes(boundary)); n++) boundary = `----linkscreen-form-boundary-${n}`
    headers['content-type'] = `multipart/form-data; boundary=${boundary}`
    body = multipart(present, boundary)
  }
  return http(url, { method: 'POST', headers, body, ...(options.signal === undefined ? {} : { signal: options.signal }) })
}

/** A multipart/form-data body of text fields (RFC 7578). */
export function multipart(fields: readonly (readonly [string, string])[], boundary: string): string {
  const quote = (name: string): string => name.replace(/["\r\n\\]/g, (c) => encodeURIComponent(c))
  const parts = fields.map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`)
  return `${parts.join('')}--${boundary}--\r\n`
}

/** GETs `url` with a Bearer token, asking for JSON. */
export function getWithToken(http: FetchLike, url: string, token: string, headers: Readonly<Record<string, string>> | undefined, signal: AbortSignal | undefined): Promise<Response> {
  return http(url, { method: 'GET', headers: { accept: 'application/json', ...headers, authorization: `Bearer ${token}` }, ...(signal === undefined ? {} : { signal }) })
}

/** The body as a JSON object, also when a provider answered form-encoded (GitHub without `Accept`). */
export async function readObject(response: Response): Promise<JsonObject | undefined> {
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(await bodyText(response)))
  }
  const body = await readJsonBody(response)
  return isJsonObject(body) ? body : undefined
}

/**
 * A device authorization response in a provider's own spelling: `verification_url` (Google,
 * Trakt) is taken as `verification_uri`, `message` (Microsoft) is kept, cleaned.
 */
export function parseProviderCode(body: JsonObject | undefined, receivedAt: number, where: string, complete?: (code: DeviceAuthorization) => string): DeviceAuthorization {
  if (body && body['verification_uri'] === undefined && body['verification_url'] === undefined) {
    throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: "verification_url" (or "verification_uri") is missing`)
  }
  const renamed = body && body['verification_uri'] === undefined ? { ...body, verification_uri: body['verification_url'] } : body
  let code = parseDeviceAuthorization(renamed ?? null, receivedAt, where)
  if (code.verification_uri_complete === undefined && complete) {
    code = parseDeviceAuthorization({ ...renamed, verification_uri_complete: complete(code) }, receivedAt, where)
  }
  const message = typeof body?.['message'] === 'string' ? cleanText(body['message'], 500) : undefined
  return message ? { ...code, message } : code
}

/** `name` from a profile object, as a non-empty string, or undefined. */
export function str(object: unknown, name: string): string | undefined {
  if (!isJsonObject(object)) return undefined
  const value = object[name]
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** An `Account` without undefined members. */
export function account(fields: { sub?: string | undefined; name?: string | undefined; email?: string | undefined; picture?: string | undefined }) {
  const out = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { sub?: string; name?: string; email?: string; picture?: string }
  return Object.keys(out).length > 0 ? out : undefined
}

/**
 * A refresh answer (RFC 6749 §5.1): it must carry a new `access_token`; when it carries no
 * `refresh_token` (the server does not rotate them, as Google), the one that was sent is kept,
 * so the returned set always holds the refresh token to store.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function parseRefreshAnswer(body: JsonObject | undefined, receivedAt: number, where: string, refreshToken: string): TokenSet {
  if (body !== undefined && (typeof body['access_token'] !== 'string' || body['access_token'] === '')) {
    throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: no new "access_token" in the answer`, { status: 200 })
  }
  const tokens = parseTokenSet(body, receivedAt, where)
  return tokens.refresh_token === undefined ? { ...tokens, refresh_token: refreshToken } : tokens
}
