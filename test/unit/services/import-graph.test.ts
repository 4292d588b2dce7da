/**
 * One way down (issue #12, item 11): the services and the adapters import each other in one
 * direction only. The vault's types live in `electron/services/vault-types.ts`, which both
 * services and the vault adapter import, so no file of theirs needs another's implementation.
 * The check reads every `import … from './x'` (type imports too: a circle of types is still a
 * circle to a reader and to bundlers' chunking) and looks for a cycle.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')
const FOLDERS = ['electron/services', 'electron/adapters', 'electron/app', 'electron/ipc']

function files(): string[] {
  return FOLDERS.flatMap((folder) =>
    readdirSync(join(ROOT, folder))
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
      .map((name) => join(folder, name)),
  )
}

/** The local files a module imports (static `from '…'` and `import('…')`), as repository paths. */
export function importsOf(file: string, source: string): string[] {
  const out: string[] = []
  for (const match of source.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), match[1]!))
    out.push(target.endsWith('.ts') ? target : `${target}.ts`)
  }
  return out
}

/** The first cycle found in `graph`, as a list of files, or undefined. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node]
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue
      const cycle = visit(next)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of graph.keys()) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return undefined
}

describe('import graph of the services and adapters', () => {
  it('finds a cycle when there is one (the check can fail)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ])
    expect(findCycle(graph)).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts'])
    // The shape this repository had: accounts.ts imported its vault types from flow-service.ts.
    const before = new Map([
      ['electron/services/flow-service.ts', ['electron/services/accounts.ts']],
      ['electron/services/accounts.ts', ['electron/services/flow-service.ts']],
    ])
    expect(findCycle(before)).toBeDefined()
  })

  it('has no cycle: the vault types have one home that services and the adapter import', () => {
    const graph = new Map(files().map((file) => [file, importsOf(file, readFileSync(join(ROOT, file), 'utf8'))]))
    expect(findCycle(graph)).toBeUndefined()
    for (const file of ['electron/services/accounts.ts', 'electron/adapters/vault.ts']) {
      expect(graph.get(file)).toContain('electron/services/vault-types.ts')
      expect(graph.get(file)).not.toContain('electron/services/flow-service.ts')
    }
  })
})
