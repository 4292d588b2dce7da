/**
 * Refresh of the `google` preset against its simulator (built from Google's documentation):
 * Google's refresh tokens are reusable and a refresh answer carries none, so the dialect must
 * hand back the one it was given; a refresh token the server does not know is `invalid_grant`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../electron/adapters/system-clock'
import { createGoogleDialect } from '../../electron/core/dialects/google'
import { ErrorCode, LinkscreenError } from '../../electron/core/errors'
import { runDeviceFlow } from '../../electron/core/flow'
import { createHttp } from '../../electron/core/http'
import type { Dialect, FetchLike } from '../../electron/core/types'
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type Simulator } from '../simulators/device-flow'
import { startGoogleSimulator } from '../simulators/google'

describe('google preset against its simulator: refresh', () => {
  let sim: Simulator
  let dialect: Dialect
  const answers: Record<string, unknown>[] = []
  beforeAll(async () => {
    sim = await startGoogleSimulator({ interval: 1 })
    const recording: FetchLike = async (url, init) => {
      const response = await fetch(url, init)
      if (new URL(url).pathname === '/token' && response.status === 200) answers.push((await response.clone().json()) as Record<string, unknown>)
      return response
    }
    dialect = createGoogleDialect(
      { id: 'g', clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, baseUrl: sim.origin, userinfoUrl: `${sim.origin}/v1/userinfo` },
      { http: createHttp({ fetch: recording, clock: systemClock }), clock: systemClock },
    )
  })
  afterAll(() => sim.close())

  it('refresh keeps the reusable refresh token the answer leaves out; the new access token works; an unknown one is invalid_grant', async () => {
    const result = await runDeviceFlow({
      dialect,
      clock: systemClock,
      onEvent: (event) => {
        if (event.type === 'code') setTimeout(() => sim.approve(event.authorization.user_code, { id: '4242', name: 'Ada Lovelace', email: 'ada@example.com' }), 50)
      },
    })
    if (result.status !== 'authorized') throw new Error(`sign-in ended ${result.status}`)
    const refreshToken = result.tokens.refresh_token!
    expect(refreshToken).toBeTruthy()
    const refreshed = await dialect.refresh!(refreshToken)
    expect(answers.at(-1)).not.toHaveProperty('refresh_token')
    expect(refreshed.refresh_token).toBe(refreshToken)
    expect(refreshed.access_token).not.toBe(result.tokens.access_token)
    expect(await dialect.fetchAccount!(refreshed)).toMatchObject({ sub: '4242', name: 'Ada Lovelace' })
    // Reusable: the same refresh token works again.
    expect((await dialect.refresh!(refreshed.refresh_token!)).refresh_token).toBe(refreshToken)
    const unknown = await dialect.refresh!('1//not-a-known-refresh-token').then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(unknown).toBeInstanceOf(LinkscreenError)
    expect(unknown).toMatchObject({ code: ErrorCode.OAuth, oauthError: 'invalid_grant' })
  })
})
