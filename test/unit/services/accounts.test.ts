/**
 * The account manager on a virtual clock with a hand-made dialect: accounts merged by provider
 * + subject, refresh before expiry, one refresh in flight per account, rotation written before
 * use, `invalid_grant` marking the account, 401 retried once, sign-out bounded in time.
 */
import { describe, expect, it } from 'vitest'
import { ErrorCode, LinkscreenError } from '../../../electron/core/errors'
import type { Dialect, TokenSet } from '../../../electron/core/types'
import type { AccountView } from '../../../electron/ipc/contract'
import { AccountManager } from '../../../electron/services/accounts'
import { memoryVault, type AccountVault } from '../../../electron/services/vault-types'
import { FakeClock } from '../../helpers/fake-clock'

function tokens(clock: FakeClock, n: number, lifetime = 60): TokenSet {
  return { access_token: `at-${n}-aaaaaaaa`, refresh_token: `rt-${n}-bbbbbbbb`, token_type: 'Bearer', expires_in: lifetime, expires_at: clock.now() + lifetime * 1000, extra: {} }
}

interface Script {
  refreshCalls: string[]
  revokeCalls: number
  /** What the next refresh does. */
  next: 'rotate' | 'invalid_grant' | 'network' | 'slow' | 'other-sub'
  revoke: 'ok' | 'fail' | 'hang'
}

function setup(vault: AccountVault = memoryVault()) {
  const clock = new FakeClock()
  const script: Script = { refreshCalls: [], revokeCalls: 0, next: 'rotate', revoke: 'ok' }
  let issued = 1
  const dialect: Dialect = {
    providerId: 'p',
    requestCode: async () => {
      throw new Error('unused')
    },
    poll: async () => ({ kind: 'pending' }),
    async refresh(refreshToken, signal) {
      script.refreshCalls.push(refreshToken)
      if (script.next === 'invalid_grant') throw new LinkscreenError(ErrorCode.OAuth, 'token refresh: invalid_grant', { oauthError: 'invalid_grant', status: 400 })
      if (script.next === 'network') throw new LinkscreenError(ErrorCode.Network, 'token refresh: connection refused')
      if (script.next === 'slow') await clock.sleep(1000, signal)
      issued += 1
      if (script.next === 'other-sub') {
        const claims = Buffer.from(JSON.stringify({ sub: 'mallory' })).toString('base64url')
        return { ...tokens(clock, issued), id_token: `eyJhbGciOiJSUzI1NiJ9.${claims}.sig` }
      }
      return tokens(clock, issued)
    },
    async revoke(_tokens, signal) {
      script.revokeCalls += 1
      if (script.revoke === 'fail') throw new LinkscreenError(ErrorCode.Network, 'revocation: connection refused')
      if (script.revoke === 'hang') await clock.sleep(3_600_000, signal)
    },
  }
  const changes: (readonly AccountView[])[] = []
  const manager = new AccountManager({ vault, clock, dialectFor: async () => dialect, onChange: (list) => changes.push(list), revokeTimeoutMs: 10_000 })
  return { clock, script, manager, changes, vault }
}

const ADA = { sub: 'ada', name: 'Ada', email: 'ada@example.test' }

describe('accounts', () => {
  it('merges a second sign-in of the same subject, keeps other subjects and providers apart', () => {
    const { clock, manager } = setup()
    const first = manager.remember('p', 'P', tokens(clock, 1), ADA)
    manager.remember('p', 'P', tokens(clock, 2), { ...ADA, name: 'Ada L.' })
    manager.remember('p', 'P', tokens(clock, 3), { sub: 'bob' })
    manager.remember('q', 'Q', tokens(clock, 4), ADA)
    expect(manager.list().map((a) => a.id)).toEqual(['p:ada', 'p:bob', 'q:ada'])
    expect(manager.list()[0]).toMatchObject({ id: first.id, name: 'Ada L.' })
    expect(manager.get('p:ada')?.tokens.access_token).toBe('at-2-aaaaaaaa')
  })

  it('refreshes shortly before expiry, and again before the next expiry', async () => {
    const { clock, script, manager } = setup()
    manager.remember('p', 'P', tokens(clock, 1, 60), ADA)
    await clock.run(new Promise<void>((resolve) => {
      const check = (): void => void (script.refreshCalls.length >= 2 ? resolve() : setImmediate(check))
      check()
    }))
    expect(script.refreshCalls).toEqual(['rt-1-bbbbbbbb', 'rt-2-bbbbbbbb'])
    // 60 s tokens, refreshed a tenth of the lifetime (6 s) before expiry: at 54 s, then 108 s.
    expect(clock.monotonic()).toBe(108_000)
    expect(manager.get('p:ada')?.tokens.refresh_token).toBe('rt-3-bbbbbbbb')
    await manager.close()
  })

  it('lets racing refreshes share one request', async () => {
    const { clock, script, manager } = setup()
    script.next = 'slow'
    manager.remember('p', 'P', tokens(clock, 1, 3600), ADA)
    const results = await clock.run(Promise.all([manager.refresh('p:ada'), manager.refresh('p:ada'), manager.refresh('p:ada')]))
    expect(script.refreshCalls).toHaveLength(1)
    expect(results.every((r) => r.ok)).toBe(true)
    await manager.close()
  })

  it('writes the rotated refresh token to the vault before the new access token is published', async () => {
    const base = memoryVault()
    const order: string[] = []
    const vault: AccountVault = { ...base, put: async (record) => (order.push(`put ${record.tokens.access_token}`), base.put(record)) }
    const { clock, manager } = setup(vault)
    manager.remember('p', 'P', tokens(clock, 1, 3600), ADA)
    await clock.run(manager.refresh('p:ada'))
    await manager.close()
    expect(order).toEqual(['put at-1-aaaaaaaa', 'put at-2-aaaaaaaa'])
    expect((await base.load())[0]?.tokens.refresh_token).toBe('rt-2-bbbbbbbb')
  })

  it('marks the account on invalid_grant, keeps it, and stops refreshing it', async () => {
    const { clock, script, manager, vault } = setup()
    script.next = 'invalid_grant'
    manager.remember('p', 'P', tokens(clock, 1, 3600), ADA)
    const result = await clock.run(manager.refresh('p:ada'))
    expect(result).toMatchObject({ ok: false, code: 'needs_sign_in' })
    expect(manager.list()).toMatchObject([{ id: 'p:ada', status: 'needs_sign_in' }])
    await manager.close()
    expect((await vault.load())[0]?.view.status).toBe('needs_sign_in')
    // A new sign-in makes it active again.
    manager.remember('p', 'P', tokens(clock, 9, 3600), ADA)
    expect(manager.list()[0]?.status).toBe('active')
  })

  it('keeps the account as it was after a network failure and retries later', async () => {
    const { clock, script, manager } = setup()
    script.next = 'network'
    manager.remember('p', 'P', tokens(clock, 1, 3600), ADA)
    expect(await clock.run(manager.refresh('p:ada'))).toMatchObject({ ok: false, code: 'network_error' })
    expect(manager.list()[0]?.status).toBe('active')
    script.next = 'rotate'
    await clock.run(new Promise<void>((resolve) => {
      const check = (): void => void (script.refreshCalls.length >= 2 ? resolve() : setImmediate(check))
      check()
    }))
    expect(clock.monotonic()).toBe(10_000)
    expect(manager.get('p:ada')?.tokens.access_token).toBe('at-2-aaaaaaaa')
    await manager.close()
  })

  it('retries once after a 401 with a refreshed token, and only once', async () => {
    const { clock, script, manager } = setup()
    manager.remember('p', 'P', tokens(clock, 1, 3600), ADA)
    const used: string[] = []
    const value = await clock.run(
      manager.withAccessToken('p:ada', async (t) => {
        used.push(t.access_token)
        if (t.access_token === 'at-1-aaaaaaaa') throw new LinkscreenError(ErrorCode.OAuth, 'userinfo: 401', { status: 401 })
        return 'profile'
      }),
    )
    expect(value).toBe('profile')
    expect(used).toEqual(['at-1-aaaaaaaa', 'at-2-aaaaaaaa'])
    const always401 = manager.withAccessToken('p:ada', async () => {
      throw new LinkscreenError(ErrorCode.OAuth, 'userinfo: 401', { status: 401 })
    })
    await expect(clock.run(always401)).rejects.toMatchObject({ status: 401 })
    expect(script.refreshCalls).toHaveLength(2)
    await manager.close()
  })
})

describe('a refreshed ID token about someone else', () => {
  it('is not used: the account keeps its tokens', async () => {
    const { clock, script, manager } = setup()
    script.next = 'other-sub'
    manager.remember('p', 'P', tokens(clock, 1, 3600), ADA)
    expect(await clock.run(manager.refresh('p:ada'))).toMatchObject({ ok: false, code: 'invalid_id_token' })
    expect(manager.get('p:ada')?.tokens.access_token).toBe('at-1-aaaaaaaa')
    await manager.close()
  })
})

describe('sign-out', () => {
  it('revokes, then removes the account everywhere', async () => {
    const { clock, script, manager, vault } = setup()
    manager.remember('p', 'P', tokens(clock, 1), ADA)
    expect(await clock.run(manager.signOut('p:ada'))).toEqual({ ok: true, value: [] })
    expect(script.revokeCalls).toBe(1)
    await manager.close()
    expect(await vault.load()).toEqual([])
  })

  it('removes the account and says so when the provider cannot be reached', async () => {
    const { clock, script, manager } = setup()
    script.revoke = 'fail'
    manager.remember('p', 'P', tokens(clock, 1), ADA)
    const result = await clock.run(manager.signOut('p:ada'))
    expect(result).toMatchObject({ ok: false, code: 'revocation_failed', message: expect.stringContaining('P was not reached') })
    expect(manager.list()).toEqual([])
  })

  it('gives up on a revocation that hangs after 10 s, and still removes the account', async () => {
    const { clock, script, manager } = setup()
    script.revoke = 'hang'
    manager.remember('p', 'P', tokens(clock, 1), ADA)
    const result = await clock.run(manager.signOut('p:ada'))
    expect(result).toMatchObject({ ok: false, code: 'revocation_failed', message: expect.stringContaining('10 s') })
    expect(clock.monotonic()).toBe(10_000)
    expect(manager.list()).toEqual([])
  })

  it('answers an unknown account plainly', async () => {
    const { manager } = setup()
    expect(await manager.signOut('p:nobody')).toMatchObject({ ok: false, code: 'unknown_account' })
  })
})
