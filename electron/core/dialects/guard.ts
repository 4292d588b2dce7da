/**
 * The boundary of every dialect: the provider's scrubber (see `../scrubber.ts`) learns from every
 * request the dialect sends and every answer it gets, and everything leaving the dialect (what it
 * throws, a poll outcome's text, a profile) passes through it. Each dialect factory builds its
 * dialect through {@link guarded}.
 */
import { Scrubber } from '../scrubber'
import type { Dialect, PollOutcome, TokenSet } from '../types'
import type { DialectDeps } from './standard'

/**
 * The dialect `build` makes, given an `http` that teaches `deps.scrubber` (a new one when absent,
 * told the client secret and the configured header values), and guarded by it.
 */
export function guarded(
  provider: { readonly clientSecret?: string | undefined; readonly headers?: Readonly<Record<string, string>> | undefined },
  deps: DialectDeps,
  build: (deps: DialectDeps) => Dialect,
): Dialect {
  const scrubber = deps.scrubber ?? new Scrubber()
  scrubber.keep(provider.clientSecret)
  for (const value of Object.values(provider.headers ?? {})) scrubber.keep(value)
  return guardDialect(build({ ...deps, http: scrubber.wrap(deps.http), scrubber }), scrubber)
}

const PENDING: PollOutcome = Object.freeze({ kind: 'pending' })
const EXPIRED: PollOutcome = Object.freeze({ kind: 'expired' })
const SLOW_DOWN: PollOutcome = Object.freeze({ kind: 'slow_down' })
const RATE_LIMITED: PollOutcome = Object.freeze({ kind: 'rate_limited' })

/** Every string of a token set, for the scrubber. */
function learnTokens(scrubber: Scrubber, tokens: TokenSet | undefined): void {
  if (!tokens) return
  for (const token of [tokens.access_token, tokens.refresh_token, tokens.id_token]) scrubber.add(token)
}

/**
 * `dialect` with its boundary scrubbed: what it throws, a poll outcome's text, a profile. The
 * secrets a call is given (the device code polled, the refresh token, the tokens to revoke) are
 * learned before it runs; the tokens it hands out are learned too, and returned as they are.
 */
export function guardDialect(dialect: Dialect, scrubber: Scrubber): Dialect {
  const { fetchAccount, refresh, revoke } = dialect
  const outcome = (result: PollOutcome): PollOutcome => {
    switch (result.kind) {
      case 'authorized':
        learnTokens(scrubber, result.tokens)
        return result.account === undefined ? result : { ...result, account: scrubber.deep(result.account) }
      // Outcomes that hold no text: made anew from their numbers, so nothing else can pass.
      case 'pending':
        return PENDING
      case 'expired':
        return EXPIRED
      case 'slow_down':
        return Number.isFinite(result.interval) && (result.interval as number) > 0 ? { kind: 'slow_down', interval: result.interval as number } : SLOW_DOWN
      case 'rate_limited':
        return Number.isFinite(result.retryAfterMs) && (result.retryAfterMs as number) >= 0 ? { kind: 'rate_limited', retryAfterMs: result.retryAfterMs as number } : RATE_LIMITED
      default:
        return scrubber.deep(result)
    }
  }
  return {
    providerId: dialect.providerId,
    scrubber,
    ...(dialect.warnings === undefined ? {} : { warnings: dialect.warnings.map((warning) => scrubber.text(warning)) }),
    requestCode: (signal) =>
      scrubber.guard(async () => {
        const code = await dialect.requestCode(signal)
        scrubber.add(code.device_code)
        return code
      }),
    poll: (authorization, signal) => {
      scrubber.add(authorization.device_code)
      return scrubber.guard(async () => outcome(await dialect.poll(authorization, signal)))
    },
    ...(fetchAccount === undefined
      ? {}
      : {
          fetchAccount: (tokens: TokenSet, signal?: AbortSignal) => {
            learnTokens(scrubber, tokens)
            return scrubber.guard(async () => scrubber.deep(await fetchAccount.call(dialect, tokens, signal)))
          },
        }),
    ...(refresh === undefined
      ? {}
      : {
          refresh: (refreshToken: string, signal?: AbortSignal) => {
            scrubber.add(refreshToken)
            return scrubber.guard(async () => {
              const tokens = await refresh.call(dialect, refreshToken, signal)
              learnTokens(scrubber, tokens)
              return tokens
            })
          },
        }),
    ...(revoke === undefined
      ? {}
      : {
          revoke: (tokens: TokenSet, signal?: AbortSignal) => {
            learnTokens(scrubber, tokens)
            return scrubber.guard(() => revoke.call(dialect, tokens, signal))
          },
        }),
  }
}

