/** The usage text names `approve` and `--log`; their argument checks need no server. */
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { APPROVER_TOKEN_ENV, main } from '../../../electron/cli/main'
import { captureIo } from '../../helpers/cli-io'

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cap = captureIo()
  const status = await main(args, { io: cap.io, env: { HOME: tmpdir(), XDG_CONFIG_HOME: tmpdir(), ...env } })
  return { status, out: cap.out(), err: cap.err(), events: cap.events() }
}

describe('linkscreen approve and login --log: usage', () => {
  it('--help lists approve, its token variable and --log', async () => {
    const { status, out } = await cli(['--help'])
    expect(status).toBe(0)
    expect(out).toContain('linkscreen approve --provider <id> --code CODE [--deny]')
    expect(out).toContain(APPROVER_TOKEN_ENV)
    expect(out).toMatch(/linkscreen login [^\n]*\n[^\n]*--log FILE/)
  })

  it('approve without --provider, and --log with an empty name, are usage errors (exit 4)', async () => {
    const noProvider = await cli(['approve', '--code', 'ABCD', '--json'], { [APPROVER_TOKEN_ENV]: 't0ken' })
    expect(noProvider.status).toBe(4)
    expect(noProvider.events).toEqual([{ event: 'error', code: 'usage', message: '--provider is required' }])
    const emptyLog = await cli(['login', '--provider', 'demo', '--log', ' '])
    expect(emptyLog.status).toBe(4)
    expect(emptyLog.err).toContain('--log needs a file name')
  })

  it('a token flag is refused whatever the command, and --show-token is not mistaken for one', async () => {
    const login = await cli(['login', '--provider', 'nope', '--token', 'abc123secret'])
    expect(login.status).toBe(4)
    expect(login.err).toContain('--token is not an option')
    expect(login.err).not.toContain('abc123secret')
    const showToken = await cli(['login', '--provider', 'nope', '--show-token'])
    expect(showToken.status).toBe(4)
    expect(showToken.err).toContain('unknown provider "nope"')
  })
})
