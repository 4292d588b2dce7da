/**
 * The renderer's logic for the account actions, the approve screen and the QA panel, without a
 * DOM: the flow log → chart mapping, failure codes → messages, the shortcuts and text-field
 * keys, which screen shows, the poll intervals kept from snapshots, the serve-mode bridge on
 * the new channels, and the actions against a scripted bridge.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IDLE_SNAPSHOT, type Bridge, type FlowLogView, type FlowSnapshot, type InvokeChannel, type InvokeMap } from '../../../electron/ipc/contract'
import { createActions } from '../../../renderer/actions'
import { createHttpBridge, RESULT_CHANNELS } from '../../../renderer/bridge'
import { fieldKeepsKey, scrollStep } from '../../../renderer/focus/editing'
import { opensQa } from '../../../renderer/focus/shortcuts'
import { chartModel, logFileName, niceTicks, outcomeOf, resultText, shortUrl, type LogEntry } from '../../../renderer/format/flow-log'
import { CATALOGUES, de, en, type MessageKey } from '../../../renderer/i18n/catalogue'
import { approveFailureKey, errorKey, needsSignInAgain, translator } from '../../../renderer/i18n/translate'
import { screenKeyOf } from '../../../renderer/screen-key'
import { useStore } from '../../../renderer/store'
import { receiveAppInfo, trackIntervals } from '../../../renderer/store/updates'

const STARTED = Date.parse('2026-11-22T20:00:00.000Z')

function entry(seq: number, offsetMs: number, extra: Partial<LogEntry> = {}): LogEntry {
  return { seq, at: new Date(STARTED + offsetMs).toISOString(), offsetMs, method: 'POST', url: 'http://127.0.0.1:4000/api/auth/device/token', durationMs: 5, ...extra }
}

function log(entries: readonly LogEntry[], extra: Partial<FlowLogView> = {}): FlowLogView {
  return { format: 'linkscreen-flow-log', version: 1, provider: 'ba', startedAt: new Date(STARTED).toISOString(), maxEntries: 500, dropped: 0, entries, ...extra }
}

describe('flow log entries → chart', () => {
  it.each<[Record<string, unknown>, string]>([
    [{ status: 400, oauthError: 'authorization_pending' }, 'pending'],
    [{ status: 400, oauthError: 'slow_down' }, 'slow_down'],
    [{ status: 200 }, 'success'],
    [{ status: 204 }, 'success'],
    [{ status: 200, oauthError: 'authorization_pending' }, 'pending'], // GitHub: errors with HTTP 200
    [{ status: 200, oauthError: 'access_denied' }, 'error'],
    [{ status: 400, oauthError: 'expired_token' }, 'error'],
    [{ status: 500 }, 'error'],
    [{ failure: { code: 'network_error', reason: 'ECONNREFUSED' } }, 'network'],
    [{ failure: { code: 'timeout' } }, 'network'],
    [{ inFlight: true }, 'in_flight'],
  ])('%j is %s', (fields, outcome) => {
    const e = { ...entry(1, 0), ...fields } as LogEntry
    if (!('status' in fields)) delete (e as { status?: number }).status
    expect(outcomeOf(e)).toBe(outcome)
  })

  it('one point per entry: x in seconds since the start, y the gap since the same URL (else since the previous request)', () => {
    const model = chartModel(
      log([
        entry(1, 0, { url: 'http://127.0.0.1:4000/api/auth/device/code', status: 200 }),
        entry(2, 1050, { status: 400, oauthError: 'authorization_pending' }),
        entry(3, 2100, { status: 400, oauthError: 'slow_down' }),
        entry(4, 8150, { status: 200 }),
        entry(5, 8170, { method: 'GET', url: 'http://127.0.0.1:4000/api/auth/get-session', status: 200 }),
      ]),
      [],
    )
    expect(model.points.map((p) => [p.seq, p.x, p.y, p.outcome])).toEqual([
      [1, 0, 0, 'success'],
      [2, 1.05, 1.05, 'pending'], // first poll: since the code request
      [3, 2.1, 1.05, 'slow_down'],
      [4, 8.15, 6.05, 'success'],
      [5, 8.17, 0.02, 'success'],
    ])
    expect(model.points[0]?.gap).toBeNull()
    expect(model.xMax).toBeGreaterThanOrEqual(8.175)
    expect(model.yMax).toBeGreaterThanOrEqual(6.05)
    expect(model.xTicks[0]).toBe(0)
    expect(model.xTicks.at(-1)).toBe(model.xMax)
    expect(model.steps).toEqual([])
  })

  it('keeps every entry, even hundreds at the same time', () => {
    const many = Array.from({ length: 500 }, (_, i) => entry(i + 1, i * 10, { status: 400, oauthError: 'authorization_pending' }))
    expect(chartModel(log(many), []).points).toHaveLength(500)
  })

  it('draws the intervals this flow had as steps, and leaves out those of another provider or another time', () => {
    const l = log([entry(1, 0, { status: 200 }), entry(2, 5000, { status: 400, oauthError: 'slow_down' }), entry(3, 15_000, { status: 200 })], {
      endedAt: new Date(STARTED + 15_010).toISOString(),
      durationMs: 15_010,
    })
    const model = chartModel(l, [
      { provider: 'ba', at: STARTED - 60_000, seconds: 9 }, // an earlier flow
      { provider: 'other', at: STARTED + 200, seconds: 7 }, // another provider
      { provider: 'ba', at: STARTED + 100, seconds: 5 },
      { provider: 'ba', at: STARTED + 3000, seconds: 5 }, // unchanged: no new step
      { provider: 'ba', at: STARTED + 5100, seconds: 10 }, // slow_down: +5 s
      { provider: 'ba', at: STARTED + 99_000, seconds: 20 }, // after the end
    ])
    expect(model.steps).toEqual([
      { from: 0.1, to: 5.1, seconds: 5 },
      { from: 5.1, to: 15.01, seconds: 10 },
    ])
    expect(model.yMax).toBeGreaterThanOrEqual(10)
  })

  it('has round ticks covering the range', () => {
    expect(niceTicks(3.21)).toEqual([0, 1, 2, 3, 4])
    expect(niceTicks(2.9)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3])
    expect(niceTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(niceTicks(47)).toEqual([0, 10, 20, 30, 40, 50])
  })

  it('names the file after provider and start, with nothing a file system refuses', () => {
    expect(logFileName(log([], { provider: 'my/app:1' }))).toBe('linkscreen-flow-log-my_app_1-2026-11-22T20-00-00Z.json')
    const { provider: _provider, ...anonymous } = log([])
    expect(logFileName(anonymous)).toMatch(/^linkscreen-flow-log-flow-/)
  })

  it('shows a URL by path and query, and an exchange’s result in a phrase', () => {
    expect(shortUrl('http://127.0.0.1:4000/api/auth/device?user_code=%5Bredacted%5D')).toBe('/api/auth/device?user_code=%5Bredacted%5D')
    expect(shortUrl('not a url')).toBe('not a url')
    expect(resultText(entry(1, 0, { failure: { code: 'network_error', reason: 'ECONNREFUSED' } }))).toBe('network_error (ECONNREFUSED)')
    expect(resultText(entry(1, 0, { status: 400, oauthError: 'slow_down' }))).toBe('slow_down')
    expect(resultText(entry(1, 0, { status: 200 }))).toBe('')
  })
})

describe('approval failures → messages', () => {
  const listed = ['invalid_code', 'expired_code', 'already_processed', 'claimed_by_other', 'not_signed_in', 'rate_limited', 'network_error', 'unsupported'] as const

  it('gives each failure the issue lists a message of its own, in English and German', () => {
    const keys = listed.map((code) => approveFailureKey(code))
    expect(new Set(keys).size).toBe(listed.length)
    for (const key of keys) {
      expect(key).not.toBe('approve.failure.generic')
      expect(en[key]).not.toBe('')
      expect(de[key]).not.toBe(en[key])
    }
  })

  it.each([
    ['needs_sign_in', 'approve.failure.not_signed_in'],
    ['timeout', 'approve.failure.network_error'],
    ['not_supported', 'approve.failure.unsupported'],
    ['invalid_request', 'approve.failure.invalid_code'],
    ['empty_code', 'approve.failure.empty'],
    ['something_new', 'approve.failure.generic'],
    [null, 'approve.failure.generic'],
  ])('%s → %s', (code, key) => {
    expect(approveFailureKey(code)).toBe(key)
  })

  it('offers "sign in again" only when the session is the problem', () => {
    expect(needsSignInAgain('not_signed_in')).toBe(true)
    expect(needsSignInAgain('needs_sign_in')).toBe(true)
    expect(needsSignInAgain('invalid_code')).toBe(false)
  })

  it('every approve.failure message is reachable, and the provider is filled in', () => {
    const reachable = new Set([...listed, 'needs_sign_in', 'not_claimed', 'unknown_account', 'empty_code', 'x'].map((c) => approveFailureKey(c)))
    const all = (Object.keys(en) as MessageKey[]).filter((k) => k.startsWith('approve.failure.'))
    expect([...reachable].sort()).toEqual(all.sort())
    expect(translator('de')(approveFailureKey('network_error'), { provider: 'Acme' })).toContain('Acme')
  })

  it('the new refusals of accounts and export have titles; revocation says the provider was not reached', () => {
    for (const code of ['revocation_failed', 'no_refresh_token', 'needs_sign_in', 'unsupported', 'no_log']) expect(errorKey(code)).toBe(`errors.${code}`)
    expect(en['errors.revocation_failed']).toMatch(/signed out here.*provider was not reached/i)
  })

  it('German has every key, none left in English by mistake except protocol names', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort())
    const same = (Object.keys(en) as MessageKey[]).filter((k) => (k.startsWith('qa.') || k.startsWith('approve.') || k.startsWith('accounts.')) && en[k] === CATALOGUES.de[k])
    expect(same.sort()).toEqual(['qa.col.duration', 'qa.col.seq', 'qa.col.status', 'qa.col.time', 'qa.col.url', 'qa.kind.pending', 'qa.kind.slow_down'])
  })
})

describe('keys', () => {
  const ctx = { kiosk: false, screen: 'idle' as const, fixed: false, typing: false }

  it('F2 opens the QA panel anywhere, Q on the picker and the accounts only', () => {
    expect(opensQa('F2', ctx)).toBe(true)
    expect(opensQa('F2', { ...ctx, screen: 'waiting' })).toBe(true)
    expect(opensQa('q', ctx)).toBe(true)
    expect(opensQa('Q', { ...ctx, screen: 'accounts' })).toBe(true)
    expect(opensQa('q', { ...ctx, screen: 'waiting' })).toBe(false)
    expect(opensQa('q', { ...ctx, fixed: true })).toBe(false) // idle with a fixed provider is its sign-in
    expect(opensQa('a', ctx)).toBe(false)
  })

  it('never in kiosk mode, while loading, on the panel itself, or Q while typing', () => {
    expect(opensQa('F2', { ...ctx, kiosk: true })).toBe(false)
    expect(opensQa('q', { ...ctx, kiosk: true })).toBe(false)
    expect(opensQa('F2', { ...ctx, screen: 'loading' })).toBe(false)
    expect(opensQa('F2', { ...ctx, screen: 'qa' })).toBe(false)
    expect(opensQa('q', { ...ctx, screen: 'accounts', typing: true })).toBe(false)
  })

  it('a text field keeps Backspace and the caret keys until the caret reaches its edge', () => {
    const mid = { length: 8, start: 4, end: 4 }
    expect(fieldKeepsKey('Backspace', mid)).toBe(true)
    expect(fieldKeepsKey('ArrowLeft', mid)).toBe(true)
    expect(fieldKeepsKey('ArrowRight', mid)).toBe(true)
    expect(fieldKeepsKey('ArrowLeft', { length: 8, start: 0, end: 0 })).toBe(false)
    expect(fieldKeepsKey('ArrowRight', { length: 8, start: 8, end: 8 })).toBe(false)
    expect(fieldKeepsKey('ArrowLeft', { length: 8, start: 0, end: 8 })).toBe(true) // collapses a selection first
    expect(fieldKeepsKey('ArrowUp', mid)).toBe(false)
    expect(fieldKeepsKey('Escape', mid)).toBe(false)
    expect(fieldKeepsKey('Enter', mid)).toBe(false)
  })

  it('a scrollable region scrolls with Up/Down until its edge, then lets focus move', () => {
    expect(scrollStep('down', { scrollTop: 0, clientHeight: 200, scrollHeight: 600 })).toBe(120)
    expect(scrollStep('up', { scrollTop: 0, clientHeight: 200, scrollHeight: 600 })).toBeNull()
    expect(scrollStep('up', { scrollTop: 50, clientHeight: 200, scrollHeight: 600 })).toBe(-120)
    expect(scrollStep('down', { scrollTop: 400, clientHeight: 200, scrollHeight: 600 })).toBeNull()
    expect(scrollStep('left', { scrollTop: 50, clientHeight: 200, scrollHeight: 600 })).toBeNull()
  })
})

describe('which screen shows', () => {
  const base = { loaded: true, view: 'flow' as const, status: 'idle' as const, kiosk: false, approving: false }
  it.each([
    [{}, 'idle'],
    [{ loaded: false, view: 'qa' }, 'loading'],
    [{ view: 'qa' }, 'qa'],
    [{ view: 'qa', kiosk: true, status: 'waiting' }, 'waiting'],
    [{ view: 'approve', approving: true }, 'approve'],
    [{ view: 'approve' }, 'accounts'],
    [{ view: 'accounts' }, 'accounts'],
  ])('%j → %s', (input, key) => {
    expect(screenKeyOf({ ...base, ...input } as Parameters<typeof screenKeyOf>[0])).toBe(key)
  })
})

describe('poll intervals kept from snapshots', () => {
  const snap = (fields: Partial<FlowSnapshot>): FlowSnapshot => ({ ...IDLE_SNAPSHOT, ...fields })

  it('starts again with a new flow, adds changes only, and keeps the list through idle and outcomes', () => {
    let marks = trackIntervals([], snap({}), snap({ status: 'starting', providerId: 'ba' }), 1)
    expect(marks).toEqual([])
    marks = trackIntervals(marks, snap({ status: 'starting', providerId: 'ba' }), snap({ status: 'waiting', providerId: 'ba', interval: 5 }), 2)
    marks = trackIntervals(marks, snap({ status: 'waiting', providerId: 'ba', interval: 5 }), snap({ status: 'waiting', providerId: 'ba', interval: 5, poll: 'pending' }), 3)
    marks = trackIntervals(marks, snap({ status: 'waiting', providerId: 'ba', interval: 5 }), snap({ status: 'waiting', providerId: 'ba', interval: 10, poll: 'slow_down' }), 4)
    marks = trackIntervals(marks, snap({ status: 'waiting', providerId: 'ba', interval: 10 }), snap({ status: 'authorized', providerId: 'ba' }), 5)
    marks = trackIntervals(marks, snap({ status: 'authorized', providerId: 'ba' }), snap({ status: 'idle' }), 6)
    expect(marks).toEqual([
      { provider: 'ba', at: 2, seconds: 5 },
      { provider: 'ba', at: 4, seconds: 10 },
    ])
    expect(trackIntervals(marks, snap({ status: 'idle' }), snap({ status: 'starting', providerId: 'demo' }), 7)).toEqual([])
  })
})

describe('the serve-mode bridge on the new channels', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('reads a JSON null (log:get before any flow) as null, not as a broken answer', async () => {
    vi.stubGlobal('fetch', async () => new Response('null', { status: 200, headers: { 'content-type': 'application/json' } }))
    await expect(createHttpBridge('http://127.0.0.1:1/secret/').invoke('log:get', null)).resolves.toBeNull()
  })

  it('still refuses a body that is not JSON', async () => {
    vi.stubGlobal('fetch', async () => new Response('<html>', { status: 200 }))
    await expect(createHttpBridge('http://127.0.0.1:1/secret/').invoke('log:get', null)).rejects.toMatchObject({ code: 'invalid_response' })
  })

  it('turns a 400 on a Result channel into a refusal', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ ok: false, code: 'invalid_request', message: 'approve:claim: request.userCode: too long' }), { status: 400 }))
    const bridge = createHttpBridge('http://127.0.0.1:1/secret/')
    await expect(bridge.invoke('approve:claim', { accountId: 'a', userCode: 'x'.repeat(300) })).resolves.toEqual({ ok: false, code: 'invalid_request', message: 'approve:claim: request.userCode: too long' })
  })

  it('knows every channel that answers a Result', () => {
    for (const channel of ['accounts:refresh', 'approve:claim', 'approve:decide', 'log:export', 'accounts:sign-out'] as const) expect(RESULT_CHANNELS.has(channel)).toBe(true)
    expect(RESULT_CHANNELS.has('log:get')).toBe(false)
  })
})

describe('actions against a scripted back end', () => {
  type Answers = { [C in InvokeChannel]?: (request: InvokeMap[C]['request']) => Promise<InvokeMap[C]['response']> }
  const calls: { channel: string; request: unknown }[] = []
  function bridge(answers: Answers): Bridge {
    return {
      invoke: async (channel, request) => {
        calls.push({ channel, request })
        const answer = answers[channel] as ((r: unknown) => Promise<unknown>) | undefined
        if (!answer) throw new Error(`unexpected ${channel}`)
        return answer(request) as never
      },
      on: () => () => undefined,
      onConnection: () => () => undefined,
    }
  }
  const approval = { accountId: 'ba:1', providerName: 'Better Auth', userCode: 'ABCDEFGH', clientId: 'tv', clientName: null, scopes: ['openid'], approver: 'Ada' }

  beforeEach(() => {
    calls.length = 0
    useStore.setState({ view: 'accounts', notice: null, accountNote: null, approval: null, log: null, logState: 'loading', exportNote: null, qaReturn: 'flow' })
    receiveAppInfo({ kiosk: false, fixedProvider: null, locale: 'en', host: 'serve', storage: 'memory', notices: [] })
  })

  it('sign-out refused with revocation_failed: the notice says so (the list comes from accounts:changed)', async () => {
    const actions = createActions(bridge({ 'accounts:sign-out': async () => ({ ok: false, code: 'revocation_failed', message: 'Signed out on this device, but Better Auth was not reached' }) }))
    await actions.signOut('ba:1')
    expect(useStore.getState().notice).toEqual({ code: 'revocation_failed', message: 'Signed out on this device, but Better Auth was not reached' })
    expect(useStore.getState().accountNote).toBeNull()
  })

  it('refresh: the row says it is refreshing, then the refusal and its message', async () => {
    let answer!: (r: InvokeMap['accounts:refresh']['response']) => void
    const actions = createActions(bridge({ 'accounts:refresh': () => new Promise((resolve) => (answer = resolve)) }))
    const done = actions.refreshAccount('ba:1')
    expect(useStore.getState().accountNote).toEqual({ accountId: 'ba:1', kind: 'refreshing' })
    answer({ ok: false, code: 'network_error', message: 'GET …: ECONNREFUSED' })
    await done
    expect(useStore.getState().accountNote).toEqual({ accountId: 'ba:1', kind: 'failed', code: 'network_error', message: 'GET …: ECONNREFUSED' })
    expect(calls).toEqual([{ channel: 'accounts:refresh', request: { accountId: 'ba:1' } }])
  })

  it('approve: an empty code is not sent; a refusal keeps the typed code; a claim shows what asks; approve ends approved', async () => {
    let claims = 0
    const actions = createActions(
      bridge({
        'approve:claim': async ({ userCode }) => (++claims === 1 ? { ok: false, code: 'invalid_code', message: `no device is waiting for ${userCode}` } : { ok: true, value: approval }),
        'approve:decide': async () => ({ ok: true, value: null }),
      }),
    )
    actions.showApprove('ba:1')
    expect(useStore.getState().view).toBe('approve')
    await actions.claimCode('   ')
    expect(calls).toEqual([])
    expect(useStore.getState().approval?.failure?.code).toBe('empty_code')

    await actions.claimCode(' zzzz-zzzz ')
    expect(useStore.getState().approval).toMatchObject({ step: 'enter', typed: 'zzzz-zzzz', failure: { code: 'invalid_code' } })
    await actions.claimCode('abcd-efgh')
    expect(useStore.getState().approval).toMatchObject({ step: 'confirm', request: approval, failure: null })
    await actions.decideCode('approve')
    expect(useStore.getState().approval?.step).toBe('approved')
    expect(calls.at(-1)).toEqual({ channel: 'approve:decide', request: { accountId: 'ba:1', userCode: 'ABCDEFGH', decision: 'approve' } })
    actions.approveAnother()
    expect(useStore.getState().approval).toMatchObject({ step: 'enter', typed: '', request: null })
  })

  it('approve: a refused decision stays on the confirmation with its reason; a thrown invoke is a network error', async () => {
    const actions = createActions(
      bridge({
        'approve:claim': async () => ({ ok: true, value: approval }),
        'approve:decide': async ({ decision }) => {
          if (decision === 'deny') throw new TypeError('Failed to fetch')
          return { ok: false, code: 'expired_code', message: 'the code expired' }
        },
      }),
    )
    actions.showApprove('ba:1')
    await actions.claimCode('ABCDEFGH')
    await actions.decideCode('approve')
    expect(useStore.getState().approval).toMatchObject({ step: 'confirm', failure: { code: 'expired_code' } })
    await actions.decideCode('deny')
    expect(useStore.getState().approval).toMatchObject({ step: 'confirm', failure: { code: 'network_error', message: 'Failed to fetch' } })
  })

  it('an answer for an approval the user left is dropped', async () => {
    let answer!: (r: InvokeMap['approve:claim']['response']) => void
    const actions = createActions(bridge({ 'approve:claim': () => new Promise((resolve) => (answer = resolve)), 'auth:cancel': async () => ({ ok: true, value: { ...IDLE_SNAPSHOT, seq: 1 } }) }))
    actions.showApprove('ba:1')
    const claim = actions.claimCode('ABCDEFGH')
    actions.showApprove('ba:2')
    answer({ ok: true, value: approval })
    await claim
    expect(useStore.getState().approval).toMatchObject({ accountId: 'ba:2', step: 'enter', request: null })
  })

  it('QA: opens over the current view and closes back to it; never in kiosk mode; the log is kept when unchanged', async () => {
    const theLog = log([entry(1, 0, { status: 200 })])
    const actions = createActions(bridge({ 'log:get': async () => theLog }))
    await actions.openQa()
    expect(useStore.getState()).toMatchObject({ view: 'qa', qaReturn: 'accounts', log: theLog, logState: 'ready' })
    const first = useStore.getState().log
    await actions.loadLog()
    expect(useStore.getState().log).toBe(first)
    actions.closeQa()
    expect(useStore.getState().view).toBe('accounts')

    receiveAppInfo({ kiosk: true, fixedProvider: null, locale: 'en', host: 'electron', storage: 'encrypted', notices: [] })
    await actions.openQa()
    expect(useStore.getState().view).toBe('accounts')
  })

  it('QA export: the app’s save answers a path; a cancelled save says nothing; another refusal is shown', async () => {
    const answers: InvokeMap['log:export']['response'][] = [
      { ok: true, value: '/home/qa/log.json' },
      { ok: false, code: 'cancelled', message: 'not saved' },
      { ok: false, code: 'no_log', message: 'no sign-in has run yet' },
    ]
    const actions = createActions(bridge({ 'log:export': async () => answers.shift() as InvokeMap['log:export']['response'] }))
    await actions.exportLog()
    expect(useStore.getState().exportNote).toEqual({ kind: 'saved', path: '/home/qa/log.json' })
    await actions.exportLog()
    expect(useStore.getState().exportNote).toBeNull()
    await actions.exportLog()
    expect(useStore.getState().exportNote).toEqual({ kind: 'failed', code: 'no_log', message: 'no sign-in has run yet' })
  })
})
