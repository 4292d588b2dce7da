/**
 * `linkscreen check`'s pieces without a server: the `--approve-with` splitting and runner
 * (failing, hanging, printing secrets), the user-code analysis, HTML escaping, and usage errors
 * (exit 4).
 */
import { describe, expect, it } from 'vitest'
import { runApprovalCommand, splitCommand, CommandSyntaxError } from '../../../electron/cli/check-approver'
import { analyseUserCodes } from '../../../electron/cli/check-probes'
import { escapeHtml } from '../../../electron/cli/check-report'
import { main } from '../../../electron/cli/main'
import { captureIo } from '../../helpers/cli-io'

describe('splitCommand (--approve-with, no shell)', () => {
  it('splits on blanks and honours quotes and backslashes as a POSIX shell does', () => {
    expect(splitCommand('node  approve.mjs http://x/act')).toEqual(['node', 'approve.mjs', 'http://x/act'])
    expect(splitCommand(`"/opt/my tools/approve" 'a b' c\\ d ""`)).toEqual(['/opt/my tools/approve', 'a b', 'c d', ''])
    expect(splitCommand(`"say \\"hi\\" \\$x \\n"`)).toEqual(['say "hi" $x \\n'])
    expect(splitCommand(`sh -c 'approve "$1"' approver`)).toEqual(['sh', '-c', 'approve "$1"', 'approver'])
  })

  it('expands nothing: variables, globs, pipes and redirections are passed on as written', () => {
    expect(splitCommand('echo $HOME * | tee >out; rm -rf /')).toEqual(['echo', '$HOME', '*', '|', 'tee', '>out;', 'rm', '-rf', '/'])
  })

  it('refuses an unclosed quote', () => {
    expect(() => splitCommand(`approve 'oops`)).toThrow(CommandSyntaxError)
    expect(() => splitCommand(`approve "oops`)).toThrow(/unclosed double quote/)
  })
})

describe('runApprovalCommand', () => {
  const base = { decision: 'approve' as const, userCode: 'WDJB-MJHT', verificationUri: 'http://127.0.0.1:1/device', timeoutMs: 10_000, secrets: ['device-code-secret-0123456789'] }

  it('passes the user code (and "deny") as arguments and the decision in the environment', async () => {
    const script = 'process.stdout.write(JSON.stringify({ argv: process.argv.slice(1), decision: process.env.LINKSCREEN_CHECK_DECISION, uri: process.env.LINKSCREEN_CHECK_VERIFICATION_URI }))'
    const approve = await runApprovalCommand([process.execPath, '-e', script, 'first'], base, {})
    expect(approve.ok).toBe(true)
    expect(approve.output).toBe('{"argv":["first","[redacted]"],"decision":"approve","uri":"http://127.0.0.1:1/device"}')
    const deny = await runApprovalCommand([process.execPath, '-e', script, 'first'], { ...base, decision: 'deny' }, {})
    expect(deny.output).toBe('{"argv":["first","[redacted]","deny"],"decision":"deny","uri":"http://127.0.0.1:1/device"}')
  })

  it('a failing command is reported with its status and its output scrubbed of the code, the device code and secret environment values', async () => {
    const script = 'console.error(`code=${process.argv[1]} bare=WDJBMJHT dc=device-code-secret-0123456789 token=${process.env.LINKSCREEN_APPROVER_TOKEN}`); process.exit(3)'
    const result = await runApprovalCommand([process.execPath, '-e', script], base, { LINKSCREEN_APPROVER_TOKEN: 'approver-session-token-abcdef' })
    expect(result).toMatchObject({ ok: false, reason: 'exit', detail: 'exit status 3' })
    expect(result.output).toBe('code=[redacted] bare=[redacted] dc=[redacted] token=[redacted]')
  })

  it('a command that hangs is killed at its time limit and reported', async () => {
    const result = await runApprovalCommand([process.execPath, '-e', 'setTimeout(() => {}, 60_000)'], { ...base, timeoutMs: 300 }, {})
    expect(result).toMatchObject({ ok: false, reason: 'timeout', detail: 'no exit within 0 s: killed' })
  })

  it('a command that does not exist is reported, not thrown', async () => {
    const result = await runApprovalCommand(['/nonexistent/linkscreen-approver'], base, {})
    expect(result).toMatchObject({ ok: false, reason: 'spawn', detail: 'could not start the command (ENOENT)' })
  })
})

describe('analyseUserCodes (RFC 8628 §6.1)', () => {
  it('recognises the base-20 alphabet and its entropy', () => {
    const u = analyseUserCodes(['WDJB-MJHT', 'BDWP-HQPK'])
    expect(u).toMatchObject({ alphabet: { name: 'base-20 consonants (RFC 8628 §6.1)', size: 20 }, minLength: 8, maxLength: 8, bits: 34.6, confusables: [], mixedCase: false, shapes: ['XXXX-XXXX'] })
  })

  it('names digits, hexadecimal, mixed case, confusables and characters off the keyboard', () => {
    expect(analyseUserCodes(['123456']).alphabet).toEqual({ name: 'digits', size: 10 })
    expect(analyseUserCodes(['0A1F9C3E']).alphabet).toEqual({ name: 'hexadecimal', size: 16 })
    expect(analyseUserCodes(['aBcD']).mixedCase).toBe(true)
    expect(analyseUserCodes(['O0I1lX']).confusables).toEqual(['0', 'O', '1', 'I', 'l'])
    expect(analyseUserCodes(['ABé']).unusual).toEqual(['é'])
  })
})

describe('escapeHtml', () => {
  it('escapes everything that could open markup or an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe('&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#96;&#60;/a&#62;')
  })
})

describe('linkscreen check: usage (exit 4)', () => {
  const run = async (args: string[]) => {
    const cap = captureIo()
    const status = await main(['check', ...args], { io: cap.io, env: { HOME: '/nonexistent-home' } })
    return { status, out: cap.out(), err: cap.err() }
  }

  it('without --provider, with an unknown option, an unclosed quote in --approve-with, or an unknown provider', async () => {
    expect((await run([])).status).toBe(4)
    expect((await run([])).err).toContain('--provider is required')
    expect((await run(['--provider', 'p', '--bogus'])).status).toBe(4)
    expect((await run(['--provider', 'p', '--approve-with', `approve 'oops`])).err).toContain('unclosed single quote')
    expect((await run(['--provider', 'p', '--max-requests', 'many'])).status).toBe(4)
    expect((await run(['--provider', 'p', '--html', '/nonexistent-dir/r.html'])).err).toContain('does not exist or is not writable')
    const unknown = await run(['--provider', 'nobody', '--json'])
    expect(unknown.status).toBe(4)
    expect(JSON.parse(unknown.out)).toMatchObject({ event: 'error', code: 'unknown_provider' })
  })

  it('--help prints the usage (exit 0); the CLI help names check', async () => {
    const help = await run(['--help'])
    expect(help.status).toBe(0)
    expect(help.out).toContain('linkscreen check --provider <id>')
    const cap = captureIo()
    expect(await main(['help'], { io: cap.io })).toBe(0)
    expect(cap.out()).toContain('linkscreen check --provider <id>')
  })
})

describe('askPerson (no --approve-with, on a terminal)', () => {
  const code = { device_code: 'device-code-secret-0123456789', user_code: 'WDJB-MJHT', verification_uri: 'https://as.example/device', expires_in: 600, interval: 5, expires_at: Date.now() + 600_000 }

  it('shows where and what to type, then Enter means done and "s" means skipped (never passed)', async () => {
    const { askPerson } = await import('../../../electron/cli/check')
    const { PassThrough } = await import('node:stream')
    const cap = captureIo()
    const input = new PassThrough()
    const done = askPerson(cap.io, 'deny', code, new AbortController().signal, input)
    input.write('\n')
    expect(await done).toEqual({ ok: true })
    expect(cap.err()).toContain('DENY this code now:\n  open  https://as.example/device\n  code  WDJB-MJHT\n')
    expect(cap.err()).not.toContain('device-code-secret')
    const skipInput = new PassThrough()
    const skipped = askPerson(cap.io, 'approve', code, new AbortController().signal, skipInput)
    skipInput.write('s\n')
    expect(await skipped).toEqual({ ok: false, skipped: true, reason: 'skipped at the terminal' })
  })
})
