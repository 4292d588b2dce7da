/**
 * `linkscreen accounts` and `linkscreen logout` against a running `linkscreen serve` (in process,
 * through `main`) that has signed in on a real better-auth server. They find it through serve's
 * owner-only runtime file or `LINKSCREEN_SERVE_URL`, never through a flag; a runtime file or
 * folder that another user could have written or read is refused with the reason.
 */
import { chown, chmod, copyFile, lstat, mkdir, mkdtemp, readFile, readdir, stat, symlink, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../electron/cli/main'
import type { ServeRecord } from '../../electron/cli/runtime-file'
import { captureIo, type CapturedIo } from '../helpers/cli-io'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'

const NOBODY = 65534

let server: BetterAuthServer
let config: string
/** `$XDG_RUNTIME_DIR` of the serve under test; its files are in `linkscreen/`. */
let runtimeRoot: string
let serveIo: CapturedIo
let stopServe: AbortController
let serveExit: Promise<number>
let record: ServeRecord
let recordPath: string
let deviceToken: string

/** A fresh `$XDG_RUNTIME_DIR`. */
const freshRoot = (): Promise<string> => mkdtemp(join(tmpdir(), 'linkscreen-run-'))

/** Starts `linkscreen serve --json` in process; resolves with its `serving` event. */
async function startServeCommand(root: string): Promise<{ io: CapturedIo; stop: AbortController; exit: Promise<number>; event: Record<string, unknown> }> {
  const io = captureIo()
  const stop = new AbortController()
  const exit = main(['serve', '--json'], { io: io.io, env: { XDG_RUNTIME_DIR: root, LINKSCREEN_CONFIG: config }, signal: stop.signal })
  const event = await io.waitForEvent('serving')
  return { io, stop, exit, event }
}

/** Runs the CLI with the given environment. */
async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number; cap: CapturedIo }> {
  const cap = captureIo()
  return { status: await main(args, { io: cap.io, env }), cap }
}

beforeAll(async () => {
  server = await startBetterAuthServer({ interval: 1 })
  const dir = await mkdtemp(join(tmpdir(), 'linkscreen-accounts-'))
  config = join(dir, 'providers.json')
  await writeFile(config, JSON.stringify({ providers: [{ id: 'ba', dialect: 'better-auth', baseUrl: server.baseUrl, clientId: server.clientId }] }))
  runtimeRoot = await freshRoot()
  const started = await startServeCommand(runtimeRoot)
  serveIo = started.io
  stopServe = started.stop
  serveExit = started.exit
  recordPath = String(started.event['runtime_file'])
  record = JSON.parse(await readFile(recordPath, 'utf8')) as ServeRecord

  // Sign in on the screen as its browser does: the one-time URL, then the session cookie.
  const opened = await fetch(String(started.event['url']), { redirect: 'manual' })
  expect(opened.status).toBe(303)
  const cookie = String(opened.headers.get('set-cookie')).split(';')[0] as string
  const invoke = async (channel: string, request: unknown): Promise<Record<string, unknown>> => {
    const answer = await fetch(new URL(`/api/invoke/${channel}`, record.url), { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ request }) })
    return (await answer.json()) as Record<string, unknown>
  }
  const user = await server.signUp('Quinn QA')
  await invoke('auth:start', { providerId: 'ba' })
  let state = await invoke('auth:state', null)
  for (let i = 0; i < 100 && state['status'] !== 'waiting'; i++) state = await invoke('auth:state', null)
  await server.approve(String(state['userCode']), user.token)
  for (let i = 0; i < 150 && state['status'] !== 'authorized'; i++) {
    await new Promise((r) => setTimeout(r, 100))
    state = await invoke('auth:state', null)
  }
  expect(state['status']).toBe('authorized')
  const sessions = (await (await fetch(`${server.baseUrl}/list-sessions`, { headers: { authorization: `Bearer ${user.token}` } })).json()) as { token: string }[]
  deviceToken = String(sessions.find((s) => s.token !== user.token)?.token)
})

afterAll(async () => {
  stopServe.abort()
  await serveExit
  await server.close()
})

describe('serve writes an owner-only runtime file', () => {
  it('mode 600 in a folder of mode 700, holding the URL and the control URL; the printed event says the URL works once', async () => {
    expect(recordPath).toBe(join(runtimeRoot, 'linkscreen', `serve-${record.port}.json`))
    expect((await stat(recordPath)).mode & 0o777).toBe(0o600)
    expect((await stat(join(runtimeRoot, 'linkscreen'))).mode & 0o777).toBe(0o700)
    expect(record).toMatchObject({ version: 1, pid: process.pid, port: expect.any(Number) })
    expect(record.controlUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${record.port}/\\?control=`))
    const [event] = serveIo.events()
    expect(event).toEqual({ event: 'serving', url: record.url, single_use: true, port: record.port, runtime_file: recordPath })
    expect(serveIo.err()).toContain('the URL above works once')
    // The control credential is in the file only, never printed.
    const credential = new URL(record.controlUrl).searchParams.get('control') as string
    expect(serveIo.out() + serveIo.err()).not.toContain(credential)
  })
})

describe('accounts and logout through a running serve', () => {
  it('lists the accounts through the runtime file, with nothing secret on the command line', async () => {
    const args = ['accounts', '--json']
    const { status, cap } = await run(args, { XDG_RUNTIME_DIR: runtimeRoot })
    expect(status, cap.err()).toBe(0)
    expect(cap.events()[0]).toMatchObject({ event: 'accounts', accounts: [{ providerId: 'ba', name: 'Quinn QA' }] })
    expect(cap.out()).not.toContain(deviceToken)
    const credential = new URL(record.controlUrl).searchParams.get('control') as string
    expect(args.join(' ')).not.toContain(credential)
    const human = await run(['accounts', '--port', String(record.port)], { XDG_RUNTIME_DIR: runtimeRoot })
    expect(human.status).toBe(0)
    expect(human.cap.out()).toMatch(/^ba:\S+\tba\tQuinn QA/)
    // --url naming the serve without a secret picks it as --port does.
    const named = await run(['accounts', '--url', `http://127.0.0.1:${record.port}/`], { XDG_RUNTIME_DIR: runtimeRoot })
    expect(named.status, named.cap.err()).toBe(0)
  })

  it('lists the accounts through LINKSCREEN_SERVE_URL (the control URL), without a runtime file', async () => {
    const { status, cap } = await run(['accounts'], { XDG_RUNTIME_DIR: await freshRoot(), LINKSCREEN_SERVE_URL: record.controlUrl })
    expect(status, cap.err()).toBe(0)
    expect(cap.out()).toContain('Quinn QA')
    // The page's one-time URL is not a control URL: said so, not echoed.
    const ticket = await run(['accounts'], { XDG_RUNTIME_DIR: await freshRoot(), LINKSCREEN_SERVE_URL: record.url })
    expect(ticket.status).toBe(4)
    expect(ticket.cap.err()).toContain("it holds the screen's one-time URL")
    expect(ticket.cap.err()).not.toContain(new URL(record.url).searchParams.get('ticket'))
    // `localhost` may reach [::1] first, where another user could listen on the same port: refused, not sent.
    const elsewhere = new URL(record.controlUrl)
    elsewhere.hostname = 'localhost'
    const local = await run(['accounts'], { XDG_RUNTIME_DIR: await freshRoot(), LINKSCREEN_SERVE_URL: elsewhere.href })
    expect(local.status).toBe(4)
    expect(local.cap.err()).toContain('must be a http://127.0.0.1 URL')
    expect(local.cap.err()).not.toContain(elsewhere.searchParams.get('control'))
  })

  it('refuses a secret given as a flag (--url with a secret, --token), saying why and never echoing it', async () => {
    const credential = new URL(record.controlUrl).searchParams.get('control') as string
    for (const url of [record.controlUrl, record.url, `http://127.0.0.1:${record.port}/${credential}/`, `http://user:${credential}@127.0.0.1:${record.port}/`]) {
      const { status, cap } = await run(['accounts', '--url', url], { XDG_RUNTIME_DIR: runtimeRoot })
      expect(status, url).toBe(4)
      expect(cap.err()).toContain("--url may not carry serve's secret: a flag is visible to every user of this machine in the process list")
      expect(cap.out() + cap.err()).not.toContain(credential)
    }
    const token = await run(['logout', '--account', 'x', '--token', credential], { XDG_RUNTIME_DIR: runtimeRoot })
    expect(token.status).toBe(4)
    expect(token.cap.err()).toContain("--token is not an option: the approver's session token is read only from LINKSCREEN_APPROVER_TOKEN, and serve's control credential only from its runtime file")
    expect(token.cap.err()).not.toContain(credential)
  })

  it('refuses an unknown account with a usage error', async () => {
    const { status, cap } = await run(['logout', '--account', 'ba:nobody'], { XDG_RUNTIME_DIR: runtimeRoot })
    expect(status).toBe(4)
    expect(cap.err()).toContain('no such account')
  })

  it('says where accounts live when no serve runs, and which serve is gone', async () => {
    const none = await run(['accounts'], { XDG_RUNTIME_DIR: await freshRoot() })
    expect(none.status).toBe(4)
    expect(none.cap.err()).toContain('accounts live only in the process that signed in')
    const wrongPort = await run(['accounts', '--port', '9'], { XDG_RUNTIME_DIR: runtimeRoot })
    expect(wrongPort.status).toBe(4)
    expect(wrongPort.cap.err()).toContain('no "linkscreen serve" on port 9')
    const remote = await run(['accounts', '--url', 'http://example.com/'], { XDG_RUNTIME_DIR: runtimeRoot })
    expect(remote.status).toBe(4)
    // A serve killed with SIGKILL leaves its file: a dead pid is skipped.
    const stale = join(await freshRoot(), 'linkscreen')
    await mkdir(stale, { mode: 0o700 })
    await writeFile(join(stale, 'serve-9.json'), JSON.stringify({ ...record, port: 9, pid: 2 ** 30 }), { mode: 0o600 })
    const dead = await run(['accounts'], { XDG_RUNTIME_DIR: join(stale, '..') })
    expect(dead.status).toBe(4)
    expect(dead.cap.err()).toContain('accounts live only in the process that signed in')
    const gone = await run(['accounts'], { LINKSCREEN_SERVE_URL: 'http://127.0.0.1:9/?control=x' })
    expect(gone.status).toBe(1)
    expect(gone.cap.err()).toContain('no "linkscreen serve" answers')
  })

  it('refuses a control credential from another serve (a serve restarted on the same port)', async () => {
    const forged = new URL(record.controlUrl)
    forged.searchParams.set('control', 'A'.repeat(43))
    const { status, cap } = await run(['accounts'], { LINKSCREEN_SERVE_URL: forged.href })
    expect(status).toBe(1)
    expect(cap.err()).toContain('refused the control credential')
  })

  it('two serves at once: --port picks one, and without it the CLI names them', async () => {
    const second = await startServeCommand(runtimeRoot)
    try {
      const both = await run(['accounts'], { XDG_RUNTIME_DIR: runtimeRoot })
      expect(both.status).toBe(4)
      expect(both.cap.err()).toContain(`2 "linkscreen serve" are running: `)
      expect(both.cap.err()).toContain(`port ${record.port} (pid ${process.pid})`)
      expect(both.cap.err()).toContain(`port ${String(second.event['port'])}`)
      expect(both.cap.err()).toContain('pick one with --port')
      const secondList = await run(['accounts', '--json', '--port', String(second.event['port'])], { XDG_RUNTIME_DIR: runtimeRoot })
      expect(secondList.cap.events()[0]).toEqual({ event: 'accounts', accounts: [] })
      const firstList = await run(['accounts', '--json', '--port', String(record.port)], { XDG_RUNTIME_DIR: runtimeRoot })
      expect(firstList.cap.events()[0]).toMatchObject({ accounts: [{ name: 'Quinn QA' }] })
    } finally {
      second.stop.abort()
      expect(await second.exit).toBe(0)
    }
    // Its file is gone with it; the first one's stays.
    expect(await readdir(join(runtimeRoot, 'linkscreen'))).toEqual([`serve-${record.port}.json`])
  })

  it('signs out through the runtime file: revoked at better-auth, gone from the list', async () => {
    const listed = await run(['accounts', '--json'], { XDG_RUNTIME_DIR: runtimeRoot })
    const id = String((listed.cap.events()[0]?.['accounts'] as { id: string }[])[0]?.id)
    const { status, cap } = await run(['logout', '--account', id], { XDG_RUNTIME_DIR: runtimeRoot })
    expect(status, cap.err()).toBe(0)
    expect(cap.out()).toContain(`signed out ${id}`)
    const after = await run(['accounts', '--json'], { LINKSCREEN_SERVE_URL: record.controlUrl })
    expect(after.cap.events()[0]).toEqual({ event: 'accounts', accounts: [] })
    const session = await fetch(`${server.baseUrl}/get-session`, { headers: { authorization: `Bearer ${deviceToken}` } })
    expect(await session.json()).toBeNull()
  })
})

describe('a runtime file or folder that someone else could have written or read is refused', () => {
  /** A runtime folder holding a copy of the live serve's file, then spoiled by `spoil`. */
  async function spoiled(spoil: (dir: string, file: string) => Promise<void>): Promise<{ status: number; err: string }> {
    const root = await freshRoot()
    const dir = join(root, 'linkscreen')
    await mkdir(dir, { mode: 0o700 })
    const file = join(dir, `serve-${record.port}.json`)
    await copyFile(recordPath, file)
    await chmod(file, 0o600)
    await spoil(dir, file)
    const { status, cap } = await run(['accounts'], { XDG_RUNTIME_DIR: root })
    expect(cap.out()).not.toContain('Quinn QA')
    return { status, err: cap.err() }
  }

  it('a copy that is owner-only is accepted (the control for the cases below)', async () => {
    expect((await spoiled(async () => undefined)).status).toBe(0)
  })

  it('a world-readable file', async () => {
    const { status, err } = await spoiled((_dir, file) => chmod(file, 0o644))
    expect(status).toBe(4)
    expect(err).toMatch(/refusing \S+serve-\d+\.json: other users can read or write it \(mode 644\)/)
  })

  it('a symbolic link to an owner-only file', async () => {
    const { status, err } = await spoiled(async (_dir, file) => {
      const target = join(await freshRoot(), 'elsewhere.json')
      await copyFile(file, target)
      await chmod(target, 0o600)
      await unlink(file)
      await symlink(target, file)
      expect((await lstat(file)).isSymbolicLink()).toBe(true)
    })
    expect(status).toBe(4)
    expect(err).toContain('is a symbolic link, not a file serve wrote')
  })

  it.skipIf(process.getuid?.() !== 0)(`a file owned by another user${process.getuid?.() === 0 ? '' : ' (skipped: only root can chown a file to another user)'}`, async () => {
    const { status, err } = await spoiled((_dir, file) => chown(file, NOBODY, NOBODY))
    expect(status).toBe(4)
    expect(err).toContain(`belongs to user ${NOBODY}, not to you (user 0)`)
  })

  it.skipIf(process.getuid?.() !== 0)(`a folder owned by another user${process.getuid?.() === 0 ? '' : ' (skipped: only root can chown a folder to another user)'}`, async () => {
    const { status, err } = await spoiled((dir) => chown(dir, NOBODY, NOBODY))
    expect(status).toBe(4)
    expect(err).toMatch(new RegExp(`refusing \\S+linkscreen: it belongs to user ${NOBODY}, not to you`))
  })

  it('a folder other users can write in', async () => {
    const { status, err } = await spoiled((dir) => chmod(dir, 0o777))
    expect(status).toBe(4)
    expect(err).toMatch(/refusing \S+linkscreen: other users can write in it \(mode 777\)/)
  })
})

describe('serve stops cleanly', () => {
  it('removes its runtime file when stopped', async () => {
    const root = await freshRoot()
    const started = await startServeCommand(root)
    const file = String(started.event['runtime_file'])
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    started.stop.abort()
    expect(await started.exit).toBe(0)
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('keeps serving, with a warning, when its runtime folder cannot be trusted (and writes nothing there)', async () => {
    const root = await freshRoot()
    await mkdir(join(root, 'linkscreen'))
    await chmod(join(root, 'linkscreen'), 0o777)
    const started = await startServeCommand(root)
    try {
      expect(started.event).toMatchObject({ event: 'serving', single_use: true, runtime_file: null })
      expect(started.io.err()).toMatch(/warning: refusing \S+linkscreen: other users can write in it \(mode 777\).*cannot reach this serve/)
      expect(await readdir(join(root, 'linkscreen'))).toEqual([])
      expect((await fetch(String(started.event['url']), { redirect: 'manual' })).status).toBe(303)
    } finally {
      started.stop.abort()
      expect(await started.exit).toBe(0)
    }
  })
})
