/**
 * The `linkscreen` binary as a user runs it: a real child process, against a real better-auth
 * server. Ctrl-C (SIGINT) while a code is on screen cancels cleanly with status 130.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBin } from '../helpers/run-bin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBetterAuthServer, type BetterAuthServer } from '../servers/better-auth-server'


describe('the linkscreen binary', () => {
  let server: BetterAuthServer
  let config: string
  beforeAll(async () => {
    server = await startBetterAuthServer({ interval: 1 })
    const dir = await mkdtemp(join(tmpdir(), 'linkscreen-bin-'))
    config = join(dir, 'providers.json')
    await writeFile(config, JSON.stringify({ providers: [{ id: 'ba', dialect: 'better-auth', baseUrl: server.baseUrl, clientId: server.clientId }] }))
  })
  afterAll(() => server.close())

  it('Ctrl-C while waiting cancels cleanly with exit status 130', async () => {
    const run = runBin(['login', '--provider', 'ba', '--json'], { LINKSCREEN_CONFIG: config })
    await run.waitFor('"event":"code"')
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(130)
    expect(run.out()).toContain('"event":"cancelled"')
    expect(run.err()).toBe('')
  })

  it('SIGTERM while waiting cancels cleanly with exit status 143', async () => {
    const run = runBin(['login', '--provider', 'ba', '--json'], { LINKSCREEN_CONFIG: config })
    await run.waitFor('"event":"code"')
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(143)
  })

  it('serve prints its one-time URL first, serves the screen to the browser that opens it, refuses without the session, stops on SIGINT', async () => {
    const run = runBin(['serve', '--provider', 'ba', '--kiosk'], { LINKSCREEN_CONFIG: config, XDG_RUNTIME_DIR: await mkdtemp(join(tmpdir(), 'linkscreen-bin-run-')) })
    await run.waitFor('\n')
    const url = run.out().split('\n')[0] as string
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?ticket=[A-Za-z0-9_-]{32}$/)
    const opened = await fetch(url, { redirect: 'manual' })
    expect(opened.status).toBe(303)
    const cookie = String(opened.headers.get('set-cookie')).split(';')[0] as string
    const page = await fetch(new URL('/', url), { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="root">')
    expect((await fetch(new URL('/', url))).status).toBe(403)
    const info = await fetch(new URL('/api/invoke/app:info', url), { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: '{"request":null}' })
    expect(await info.json()).toMatchObject({ kiosk: true, fixedProvider: 'ba', host: 'serve' })
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(0)
  })

  it('login --log FILE: Ctrl-C still writes the flow log, with the outcome "cancelled"', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'linkscreen-bin-log-')), 'flow.json')
    const run = runBin(['login', '--provider', 'ba', '--json', '--log', file], { LINKSCREEN_CONFIG: config })
    await run.waitFor('"event":"poll"')
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(130)
    const log = JSON.parse(await readFile(file, 'utf8')) as { format: string; outcome: string; entries: { url: string; status?: number }[] }
    expect(log).toMatchObject({ format: 'linkscreen-flow-log', outcome: 'cancelled' })
    expect(log.entries[0]).toMatchObject({ url: `${server.baseUrl}/device/code`, status: 200 })
    expect(run.err()).toContain(`flow log written to ${file}`)
  })

  it('approve: the session token comes from LINKSCREEN_APPROVER_TOKEN; the waiting login then signs in', async () => {
    const device = runBin(['login', '--provider', 'ba', '--json'], { LINKSCREEN_CONFIG: config })
    await device.waitFor('"event":"code"')
    const userCode = String((JSON.parse(device.out().split('\n')[0] as string) as { user_code: string }).user_code)
    const user = await server.signUp('Process Approver')
    const approver = runBin(['approve', '--provider', 'ba', '--code', userCode], { LINKSCREEN_CONFIG: config, LINKSCREEN_APPROVER_TOKEN: user.token })
    expect(await approver.exited).toBe(0)
    expect(approver.out()).toContain('✔ Approved.')
    expect(approver.out()).toContain(`Signed in as Process Approver <${user.email}>`)
    expect(approver.out() + approver.err()).not.toContain(user.token)
    expect(await device.exited).toBe(0)
    expect(device.out()).toContain(`"email":"${user.email}"`)
  })

  it('approve refuses a token flag (exit 4, the value not echoed) and says where the token goes when it is missing', async () => {
    const flag = runBin(['approve', '--provider', 'ba', '--code', 'ABCDEFGH', '--token=typed-secret-value'], { LINKSCREEN_CONFIG: config, LINKSCREEN_APPROVER_TOKEN: 'x' })
    expect(await flag.exited).toBe(4)
    expect(flag.err()).toContain('--token is not an option')
    expect(flag.out() + flag.err()).not.toContain('typed-secret-value')
    const missing = runBin(['approve', '--provider', 'ba', '--code', 'ABCDEFGH', '--json'], { LINKSCREEN_CONFIG: config, LINKSCREEN_APPROVER_TOKEN: '' })
    expect(await missing.exited).toBe(4)
    expect(missing.out()).toContain('"code":"usage"')
    expect(missing.err()).toContain('LINKSCREEN_APPROVER_TOKEN is not set')
  })

  it('human mode prints the code, the URL, a QR code and the status, then the account', async () => {
    const run = runBin(['login', '--provider', 'ba', '--config', config])
    await run.waitFor('Waiting for you to approve')
    const out = run.out()
    const userCode = /\n {2}([A-Z0-9]{4}-[A-Z0-9]{4})\n/.exec(out)?.[1]
    expect(userCode).toBeDefined()
    expect(out).toContain(`${server.baseUrl.replace('/api/auth', '')}/device`)
    expect(out).toContain('█') // the big code
    expect(out).toContain('▄') // the QR code (half blocks)
    const user = await server.signUp('Terminal User')
    await server.approve(String(userCode).replace('-', ''), user.token)
    const status = await run.exited
    expect(run.err()).toBe('')
    expect(status).toBe(0)
    expect(run.out()).toContain(`Signed in as Terminal User <${user.email}>`)
  })
})
