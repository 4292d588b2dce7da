/**
 * The BUILT main process (`dist-electron/main.js`, as `npm start` and the packaged app run it)
 * loads, finds its chunks and dependencies, starts the demo provider and shows a code, with
 * `electron` resolved to the recording stand-in by a module hook, in a child Node process.
 * This checks the bundle, not Electron: the real app runs only in `test/e2e/electron-app.test.ts`.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'

const dir = await mkdtemp(join(tmpdir(), 'linkscreen-bundle-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

it('dist-electron/main.js starts, serves its page and reaches a demo code on the stand-in', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--import', './test/helpers/bundle/register.mjs', './test/helpers/bundle/run.mjs', resolve('dist-electron/main.js'), join(dir, 'user-data')],
    { cwd: process.cwd(), timeout: 60_000 },
  )
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, any>
  expect(result['loaded']).toBe('app://linkscreen/index.html')
  expect(result['preload']).toBe(resolve('dist-electron/preload.cjs'))
  expect(result['info']).toMatchObject({ host: 'electron', fixedProvider: 'demo', storage: 'encrypted' })
  expect(result['state']).toMatchObject({ status: 'waiting', providerId: 'demo' })
  expect(String(result['state']?.verificationUri)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/device$/)
  expect(result['page']).toMatchObject({ status: 200, root: true })
  expect(String(result['page']?.csp)).toContain("default-src 'none'")
  expect(result['quit']).toBe(true)
}, 90_000)
