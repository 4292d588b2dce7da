/**
 * Answers that are not the provider's. A hotel or airport network (a captive portal), a proxy or
 * a firewall answers a request itself: with its login page (any status, 200 included, sometimes
 * labelled `application/json`), a redirect to that page, `511 Network Authentication Required`,
 * `407 Proxy Authentication Required`, or a body cut short. None of these says anything about
 * the sign-in: they are a network condition, like a reset connection, and the request is worth
 * repeating once the network lets it through. A provider's own JSON object (an OAuth error
 * included) is never one of them: it stays decisive.
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-6 (511)
 * @see https://www.rfc-editor.org/rfc/rfc8908 (captive portal API, for the vocabulary)
 */
import { bodyText } from './body'
import { ErrorCode, LinkscreenError, type NetworkReason } from './errors'
import { retryAfterMs } from './http'
import type { PollOutcome } from './types'

/** One answer judged to be the network's: why, and the host of the page it points to, if known. */
export interface NetworkAnswer {
  readonly reason: NetworkReason
  readonly host?: string
  readonly status: number
  readonly retryAfterMs?: number
}

export interface NetworkAnswerOptions {
  /** Wall-clock time of the answer, for a `Retry-After` given as a date. */
  readonly now?: number
  /**
   * Statuses that are the provider's answer whatever their body, unless it is a web page (Trakt:
   * 400 pending, 404, 409, 410, 418, often with an empty body).
   */
  readonly protocolStatus?: (status: number) => boolean
  /** The provider may answer form-encoded (GitHub without `Accept: application/json`). */
  readonly formIsProvider?: boolean
}

/** A host name or address as shown to people: letters, digits, dots, hyphens, an IPv6 bracket, a port. */
const SHOWABLE_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,62}\.?)*|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i

/** The host of `url` (resolved against `base`), when it is an http(s) URL with a showable host. */
function hostOf(url: string, base: string): string | undefined {
  if (!URL.canParse(url, base)) return undefined
  const parsed = new URL(url, base)
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined
  return parsed.host.length <= 253 && SHOWABLE_HOST.test(parsed.host) ? parsed.host : undefined
}

/**
 * The host a portal's page sends people to: a meta refresh, a form or a link to another host
 * than the one asked; the first found.
 */
function portalHostIn(html: string, requestUrl: string): string | undefined {
  const asked = URL.canParse(requestUrl) ? new URL(requestUrl).host : undefined
  const head = html.slice(0, 64 * 1024)
  const candidates = [
    /<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["'][^"']*url\s*=\s*['"]?([^"'\s>]+)/i.exec(head)?.[1],
    ...[...head.matchAll(/<(?:form|a)\b[^>]*?\s(?:action|href)\s*=\s*["']?(https?:\/\/[^"'\s>]+)/gi)].map((m) => m[1]),
  ]
  for (const candidate of candidates) {
    if (candidate === undefined) continue
    const host = hostOf(candidate.replace(/&amp;/g, '&'), requestUrl)
    if (host !== undefined && host !== asked) return host
  }
  return undefined
}

const REDIRECT = new Set([301, 302, 303, 307, 308])

/** The body looks like a web page: an HTML media type, or markup where JSON was due. */
function isPage(type: string, text: string): boolean {
  return /\b(?:text\/html|application\/xhtml\+xml)\b/i.test(type) ? !/^\s*[[{]/.test(text) : /^\s*</.test(text)
}

/**
 * Judges one answer: `undefined` when it is the provider's (a JSON object, or what the dialect's
 * protocol allows), else why it is the network's. Reads a clone; the response stays readable.
 * @param requestUrl where the request went (to tell a redirect to another host, and resolve links)
 */
export async function judgeAnswer(response: Response, requestUrl: string, options: NetworkAnswerOptions = {}): Promise<NetworkAnswer | undefined> {
  const status = response.status
  const retry = options.now === undefined ? undefined : retryAfterMs(response.headers, options.now)
  const base = (reason: NetworkReason, host?: string): NetworkAnswer => ({
    reason,
    status,
    ...(host === undefined ? {} : { host }),
    ...(retry === undefined ? {} : { retryAfterMs: retry }),
  })
  if (status === 407) return base('proxy_auth')
  if (REDIRECT.has(status)) {
    const location = response.headers.get('location')
    const target = location === null ? undefined : hostOf(location, requestUrl)
    const asked = URL.canParse(requestUrl) ? new URL(requestUrl).host : undefined
    // A redirect on the provider's own host is the provider's (a moved endpoint): its own error.
    return target !== undefined && target !== asked ? base('captive_portal', target) : undefined
  }
  // Server errors, timeouts and rate limits have their own handling (back-off, Retry-After).
  if (status === 408 || status === 429 || (status >= 500 && status !== 511)) return undefined
  const type = response.headers.get('content-type') ?? ''
  const text = await bodyText(response)
  if (status === 511) return base('captive_portal', portalHostIn(text, requestUrl))
  const page = text.trim() !== '' && isPage(type, text)
  if (options.protocolStatus?.(status)) return page ? base('captive_portal', portalHostIn(text, requestUrl)) : undefined
  if (text.trim() === '') return base('empty')
  if (page) return base('captive_portal', portalHostIn(text, requestUrl))
  if (options.formIsProvider && /application\/x-www-form-urlencoded/i.test(type)) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    // JSON that runs out before it closes: the body was cut short on the way.
    const cut = /^\s*[[{]/.test(text) && error instanceof SyntaxError && /end of (?:JSON )?input|Unterminated|Expected/i.test(error.message)
    return base(cut ? 'truncated' : 'not_json')
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : base('not_json')
}

/** What the person is told a network answer was. */
const EXPLAINED: Record<NetworkReason, string> = {
  captive_portal: 'the network answered with a web page instead of the provider; this network may need you to sign in to it',
  proxy_auth: 'a proxy on this network asks for a password (HTTP 407) before it lets the request through',
  empty: 'the answer was empty',
  truncated: 'the answer was cut off before it ended',
  not_json: 'the answer was not one the provider sends (not a JSON object)',
}

/** A sentence for the answer: what it was and, for a portal, where its page is. */
export function describeNetworkAnswer(answer: Pick<NetworkAnswer, 'reason' | 'host' | 'status'>): string {
  const where = answer.host === undefined ? '' : ` (${answer.host})`
  return `${EXPLAINED[answer.reason]}${answer.reason === 'captive_portal' ? where : ''} (HTTP ${answer.status})`
}

/** The `network_answer` error for a request that is not a poll (the code request, discovery). */
export function networkAnswerError(answer: NetworkAnswer, where: string): LinkscreenError {
  return new LinkscreenError(ErrorCode.NetworkAnswer, `${where}: ${describeNetworkAnswer(answer)}`, {
    status: answer.status,
    network: answer.reason,
    ...(answer.host === undefined ? {} : { host: answer.host }),
    ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
  })
}

/** Throws `network_answer` when the answer is the network's. */
export async function refuseNetworkAnswer(response: Response, requestUrl: string, where: string, options?: NetworkAnswerOptions): Promise<void> {
  const answer = await judgeAnswer(response, requestUrl, options)
  if (answer !== undefined) throw networkAnswerError(answer, where)
}

/** A poll answered by the network: a transient outcome, like a reset connection. */
export function transientFor(answer: NetworkAnswer): PollOutcome {
  return {
    kind: 'transient',
    reason: answer.reason,
    network: answer.reason,
    ...(answer.host === undefined ? {} : { host: answer.host }),
    ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
  }
}

/** The poll's outcome when the answer is the network's, else `undefined` (the dialect reads it). */
export async function networkPollOutcome(response: Response, requestUrl: string, options?: NetworkAnswerOptions): Promise<PollOutcome | undefined> {
  const answer = await judgeAnswer(response, requestUrl, options)
  return answer === undefined ? undefined : transientFor(answer)
}

/**
 * The response labelled `application/json` when its body is a JSON object under another media
 * type (a proxy that rewrote the header): it is the provider's answer, and strict parsers
 * (oauth4webapi) would refuse it for the label alone.
 */
export async function withJsonType(response: Response): Promise<Response> {
  const type = response.headers.get('content-type') ?? ''
  if (/^\s*application\/(?:[\w.+-]+\+)?json\b/i.test(type)) return response
  const text = await bodyText(response)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return response
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return response
  const headers = new Headers(response.headers)
  headers.set('content-type', 'application/json')
  return new Response(text, { status: response.status, statusText: response.statusText, headers })
}
