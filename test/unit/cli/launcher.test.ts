/**
 * `npm start`'s launcher (scripts/start.mjs), run as a child process in a copy of the project
 * whose `electron` package has no binary: a download that fails or never finishes ends in one
 * plain paragraph and exit 1 (no stack trace), and a binary named by ELECTRON_OVERRIDE_DIST_PATH
 * is run with the app and its flags, its exit code and signals passed through.
 */
import { spawn } from 'node:child_process'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = process.cwd()
let root: string
let closedPort: number
let silent: Server

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  ms: number
}

/** The launcher in the copy (or `script`), with `env` added to a clean environment (no npm electron settings). */
function launch(args: string[], env: Record<string, string>, during?: (pid: number) => void, script = join(root, 'scripts', 'start.mjs')): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/electron/i.test(k)))
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: root,
      env: { ...base, electron_config_cache: join(root, 'cache'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('error', reject)
    child.on('spawn', () => during?.(child.pid as number))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stderr, ms: Date.now() - started })
    })
  })
}

/** install.js `getPlatformPath`: where the executable sits in a distribution folder. */
const executable = process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : process.platform === 'win32' ? 'electron.exe' : 'electron'

/** A folder holding a stand-in "Electron": a Node script that records its arguments. */
async function fakeDist(name: string, script: string): Promise<string> {
  const dist = join(root, name)
  const file = join(dist, executable)
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, `#!${process.execPath}\nimport { writeFileSync } from 'node:fs'\n${script}\n`)
  await chmod(file, 0o755)
  return dist
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'linkscreen-launcher-'))
  await mkdir(join(root, 'scripts'))
  await copyFile(join(repo, 'scripts', 'start.mjs'), join(root, 'scripts', 'start.mjs'))
  await copyFile(join(repo, 'package.json'), join(root, 'package.json'))
  // The `electron` package without its binary; its installer's dependencies come from the repo.
  const pkg = join(root, 'node_modules', 'electron')
  await mkdir(pkg, { recursive: true })
  for (const file of ['package.json', 'install.js', 'index.js', 'cli.js', 'checksums.json']) await copyFile(join(repo, 'node_modules', 'electron', file), join(pkg, file))
  for (const scope of ['@electron', '@electron-internal']) await symlink(join(repo, 'node_modules', scope), join(root, 'node_modules', scope), 'dir')
  const closed = createServer()
  closedPort = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)))
  await new Promise((resolve) => closed.close(resolve))
  // A mirror that accepts the connection and never answers.
  silent = createServer(() => undefined)
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
})

afterAll(async () => {
  silent.closeAllConnections()
  silent.close()
  await rm(root, { recursive: true, force: true })
})

/** The paragraph with its line breaks undone. */
const flat = (stderr: string): string => stderr.replace(/\s+/g, ' ')

function expectParagraph(stderr: string): void {
  // Electron's own failure ends in a stack trace; this is one paragraph between blank lines.
  expect(stderr).not.toMatch(/^\s+at /m)
  expect(stderr.trim().split(/\n\s*\n/).filter((p) => p.includes('cannot start'))).toHaveLength(1)
  stderr = flat(stderr)
  expect(stderr).toContain('linkscreen: cannot start the app:')
  expect(stderr).toMatch(/ELECTRON_OVERRIDE_DIST_PATH/)
  expect(stderr).toMatch(/ELECTRON_MIRROR/)
  expect(stderr).toContain('`npx linkscreen serve` shows the same screen in a browser')
  expect(stderr).not.toMatch(/Electron failed to install correctly/)
}

describe.skipIf(process.platform === 'win32')(process.platform === 'win32' ? 'skipped on Windows: the fake Electron binary is a POSIX shell script and the test sends POSIX signals' : 'npm start launcher', () => {
  it('no binary and a download that fails: one paragraph, exit 1', async () => {
    const run = await launch([], { ELECTRON_MIRROR: `http://127.0.0.1:${closedPort}/` })
    expect(run.code).toBe(1)
    expectParagraph(run.stderr)
    expect(flat(run.stderr)).toMatch(/Electron \d+\.\d+\.\d+ is not installed \(no binary at node_modules\/electron\/dist\/electron\) and downloading it failed \(TypeError: fetch failed\)/)
  })

  it('(what `electron .` did: the same failure through the package\'s cli.js ends in a stack trace)', async () => {
    const run = await launch(['.'], { ELECTRON_MIRROR: `http://127.0.0.1:${closedPort}/` }, undefined, join(root, 'node_modules', 'electron', 'cli.js'))
    expect(run.code).not.toBe(0)
    expect(() => expectParagraph(run.stderr)).toThrow()
    expect(run.stderr).toMatch(/^\s+at /m)
  })

  it('a download that never finishes is given up after the time limit', async () => {
    const port = (silent.address() as AddressInfo).port
    const run = await launch([], { ELECTRON_MIRROR: `http://127.0.0.1:${port}/`, LINKSCREEN_ELECTRON_DOWNLOAD_TIMEOUT_MS: '1000' })
    expect(run.code).toBe(1)
    expectParagraph(run.stderr)
    expect(flat(run.stderr)).toContain('downloading it failed (no complete download within 1 s)')
    expect(run.ms).toBeLessThan(10_000)
  })

  it('ELECTRON_OVERRIDE_DIST_PATH without a binary: the paragraph, and no download', async () => {
    const empty = join(root, 'empty-dist')
    await mkdir(empty, { recursive: true })
    const run = await launch([], { ELECTRON_OVERRIDE_DIST_PATH: empty, ELECTRON_MIRROR: `http://127.0.0.1:${closedPort}/` })
    expect(run.code).toBe(1)
    expectParagraph(run.stderr)
    expect(flat(run.stderr)).toContain(`ELECTRON_OVERRIDE_DIST_PATH is set to ${empty}, but there is no Electron binary`)
    expect(run.stderr).not.toContain('downloading')
  })

  it('runs the binary from ELECTRON_OVERRIDE_DIST_PATH on the app, with the flags, and passes its exit code on', async () => {
    const out = join(root, 'argv.json')
    const dist = await fakeDist('dist-exit', `writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2)))\nprocess.exit(7)`)
    const run = await launch(['--kiosk', '--provider', 'demo'], { ELECTRON_OVERRIDE_DIST_PATH: dist })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(7)
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual([root, '--kiosk', '--provider', 'demo'])
  })

  it('passes SIGTERM on to Electron and ends as Electron ends', async () => {
    const out = join(root, 'signal.txt')
    const dist = await fakeDist(
      'dist-signal',
      `process.on('SIGTERM', () => { writeFileSync(${JSON.stringify(out)}, 'SIGTERM'); process.exit(3) })\nwriteFileSync(${JSON.stringify(out)}, 'ready')\nsetInterval(() => undefined, 1000)`,
    )
    const run = await launch([], { ELECTRON_OVERRIDE_DIST_PATH: dist }, (pid) => {
      const poll = setInterval(() => {
        void readFile(out, 'utf8').then(
          (text) => {
            if (text !== 'ready') return
            clearInterval(poll)
            process.kill(pid, 'SIGTERM')
          },
          () => undefined,
        )
      }, 20)
    })
    expect(await readFile(out, 'utf8')).toBe('SIGTERM')
    expect(run.code).toBe(3)
  })
})
