/**
 * Dynamic client registration (RFC 7591) of a public device client, for QA: registers a client
 * allowed the device-code and refresh-token grants at the provider's `registration_endpoint`.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
import { assertJsonObject, assertString } from './assert'
import { ErrorCode, LinkscreenError } from './errors'
import { readJsonBody } from './http'
import { cleanText } from './redact'
import { Scrubber } from './scrubber'
import { cleanDescription, cleanErrorCode } from './token-response'
import type { FetchLike } from './types'
import { parseSafeUrl } from './urls'

export interface RegisteredClient {
  readonly client_id: string
  readonly client_name?: string
}

/**
 * Registers a public client named `name` at `endpoint`. What it returns or throws passes through
 * `scrubber` (the provider's, else a new one), which knows the initial access token and learns
 * what the request carries: a server may echo the token anywhere.
 * @param accessToken an initial access token, for servers that do not allow anonymous registration
 */
export async function registerDeviceClient(
  http: FetchLike,
  endpoint: string,
  options: { name: string; scope?: string | undefined; accessToken?: string | undefined; signal?: AbortSignal | undefined; scrubber?: Scrubber | undefined },
  where: string,
): Promise<RegisteredClient> {
  const scrubber = options.scrubber ?? new Scrubber()
  scrubber.keep(options.accessToken)
  return scrubber.guard(async () => scrubber.deep(await register(scrubber.wrap(http), endpoint, options, where)))
}

async function register(
  http: FetchLike,
  endpoint: string,
  options: { name: string; scope?: string | undefined; accessToken?: string | undefined; signal?: AbortSignal | undefined },
  where: string,
): Promise<RegisteredClient> {
  parseSafeUrl(endpoint, `${where}: "registration_endpoint"`)
  const response = await http(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(options.accessToken === undefined ? {} : { authorization: `Bearer ${options.accessToken}` }),
    },
    body: JSON.stringify({
      client_name: options.name,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      ...(options.scope === undefined ? {} : { scope: options.scope }),
    }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
  const body = await readJsonBody(response)
  if (response.status !== 201 && response.status !== 200) {
    const json = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
    // A server may echo the initial access token anywhere: the text is scrubbed on the way out.
    const error = json['error'] === undefined ? undefined : cleanErrorCode(json['error'])
    const description = cleanDescription(json['error_description'] ?? json['message'])
    const hint = response.status === 401 ? '; set LINKSCREEN_REGISTRATION_TOKEN to an initial access token' : ''
    throw new LinkscreenError(
      response.status === 401 || response.status === 403 ? ErrorCode.OAuth : ErrorCode.InvalidResponse,
      `${where}: registration refused with HTTP ${response.status}${error ? ` ${error}` : ''}${description ? ` (${description})` : ''}${hint}`,
      { status: response.status, ...(error === undefined ? {} : { oauthError: error }), ...(description === undefined ? {} : { description }) },
    )
  }
  const json = assertJsonObject(body, `${where}: registration response`)
  const client_id = assertString(json, 'client_id', `${where}: registration response`, 512)
  // RFC 6749 Appendix A.1: client-id = *VSCHAR. It is printed as it is (and pasted into a
  // configuration), so anything else (a control character) is refused.
  if (!/^[\x20-\x7e]+$/.test(client_id)) {
    throw new LinkscreenError(ErrorCode.InvalidResponse, `${where}: registration response: "client_id" must be printable ASCII (RFC 6749 Appendix A.1)`)
  }
  const client_name = typeof json['client_name'] === 'string' ? cleanText(json['client_name'], 200) || undefined : undefined
  return client_name === undefined ? { client_id } : { client_id, client_name }
}
