/**
 * SECURITY.md maps every item of Electron's checklist to the test that checks it; this keeps
 * the map honest: all 20 checklist rows are there, and every test file it names exists.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const doc = readFileSync('SECURITY.md', 'utf8')

describe('SECURITY.md', () => {
  it('has a row for each of the 20 items of Electron’s checklist', () => {
    const section = doc.slice(doc.indexOf("## Electron's checklist"), doc.indexOf('## RFC 8628'))
    const numbers = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })

  it('names only test files that exist', () => {
    const named = new Set<string>()
    for (const [, path] of doc.matchAll(/`(test\/[\w./-]+\.ts)`/g)) named.add(String(path))
    // Short names (`window.test.ts`) refer to test/unit/electron/.
    for (const [, file] of doc.matchAll(/`([\w-]+\.test\.ts)`/g)) named.add(join('test/unit/electron', String(file)))
    const missing = [...named].filter((path) => !existsSync(path) && !existsSync(path.replace('test/unit/electron/', 'test/e2e/')) && !existsSync(path.replace('test/unit/electron/', 'test/unit/services/')) && !existsSync(path.replace('test/unit/electron/', 'test/integration/')) && !existsSync(path.replace('test/unit/electron/', 'test/unit/ipc/')))
    expect(named.size).toBeGreaterThan(10)
    expect(missing).toEqual([])
  })
})
