/** The renderer's pure logic: code display, time, URLs, languages, spatial focus, stale snapshots. */
import { describe, expect, it } from 'vitest'
import { nextInDirection, type Box } from '../../../renderer/focus/spatial'
import { clock, secondsLeft } from '../../../renderer/format/time'
import { displayUrl, safeUrl } from '../../../renderer/format/urls'
import { codeGroups, spellCode } from '../../../renderer/format/user-code'
import { CATALOGUES } from '../../../renderer/i18n/catalogue'
import { errorKey, pickLanguage, translator } from '../../../renderer/i18n/translate'
import { useStore } from '../../../renderer/store'
import { receiveSnapshot } from '../../../renderer/store/updates'
import { IDLE_SNAPSHOT, type FlowSnapshot } from '../../../electron/ipc/contract'

describe('user codes', () => {
  it.each([
    ['WDJB-MJHT', ['WDJB', 'MJHT']],
    ['WDJBMJHT', ['WDJB', 'MJHT']],
    ['ABC DEF', ['ABC', 'DEF']],
    ['123456789', ['123', '456', '789']],
    ['ABCD', ['ABCD']],
  ])('%s is shown as %j', (code, groups) => {
    expect(codeGroups(code)).toEqual(groups)
  })

  it('is spelled one character at a time for screen readers', () => {
    const spelled = spellCode('WD-0O')
    expect(spelled).toMatch(/W.+D/)
    expect(spelled).not.toContain('WD')
  })
})

describe('countdown text', () => {
  it.each([
    [0, '00:00'],
    [59, '00:59'],
    [600, '10:00'],
    [3599, '59:59'],
    [86_400, '24:00:00'],
    [-5, '00:00'],
  ])('%d s → %s', (seconds, text) => {
    expect(clock(seconds)).toBe(text)
  })

  it('rounds the time left up, never below zero', () => {
    expect(secondsLeft(10_500, 10_000)).toBe(1)
    expect(secondsLeft(9_000, 10_000)).toBe(0)
  })
})

describe('URLs the screen shows or encodes', () => {
  it.each([
    ['https://example.com/device', 'example.com/device'],
    ['http://127.0.0.1:3000/device', 'http://127.0.0.1:3000/device'],
    ['http://localhost/', 'http://localhost'],
  ])('%s is shown as %s', (url, text) => {
    expect(displayUrl(safeUrl(url) as URL)).toBe(text)
  })

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'http://evil.example/device', 'https://user:pw@example.com/', 'data:text/html,x', '', null])('refuses %s', (url) => {
    expect(safeUrl(url)).toBeNull()
  })
})

describe('languages', () => {
  it('picks German for any German locale, English otherwise', () => {
    expect(pickLanguage(['de-AT'])).toBe('de')
    expect(pickLanguage(['fr-FR', 'de'])).toBe('de')
    expect(pickLanguage(['ja-JP'])).toBe('en')
    expect(pickLanguage([])).toBe('en')
  })

  it('every English string has a German one, with the same placeholders', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const [key, text] of Object.entries(CATALOGUES.en)) {
      const german = (CATALOGUES.de as Record<string, string>)[key]
      expect(german, key).toEqual(expect.any(String))
      expect(placeholders(String(german)), key).toEqual(placeholders(text))
    }
  })

  it('fills placeholders and maps unknown error codes to the generic title', () => {
    expect(translator('en')('signIn.title', { provider: 'Trakt' })).toContain('Trakt')
    expect(errorKey('network_error')).toBe('errors.network_error')
    expect(errorKey('made_up')).toBe('errors.generic')
  })
})

describe('spatial focus', () => {
  const box = (left: number, top: number, width = 100, height = 50): Box => ({ left, top, width, height })
  //  [0: 0,0]      [1: 300,0]
  //  [2: 0,200]    [3: 300,200]
  const grid = [box(0, 0), box(300, 0), box(0, 200), box(300, 200)]

  it.each([
    [0, 'right', 1],
    [0, 'down', 2],
    [3, 'up', 1],
    [3, 'left', 2],
    [0, 'up', -1],
    [0, 'left', -1],
  ] as const)('from %d going %s lands on %d', (from, direction, to) => {
    expect(nextInDirection(grid[from] as Box, grid.map((b, i) => (i === from ? box(0, 0, 0, 0) : b)), direction)).toBe(to)
  })

  it('prefers the same row to a closer box diagonally', () => {
    const from = box(0, 0)
    expect(nextInDirection(from, [box(150, 200), box(400, 0)], 'right')).toBe(1)
  })
})

describe('the store', () => {
  const snapshot = (seq: number, status: FlowSnapshot['status']): FlowSnapshot => ({ ...IDLE_SNAPSHOT, seq, status, providerId: 'p', providerName: 'P' })

  it('keeps the newest snapshot: a stale one arriving late is ignored', () => {
    receiveSnapshot(snapshot(5, 'waiting'))
    receiveSnapshot(snapshot(4, 'idle'))
    expect(useStore.getState().flow).toMatchObject({ seq: 5, status: 'waiting' })
    receiveSnapshot(snapshot(6, 'authorized'))
    expect(useStore.getState().flow.status).toBe('authorized')
  })
})
