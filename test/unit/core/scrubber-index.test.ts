/**
 * The scrubber's match index is kept up to date secret by secret: a secret learned is redacted
 * at once, a secret forgotten (the oldest past the cap) is no longer matched, and after many
 * thousands of secrets the index holds only what the kept secrets need.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Scrubber } from '../../../electron/core/scrubber'

/** A device-code-like secret sharing no 8-character run with the others. */
const secret = (i: number): string => createHash('sha256').update(String(i)).digest('base64url').slice(0, 32)

describe('the scrubber index', () => {
  it('redacts what it has learned, forgets the oldest past its cap, and stays bounded', () => {
    const scrubber = new Scrubber({ secrets: ['configured-api-key-123'], maxLearned: 16 })
    for (let i = 0; i < 5000; i++) {
      scrubber.add(secret(i))
      expect(scrubber.text(`answer: ${secret(i)}`)).toBe('answer: [redacted]')
    }
    // The newest 16 are known, the older ones are not; the configured one is never forgotten.
    expect(scrubber.contains(secret(4999 - 15))).toBe(true)
    expect(scrubber.contains(secret(4999 - 16))).toBe(false)
    expect(scrubber.contains(secret(0))).toBe(false)
    expect(scrubber.text('key configured-api-key-123')).toBe('key [redacted]')
    // The index is exactly what a scrubber that only ever knew the kept secrets has: nothing forgotten stays in it.
    const fresh = new Scrubber({ secrets: ['configured-api-key-123'], maxLearned: 16 })
    for (let i = 5000 - 16; i < 5000; i++) fresh.add(secret(i))
    // (a text to scrub puts what was learned since into the index)
    const index = (x: Scrubber) => (x.contains('-'), x as unknown as { windows: Map<string, number>; short: Map<string, number> })
    expect(index(scrubber).windows).toEqual(index(fresh).windows)
    expect(index(scrubber).short).toEqual(index(fresh).short)
  })

  it('a secret learned twice, or kept after being learned, is still forgotten cleanly', () => {
    const scrubber = new Scrubber({ maxLearned: 2 })
    scrubber.add('aaaaaaaaaaaaaaaa')
    scrubber.add('aaaaaaaaaaaaaaaa')
    scrubber.keep('bbbbbbbbbbbbbbbb')
    scrubber.add('bbbbbbbbbbbbbbbb')
    scrubber.add('cccccccccccccccc')
    scrubber.add('dddddddddddddddd')
    scrubber.add('eeeeeeeeeeeeeeee')
    expect(scrubber.contains('x aaaaaaaaaaaaaaaa')).toBe(false)
    expect(scrubber.contains('x bbbbbbbbbbbbbbbb')).toBe(true)
    expect(scrubber.contains('x cccccccccccccccc')).toBe(false)
    expect(scrubber.contains('x eeeeeeeeeeeeeeee')).toBe(true)
  })
})
