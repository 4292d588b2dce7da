/**
 * The core runs in the Electron main process, the CLI and tests alike: it imports neither
 * Electron nor Node built-ins, and reads no clock, timer, randomness or environment it was
 * not given.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const CORE = fileURLToPath(new URL('../../../electron/core/', import.meta.url))

const FORBIDDEN: [RegExp, string][] = [
  [/from\s+['"]electron['"]|require\(['"]electron['"]\)/, 'imports electron'],
  [/from\s+['"](node:)?(fs|fs\/promises|child_process|os|path|net|http|https)['"]/, 'imports a Node built-in'],
  [/\bDate\.now\(|\bnew Date\(\)/, 'reads the clock (use the injected Clock)'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'starts a timer (use Clock.sleep)'],
  [/\bMath\.random\(/, 'uses randomness it was not given'],
  [/\bprocess\./, 'reads the process environment'],
  [/\bconsole\./, 'logs (report through events instead)'],
]

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []))))
  return nested.flat()
}

describe('electron/core stays pure', () => {
  it('has no forbidden imports or ambient effects', async () => {
    const files = await sources(CORE)
    expect(files.length).toBeGreaterThan(10)
    const problems: string[] = []
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(text)) problems.push(`${file.slice(CORE.length)} ${what}`)
    }
    expect(problems).toEqual([])
  })
})
