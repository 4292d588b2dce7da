/**
 * `api-v1`: a REST API's device flow at `POST /api/v1/oauth/device-authorization/` and
 * `POST /api/v1/oauth/token`, each taking JSON, form or multipart bodies (JSON by default,
 * `bodyEncoding` to change). The device sends its metadata when it starts: `device_name`,
 * `device_model`, `device_os`, `app_version`. Answers and errors are RFC 8628's.
 */
import { ErrorCode, LinkscreenError } from '../errors'
import { readJsonBody } from '../http'
import { networkPollOutcome, refuseNetworkAnswer } from '../network-answer'
import { classifyTokenErrorResponse, parseTokenSet } from '../token-response'
import type { Dialect } from '../types'
import { DEVICE_CODE_GRANT } from './better-auth'
import type { DialectDeps } from './standard'
import { failedResponse } from './standard'
import { parseProviderCode, postFields, readObject, type BodyEncoding } from './wire'
import { guarded } from './guard'

export interface DeviceMetadata {
  readonly name?: string | undefined
  readonly model?: string | undefined
  readonly os?: string | undefined
  readonly appVersion?: string | undefined
}

export interface ApiV1Provider {
  readonly id: string
  readonly clientId: string
  readonly clientSecret?: string | undefined
  readonly scope?: string | undefined
  /** The API's origin (and path prefix, if any) before `/api/v1`. */
  readonly baseUrl: string
  readonly bodyEncoding?: BodyEncoding | undefined
  readonly device?: DeviceMetadata | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

export function createApiV1Dialect(provider: ApiV1Provider, deps: DialectDeps, defaults: DeviceMetadata = {}): Dialect {
  return guarded(provider, deps, (guardedDeps) => apiV1Dialect(provider, guardedDeps, defaults))
}

function apiV1Dialect(provider: ApiV1Provider, deps: DialectDeps, defaults: DeviceMetadata): Dialect {
  const base = `${provider.baseUrl.replace(/\/+$/, '')}/api/v1/oauth`
  const encoding = provider.bodyEncoding ?? 'json'
  const where = (step: string): string => `${provider.id}: ${step}`
  const send = { encoding, headers: provider.headers }
  const device = { ...defaults, ...provider.device }
  /** 415: the server does not take this encoding; say which setting changes it. */
  const unsupported = (response: Response, step: string): LinkscreenError =>
    new LinkscreenError(
      ErrorCode.Config,
      `${where(step)}: the server refused a ${encoding} body (HTTP 415); set "bodyEncoding" to one it accepts ("json", "form" or "multipart")`,
      { status: response.status },
    )
  return {
    providerId: provider.id,

    async requestCode(signal) {
      const response = await postFields(
        deps.http,
        `${base}/device-authorization/`,
        {
          client_id: provider.clientId,
          client_secret: provider.clientSecret,
          scope: provider.scope,
          device_name: device.name,
          device_model: device.model,
          device_os: device.os,
          app_version: device.appVersion,
        },
        { ...send, signal },
      )
      const receivedAt = deps.clock.now()
      if (response.status === 415) throw unsupported(response, 'device authorization')
      await refuseNetworkAnswer(response, `${base}/device-authorization/`, where('device authorization'), { now: receivedAt })
      if (response.status !== 200) return failedResponse(response, where('device authorization'))
      return parseProviderCode(await readObject(response), receivedAt, where('device authorization response'))
    },

    async poll(authorization, signal) {
      const response = await postFields(
        deps.http,
        `${base}/token`,
        { grant_type: DEVICE_CODE_GRANT, device_code: authorization.device_code, client_id: provider.clientId, client_secret: provider.clientSecret },
        { ...send, signal },
      )
      const now = deps.clock.now()
      if (response.status === 415) throw unsupported(response, 'token request')
      const network = await networkPollOutcome(response, `${base}/token`, { now })
      if (network) return network
      const body = await readJsonBody(response)
      if (response.status === 200) return { kind: 'authorized', tokens: parseTokenSet(body, now, where('token response')) }
      return classifyTokenErrorResponse(response, body, now, where('token response'))
    },
  }
}
