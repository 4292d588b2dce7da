/**
 * The configuration watch against real files (issue #12, item 7): an editor that saves by
 * writing a new file and renaming it over the old one, several times; the file deleted; the
 * file created again. Each change must reach `reload`. A watch on the file itself (the old
 * `fs.watch(path)`) follows the first inode and goes deaf after the first such save.
 */
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../electron/adapters/config-file'
import { watchConfigFile, type ConfigWatch } from '../../../electron/adapters/config-watch'

const provider = (id: string) => ({ id, name: id, dialect: 'oauth2', clientId: 'tv', endpoints: { deviceAuthorization: `https://${id}.test/device`, token: `https://${id}.test/token` } })
const file = (...ids: string[]) => JSON.stringify({ providers: ids.map(provider) })

async function until(what: string, probe: () => boolean, ms = 5000): Promise<void> {
  for (let waited = 0; waited < ms; waited += 20) {
    if (probe()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

let dir: string
let path: string
let watcher: ConfigWatch | undefined
/** What the app would show: the last good providers, and the notice. */
let applied: string[]
let notice: string | null
let reloads: number

/** The same reload main does: a bad or missing file keeps the last good providers and says why. */
async function reload(): Promise<void> {
  reloads += 1
  try {
    const { config } = await loadConfig({ configPath: path })
    applied = config.providers.map((p) => p.id)
    notice = null
  } catch (error) {
    notice = error instanceof Error ? error.message : String(error)
  }
}

/** An editor's save: write a temporary file beside it, then rename it over the original. */
async function saveByRename(text: string, n: number): Promise<void> {
  const temporary = join(dir, `.providers.json.${n}.tmp`)
  await writeFile(temporary, text)
  await rename(temporary, path)
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-watch-'))
  path = join(dir, 'providers.json')
  await writeFile(path, file('a'))
  applied = ['a']
  notice = null
  reloads = 0
  watcher = watchConfigFile(path, reload, { debounceMs: 50 })
})

afterEach(async () => {
  watcher?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('the configuration watch', () => {
  it('applies every save of an editor that replaces the file by rename', async () => {
    expect(watcher).toBeDefined()
    for (const [n, ids] of [['b'], ['b', 'c'], ['c'], ['a', 'd']].entries()) {
      await saveByRename(file(...ids), n)
      await until(`save ${n + 1} (${ids.join(', ')}) to apply`, () => applied.join() === ids.join())
    }
    expect(notice).toBeNull()
  })

  it('applies saves in place too', async () => {
    await writeFile(path, file('x'))
    await until('the edit to apply', () => applied.join() === 'x')
  })

  it('keeps the last good providers with a notice when the file is deleted, and applies it again when it is back', async () => {
    await saveByRename(file('b'), 1)
    await until('the first save', () => applied.join() === 'b')
    await unlink(path)
    await until('a notice about the deleted file', () => notice !== null)
    expect(notice).toContain('file not found')
    expect(applied).toEqual(['b'])
    await writeFile(path, file('c'))
    await until('the re-created file to apply', () => applied.join() === 'c' && notice === null)
    await saveByRename(file('d'), 2)
    await until('a save after the re-creation', () => applied.join() === 'd')
  })

  it('keeps the last good providers after a broken save by rename, and recovers on the next', async () => {
    await saveByRename('{"providers": [ {"id": ', 1)
    await until('a notice about the broken file', () => notice !== null)
    expect(applied).toEqual(['a'])
    await saveByRename(file('e'), 2)
    await until('the repaired file to apply', () => applied.join() === 'e' && notice === null)
  })

  it('debounces a burst into one reload, and ignores other files in the folder', async () => {
    await writeFile(join(dir, 'notes.txt'), 'unrelated')
    await new Promise((r) => setTimeout(r, 200))
    expect(reloads).toBe(0)
    for (let i = 0; i < 5; i += 1) await writeFile(path, file('a', `p${i}`))
    await until('the burst to apply', () => applied.join() === 'a,p4')
    await new Promise((r) => setTimeout(r, 200))
    expect(reloads).toBeLessThanOrEqual(2)
  })

  it('stops after close', async () => {
    watcher?.close()
    await saveByRename(file('z'), 9)
    await new Promise((r) => setTimeout(r, 250))
    expect(applied).toEqual(['a'])
  })

  it('answers undefined, with the reason, when the folder cannot be watched', () => {
    const errors: unknown[] = []
    expect(watchConfigFile(join(dir, 'missing-folder', 'providers.json'), reload, { onError: (e) => errors.push(e) })).toBeUndefined()
    expect(errors).toHaveLength(1)
  })
})
