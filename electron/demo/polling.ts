/**
 * Device-flow polling pace: oidc-provider 9 neither advertises `interval` in
 * the device authorization response nor ever raises `slow_down`;
 * `pollingMiddleware` adds both.
 */
import type { Middleware } from 'oidc-provider'
import { isRecord } from './http-util'
import { EXPIRED_RETENTION_SECONDS, MAX_STORED_ENTRIES } from './store'

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
/**
 * Polls that arrive up to this much earlier than `interval` are still accepted,
 * so a client that sleeps exactly `interval` between polls is never punished
 * for network/timer jitter.
 */
const POLL_TOLERANCE_MS = 250

/**
 * Koa middleware (registered with `provider.use`, so it wraps oidc-provider's
 * router) that
 *  1. adds `interval: intervalSeconds` to a successful device authorization
 *     response (oidc-provider 9 sends none), and
 *  2. replaces an `authorization_pending` token response with `slow_down`
 *     (still HTTP 400) when the same device_code was last polled less than
 *     `intervalSeconds` (minus {@link POLL_TOLERANCE_MS}) before this poll
 *     arrived.
 *
 * It only ever rewrites `authorization_pending`, which has no side effects,
 * so it never reads the request body itself and never throws away issued
 * tokens or a final answer (access_denied, expired_token). The interval is
 * not raised after a `slow_down`: the server enforces exactly the advertised
 * interval (RFC 8628 §3.5 puts the +5 s on the client).
 */
export function pollingMiddleware(intervalSeconds: number, deviceCodeTtlSeconds: number): Middleware {
  const minGapMs = intervalSeconds * 1000 - POLL_TOLERANCE_MS
  const forgetAfterMs = (deviceCodeTtlSeconds + EXPIRED_RETENTION_SECONDS) * 1000
  const lastPollAt = new Map<string, number>()

  const prune = (now: number): void => {
    for (const [code, at] of [...lastPollAt]) {
      if (now - at > forgetAfterMs) lastPollAt.delete(code)
    }
    for (const code of [...lastPollAt.keys()]) {
      if (lastPollAt.size <= MAX_STORED_ENTRIES) break
      lastPollAt.delete(code)
    }
  }

  return async (ctx, next) => {
    const arrivedAt = Date.now()
    await next()
    const oidc = ctx.oidc
    if (!oidc) return

    if (oidc.route === 'device_authorization') {
      if (ctx.status === 200 && isRecord(ctx.body)) ctx.body = { ...ctx.body, interval: intervalSeconds }
      return
    }

    if (oidc.route !== 'token' || oidc.params?.grant_type !== DEVICE_CODE_GRANT) return
    const deviceCode = oidc.params.device_code
    if (typeof deviceCode !== 'string') return

    const body = ctx.body
    const pending = ctx.status === 400 && isRecord(body) && body.error === 'authorization_pending'
    const previous = lastPollAt.get(deviceCode)
    if (!pending) {
      lastPollAt.delete(deviceCode) // a final answer: nothing more to pace
      return
    }
    lastPollAt.set(deviceCode, arrivedAt)
    if (lastPollAt.size > 256) prune(arrivedAt)
    if (previous !== undefined && arrivedAt - previous < minGapMs) {
      ctx.body = {
        error: 'slow_down',
        error_description: `polling too fast: wait at least ${intervalSeconds} s between token requests for the same device_code`,
      }
    }
  }
}
