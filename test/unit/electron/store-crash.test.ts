/**
 * A store write interrupted by a crash leaves the previous store readable. The vault's store
 * is `electron-store`, which writes through `conf` (write to a temporary file, then rename).
 * A child process rewrites a `conf` store as fast as it can and is killed with SIGKILL at
 * varying moments; after each kill the file must parse and hold one whole generation.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'

const WRITER = `
import Conf from 'conf'
const store = new Conf({ cwd: process.argv[1], configName: 'accounts', projectName: 'linkscreen-test' })
const big = 'x'.repeat(200_000)
process.stdout.write('ready\\n')
for (let generation = 1; ; generation++) store.set('accounts', { generation, a: big, b: big, generation2: generation })
`

const dir = await mkdtemp(join(tmpdir(), 'linkscreen-crash-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

async function killMidWrite(delayMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, dir], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)))
  })
  await new Promise((r) => setTimeout(r, delayMs))
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
}

it('survives 12 kills mid-write with a whole store every time', async () => {
  let last = 0
  for (let round = 0; round < 12; round++) {
    await killMidWrite(15 + round * 7)
    const text = await readFile(join(dir, 'accounts.json'), 'utf8')
    const store = JSON.parse(text) as { accounts: { generation: number; generation2: number; a: string } }
    expect(store.accounts.generation).toBe(store.accounts.generation2)
    expect(store.accounts.a).toHaveLength(200_000)
    expect(store.accounts.generation).toBeGreaterThan(0)
    last = store.accounts.generation
  }
  expect(last).toBeGreaterThan(0)
}, 60_000)
