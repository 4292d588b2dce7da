/**
 * The scrubber's match index is kept up to date secret by secret: a secret learned is redacted
 * at once, a secret forgotten (the oldest past the cap) is no longer matched, and after many
 * thousands of secrets the index holds only what the kept secrets need.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Scrubber, secretForms } from '../../../electron/core/scrubber'
import { SECRET_HEAD_LENGTH } from '../../../electron/core/redact'

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
    expect(scrubber.indexSnapshot()).toEqual(fresh.indexSnapshot())
    expect(scrubber.indexSnapshot().runs.length).toBeGreaterThan(0)
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

  it('a secret held (a device code being polled) is never forgotten, and is forgotten in turn once released', () => {
    const scrubber = new Scrubber({ maxLearned: 4 })
    scrubber.hold(secret(-1))
    scrubber.hold(secret(-1)) // two holders
    for (let i = 0; i < 50; i++) scrubber.add(secret(i))
    expect(scrubber.contains(`x ${secret(-1)}`)).toBe(true)
    // Learning it again while held changes nothing; one release of two keeps it held.
    scrubber.add(secret(-1))
    scrubber.release(secret(-1))
    for (let i = 50; i < 100; i++) scrubber.add(secret(i))
    expect(scrubber.contains(`x ${secret(-1)}`)).toBe(true)
    // The last release makes it the newest learned secret: still known, then pushed out by four newer ones.
    scrubber.release(secret(-1))
    expect(scrubber.contains(`x ${secret(-1)}`)).toBe(true)
    for (let i = 100; i < 103; i++) scrubber.add(secret(i))
    expect(scrubber.contains(`x ${secret(-1)}`)).toBe(true)
    scrubber.add(secret(103))
    expect(scrubber.contains(`x ${secret(-1)}`)).toBe(false)
    // The index then holds exactly what a scrubber that only learned the kept four has.
    const fresh = new Scrubber({ maxLearned: 4 })
    for (let i = 100; i < 104; i++) fresh.add(secret(i))
    expect(scrubber.indexSnapshot()).toEqual(fresh.indexSnapshot())
    // A held secret that becomes configured stays for good, indexed once.
    const kept = new Scrubber({ maxLearned: 1 })
    kept.hold(secret(7))
    kept.keep(secret(7))
    kept.release(secret(7))
    for (let i = 0; i < 5; i++) kept.add(secret(i + 200))
    expect(kept.contains(`x ${secret(7)}`)).toBe(true)
    const once = new Scrubber({ secrets: [secret(7)], maxLearned: 1 })
    once.add(secret(204))
    expect(kept.indexSnapshot()).toEqual(once.indexSnapshot())
  })

  it('redacts every run of eight characters of every form of a secret, wherever it is cut (the index leaves out only runs it holds twice)', () => {
    // Device-code-like secrets (base64url, base64) and ones with characters every encoding changes.
    const alphabet = Array.from('abcXYZ019._-~ %&<>"\'+/=éİ😀:')
    let seed = 7
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)
    for (let i = 0; i < 60; i++) {
      const value =
        i % 3 === 0
          ? createHash('sha256').update(`s${i}`).digest('base64url').slice(0, 20 + (i % 24))
          : i % 3 === 1
            ? createHash('sha256').update(`s${i}`).digest('base64').slice(0, 20 + (i % 24))
            : Array.from({ length: 6 + (i % 20) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
      const scrubber = new Scrubber()
      scrubber.add(value)
      for (const form of secretForms(value)) {
        if (form.length < SECRET_HEAD_LENGTH) {
          expect(scrubber.text(`¶${form}¶`), `${JSON.stringify(value)}: ${JSON.stringify(form)}`).toBe('¶[redacted]¶')
          continue
        }
        for (let at = 0; at + SECRET_HEAD_LENGTH <= form.length; at++) {
          const run = form.slice(at, at + SECRET_HEAD_LENGTH)
          expect(scrubber.text(`¶${run}¶`), `${JSON.stringify(value)}: ${JSON.stringify(form)} at ${at}`).toBe('¶[redacted]¶')
        }
      }
    }
  })

  it('redacts every run of eight characters of each encoding of a secret, the encodings made here independently of secretForms', () => {
    const secrets = ['GhoDevIceCode_0123456789abcdefABCDEF-xyz', 'Xy9_k-2.Q~tilde', `pässwörd 100% "ok" <tag> & 'q'`, '🔑 secret key+/=']
    /** Base64 of the secret inside longer data: the characters that carry only its bits. */
    const inside = (secret: string, before: string, url: boolean): string => {
      const pre = Buffer.from(before)
      const data = Buffer.concat([pre, Buffer.from(secret), Buffer.from('z')])
      const text = data.toString(url ? 'base64url' : 'base64')
      return text.slice(Math.ceil((pre.length * 8) / 6) + 1, Math.floor(((data.length - 1) * 8) / 6) - 1)
    }
    for (const value of secrets) {
      const bytes = [...Buffer.from(value)]
      const encodings = [
        value,
        value.toUpperCase(),
        encodeURIComponent(value),
        new URLSearchParams({ v: value }).toString().slice(2),
        bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
        bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
        JSON.stringify(value).slice(1, -1),
        value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
        Buffer.from(value).toString('base64'),
        ...['', 'a', 'ab'].flatMap((before) => [inside(value, before, false), inside(value, before, true)]),
      ]
      const scrubber = new Scrubber()
      scrubber.add(value)
      for (const encoded of encodings) {
        for (let at = 0; at + SECRET_HEAD_LENGTH <= encoded.length; at++) {
          const run = encoded.slice(at, at + SECRET_HEAD_LENGTH)
          expect(scrubber.text(`¶${run}¶`), `${JSON.stringify(value)} as ${JSON.stringify(encoded)} at ${at}`).toBe('¶[redacted]¶')
        }
      }
    }
  })
})
