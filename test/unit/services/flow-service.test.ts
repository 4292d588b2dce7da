import { describe, expect, it } from 'vitest'
import type { ProviderConfig } from '../../../electron/core/config'
import { createHttp } from '../../../electron/core/http'
import type { FlowSnapshot } from '../../../electron/ipc/contract'
import { FlowService } from '../../../electron/services/flow-service'
import { FakeClock } from '../../helpers/fake-clock'
import { DEVICE_ENDPOINT, ScriptedServer, TOKEN_ENDPOINT, deviceResponse, json, oauthError, tokenResponse, type Answer } from '../../helpers/scripted-server'

/** An unsigned-looking ID token whose claims oauth4webapi accepts (it checks claims, not the signature, here). */
function idToken(sub: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: 'https://as.example', aud: 'c', sub, name: 'Ada', iat: now, exp: now + 3600 })}.SECRET-SIGNATURE`
}

const PROVIDER: ProviderConfig = { id: 'as', name: 'Example', dialect: 'oauth2', clientId: 'c', endpoints: { deviceAuthorization: DEVICE_ENDPOINT, token: TOKEN_ENDPOINT } }

function setup(polls: Answer[], codes = [deviceResponse()]) {
  const clock = new FakeClock()
  const server = new ScriptedServer(clock, polls, codes)
  const service = new FlowService({
    providers: [{ view: { id: 'as', name: 'Example', dialect: 'oauth2', builtIn: false }, resolve: async () => PROVIDER }],
    deps: { http: createHttp({ fetch: server.fetch, clock }), clock },
    renewals: 1,
  })
  const snapshots: FlowSnapshot[] = []
  service.onSnapshot((s) => snapshots.push(s))
  /** Runs until a snapshot with `status` arrives. */
  const until = (status: FlowSnapshot['status']) =>
    clock.run(
      new Promise<FlowSnapshot>((resolve) => {
        const off = service.onSnapshot((s) => {
          if (s.status === status) {
            off()
            resolve(s)
          }
        })
      }),
    )
  return { clock, server, service, snapshots, until }
}

describe('FlowService', () => {
  it('publishes whole snapshots: starting, waiting with the code, then authorized with the account', async () => {
    const { service, snapshots, until } = setup([oauthError('authorization_pending'), json(200, tokenResponse({ id_token: undefined }))])
    const started = await service.start('as')
    expect(started).toMatchObject({ ok: true, value: { status: 'starting', providerName: 'Example' } })
    const authorized = await until('authorized')
    expect(authorized.account).toMatchObject({ providerId: 'as', scope: 'read' })
    const waiting = snapshots.find((s) => s.status === 'waiting')
    expect(waiting).toMatchObject({ userCode: 'WDJB-MJHT', verificationUri: 'https://as.example/device', qrTarget: 'https://as.example/device?user_code=WDJB-MJHT', interval: 5 })
    expect(snapshots.map((s) => s.seq)).toEqual(snapshots.map((_, i) => i + 1))
    expect(service.listAccounts()).toHaveLength(1)
  })

  it('never publishes a token or the device code', async () => {
    const { service, snapshots, until } = setup([json(200, tokenResponse({ id_token: idToken('user-1') }))])
    const published: unknown[] = []
    service.onAccounts((a) => published.push(a))
    await service.start('as')
    await until('authorized')
    const text = JSON.stringify([snapshots, published, service.listAccounts(), service.state()])
    expect(service.listAccounts()[0]).toMatchObject({ id: 'as:user-1', name: 'Ada' })
    for (const secret of ['at-SECRET-123456', 'rt-SECRET-654321', 'SECRET-SIGNATURE', String(deviceResponse()['device_code'])]) expect(text).not.toContain(secret)
  })

  it('renews an expired code automatically, then shows expired once the bound is reached', async () => {
    const { service, snapshots, until } = setup(Array.from({ length: 10 }, () => oauthError('authorization_pending')), [deviceResponse({ expires_in: 6 })])
    await service.start('as')
    await until('expired')
    expect(snapshots.filter((s) => s.status === 'waiting').map((s) => s.renewals)).toEqual(expect.arrayContaining([0, 1]))
    expect(snapshots.some((s) => s.renewals > 1)).toBe(false)
  })

  it('denied and errors become their screens; unknown providers are refused', async () => {
    const denied = setup([oauthError('access_denied', { error_description: 'No thanks' })])
    await denied.service.start('as')
    expect(await denied.until('denied')).toMatchObject({ error: { code: 'access_denied', message: 'No thanks' } })
    const failed = setup([oauthError('invalid_client')])
    await failed.service.start('as')
    expect((await failed.until('error')).error?.code).toBe('oauth_error')
    expect(await failed.service.start('nope')).toEqual({ ok: false, code: 'unknown_provider', message: 'unknown provider "nope"' })
  })

  it('cancel stops polling and returns to idle; signing in again as the same account replaces it', async () => {
    const { service, server, clock, until } = setup([oauthError('authorization_pending'), json(200, tokenResponse({ id_token: idToken('same') })), json(200, tokenResponse({ id_token: idToken('same') }))])
    await service.start('as')
    await until('waiting')
    const cancelled = await clock.run(service.cancel())
    expect(cancelled).toMatchObject({ ok: true, value: { status: 'idle' } })
    const polls = server.pollTimes.length
    await clock.run(new Promise((r) => setTimeout(r, 10)))
    expect(server.pollTimes.length).toBe(polls)
    await service.start('as')
    await until('authorized')
    await service.start('as')
    await until('authorized')
    expect(service.listAccounts()).toHaveLength(1)
    const [account] = service.listAccounts()
    expect(await service.signOut(account!.id)).toEqual({ ok: true, value: [] })
    expect(await service.signOut('as:missing')).toMatchObject({ ok: false, code: 'unknown_account' })
  })
})

describe('FlowService and the client secret', () => {
  it('never shows a client secret or header value that the server quotes back', async () => {
    const clock = new FakeClock()
    const SECRET = 'CLIENT-SECRET-Zx81Qw7Lp0'
    const HEADER = 'api-key-Qm3r7Tz9Lw2x'
    const server = new ScriptedServer(clock, [oauthError('invalid_client', { error_description: `client_secret ${SECRET} is wrong (key ${HEADER})` }, 401)])
    const config: ProviderConfig = { ...PROVIDER, clientSecret: SECRET, headers: { 'x-api-key': HEADER } }
    const service = new FlowService({
      providers: [{ view: { id: 'as', name: 'Example', dialect: 'oauth2', builtIn: false }, resolve: async () => config }],
      deps: { http: createHttp({ fetch: server.fetch, clock }), clock },
    })
    const published: FlowSnapshot[] = []
    service.onSnapshot((s) => published.push(s))
    await service.start('as')
    const failed = await clock.run(
      new Promise<FlowSnapshot>((resolve) => {
        const off = service.onSnapshot((s) => {
          if (s.status === 'error') {
            off()
            resolve(s)
          }
        })
      }),
    )
    expect(failed.error?.message).toContain('is wrong')
    const text = JSON.stringify([published, service.flowLog()])
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(HEADER)
  })
})
