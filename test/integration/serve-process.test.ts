/**
 * `linkscreen serve` and `linkscreen accounts` as real processes (issue #13, finding 1): no
 * secret is on either command line, where every local user can read it (`/proc/PID/cmdline`,
 * `ps -eo args`); the printed URL opens the screen once; two serves run side by side, each with
 * its own owner-only runtime file, removed when it stops (SIGINT or SIGTERM).
 */
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBin as runShared } from '../helpers/run-bin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServeRecord } from '../../electron/cli/runtime-file'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'

/** Serve-side runs ignore a LINKSCREEN_SERVE_URL from the environment running the tests. */
const runBin = (args: string[], env: NodeJS.ProcessEnv) => runShared(args, { LINKSCREEN_SERVE_URL: '', ...env }, 30_000)

describe('serve and accounts as processes', () => {
  let server: BetterAuthServer
  let config: string
  let runtimeRoot: string
  const serves: ReturnType<typeof runBin>[] = []
  const events: { url: string; port: number; runtime_file: string }[] = []

  beforeAll(async () => {
    server = await startBetterAuthServer({ interval: 1 })
    const dir = await mkdtemp(join(tmpdir(), 'linkscreen-serve-proc-'))
    config = join(dir, 'providers.json')
    await writeFile(config, JSON.stringify({ providers: [{ id: 'ba', dialect: 'better-auth', baseUrl: server.baseUrl, clientId: server.clientId }] }))
    runtimeRoot = await mkdtemp(join(tmpdir(), 'linkscreen-serve-xdg-'))
    for (let i = 0; i < 2; i++) serves.push(runBin(['serve', '--json', '--kiosk'], { LINKSCREEN_CONFIG: config, XDG_RUNTIME_DIR: runtimeRoot }))
    for (const run of serves) {
      await run.waitFor('\n')
      events.push(JSON.parse(run.out().split('\n')[0] as string) as (typeof events)[number])
    }
  }, 60_000)

  afterAll(async () => {
    for (const run of serves) if (run.child.exitCode === null) run.child.kill('SIGKILL')
    await server.close()
  })

  it('two serves at once, each with its own runtime file (mode 600), and neither secret in any command line', async () => {
    expect(events[0]?.port).not.toBe(events[1]?.port)
    const files = (await readdir(join(runtimeRoot, 'linkscreen'))).sort()
    expect(files).toEqual(events.map((e) => `serve-${e.port}.json`).sort())
    for (const [i, event] of events.entries()) {
      expect((await stat(event.runtime_file)).mode & 0o777).toBe(0o600)
      const record = JSON.parse(await readFile(event.runtime_file, 'utf8')) as ServeRecord
      expect(record.pid).toBe(serves[i]?.child.pid)
      const cmdline = (await readFile(`/proc/${serves[i]?.child.pid}/cmdline`, 'utf8')).split('\0').join(' ')
      expect(cmdline).toContain('serve --json --kiosk')
      expect(cmdline).not.toContain(new URL(record.url).searchParams.get('ticket'))
      expect(cmdline).not.toContain(new URL(record.controlUrl).searchParams.get('control'))
    }
  })

  it('the printed URL opens the screen once; then it is refused, and only the cookie opens the page', async () => {
    const url = events[0]?.url as string
    const first = await fetch(url, { redirect: 'manual' })
    expect(first.status).toBe(303)
    const cookie = String(first.headers.get('set-cookie')).split(';')[0] as string
    const page = await fetch(new URL('/', url), { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="root">')
    const info = await fetch(new URL('/api/invoke/app:info', url), { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: '{"request":null}' })
    expect(await info.json()).toMatchObject({ kiosk: true, host: 'serve' })
    const second = await fetch(url, { redirect: 'manual' })
    expect(second.status).toBe(403)
    expect(await second.text()).toContain('already been used')
  })

  it('accounts finds a serve through its runtime file (--port among two) or the environment; its argv holds no secret', async () => {
    const [a, b] = events
    const record = JSON.parse(await readFile(String(a?.runtime_file), 'utf8')) as ServeRecord
    const args = ['accounts', '--json', '--port', String(a?.port)]
    const byFile = runBin(args, { XDG_RUNTIME_DIR: runtimeRoot })
    const cmdline = await readFile(`/proc/${byFile.child.pid}/cmdline`, 'utf8').catch(() => args.join('\0'))
    expect(await byFile.exited, byFile.err()).toBe(0)
    expect(JSON.parse(byFile.out())).toEqual({ event: 'accounts', accounts: [] })
    expect(cmdline).not.toContain(new URL(record.controlUrl).searchParams.get('control'))
    const ambiguous = runBin(['accounts'], { XDG_RUNTIME_DIR: runtimeRoot })
    expect(await ambiguous.exited).toBe(4)
    expect(ambiguous.err()).toContain(`port ${a?.port}`)
    expect(ambiguous.err()).toContain(`port ${b?.port}`)
    const byEnv = runBin(['logout', '--account', 'ba:nobody'], { XDG_RUNTIME_DIR: await mkdtemp(join(tmpdir(), 'linkscreen-empty-')), LINKSCREEN_SERVE_URL: record.controlUrl })
    expect(await byEnv.exited).toBe(4)
    expect(byEnv.err()).toContain('no such account')
  }, 30_000)

  it('removes each runtime file when its serve stops, by SIGTERM or SIGINT', async () => {
    const [a, b] = serves
    a?.child.kill('SIGTERM')
    expect(await a?.exited).toBe(0)
    await expect(stat(String(events[0]?.runtime_file))).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await readdir(join(runtimeRoot, 'linkscreen'))).toEqual([`serve-${events[1]?.port}.json`])
    b?.child.kill('SIGINT')
    expect(await b?.exited).toBe(0)
    expect(await readdir(join(runtimeRoot, 'linkscreen'))).toEqual([])
  })

  it('removes its runtime file when the terminal closes (SIGHUP)', async () => {
    const c = runBin(['serve', '--json', '--kiosk'], { LINKSCREEN_CONFIG: config, XDG_RUNTIME_DIR: runtimeRoot })
    serves.push(c)
    await c.waitFor('\n')
    const event = JSON.parse(c.out().split('\n')[0] as string) as (typeof events)[number]
    expect(await readdir(join(runtimeRoot, 'linkscreen'))).toEqual([`serve-${event.port}.json`])
    c.child.kill('SIGHUP')
    await c.exited
    expect(await readdir(join(runtimeRoot, 'linkscreen'))).toEqual([])
  }, 30_000)
})
