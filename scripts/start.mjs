#!/usr/bin/env node
/**
 * `npm start`'s launcher: runs the app (this repository, already built) on the Electron binary
 * of the `electron` package, found the way that package finds it, and says plainly what to do
 * when there is none.
 *
 * Why not `electron .`: the `electron` package (45+) downloads its binary on first use
 * (node_modules/electron/index.js runs install.js), and where that download cannot happen (a
 * closed network, a proxy) it ends in a stack trace and "Electron failed to install
 * correctly". Here the download is bounded in time, and a failure is one paragraph that says
 * what failed and how to point ELECTRON_OVERRIDE_DIST_PATH or ELECTRON_MIRROR at a binary.
 *
 * Usage: node scripts/start.mjs [app flags…]   (`npm start -- --kiosk`)
 * Environment: ELECTRON_OVERRIDE_DIST_PATH, ELECTRON_MIRROR (read by the `electron` package and
 * @electron/get), LINKSCREEN_ELECTRON_DOWNLOAD_TIMEOUT_MS (default ten minutes).
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { constants } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const appRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 10 * 60_000
/** The signals passed on to Electron, as the `electron` package's cli.js does (plus SIGHUP). */
const FORWARDED = process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2']

/** One paragraph on stderr, then exit 1: no stack trace. */
function fail(...sentences) {
  const words = sentences.join(' ').split(/\s+/)
  const lines = []
  let line = 'linkscreen:'
  for (const word of words) {
    if (line.length + word.length + 1 > 96) {
      lines.push(line)
      line = word
    } else line += ` ${word}`
  }
  lines.push(line)
  process.stderr.write(`\n${lines.join('\n')}\n\n`)
  process.exit(1)
}

const advice = (version) => [
  `To use an Electron ${version} binary you already have (e.g. an unpacked electron-v${version}-${process.platform}-${process.arch}.zip),`,
  'set ELECTRON_OVERRIDE_DIST_PATH to the folder that holds it;',
  'to download from a mirror, set ELECTRON_MIRROR (e.g. ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/);',
  'behind a proxy, set ELECTRON_GET_USE_PROXY=true and HTTPS_PROXY; then run `npm start` again.',
  'Without Electron, `npx linkscreen serve` shows the same screen in a browser.',
]

/** The executable's path inside a distribution folder (install.js `getPlatformPath`). */
function platformPath() {
  const platform = process.env.ELECTRON_INSTALL_PLATFORM || process.env.npm_config_platform || process.platform
  if (platform === 'darwin' || platform === 'mas') return 'Electron.app/Contents/MacOS/Electron'
  if (platform === 'win32') return 'electron.exe'
  return 'electron'
}

function electronPackage() {
  try {
    const manifest = createRequire(import.meta.url).resolve('electron/package.json')
    return { dir: dirname(manifest), version: JSON.parse(readFileSync(manifest, 'utf8')).version }
  } catch {
    const pinned = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')).devDependencies?.electron ?? ''
    return fail('cannot start the app: the `electron` package is not installed here.', 'Run `npm ci` (or `npm install`) first.', ...advice(pinned.replace(/^[^\d]*/, '')))
  }
}

/**
 * Where the binary is, as node_modules/electron/index.js decides: path.txt (written by
 * install.js) names the executable inside dist/, or inside ELECTRON_OVERRIDE_DIST_PATH when
 * that is set. Without path.txt the package assumes "electron"; this uses the platform's own
 * name (install.js `getPlatformPath`), which is the same on Linux and also right elsewhere.
 */
function binaryPath(pkg) {
  const pathFile = join(pkg.dir, 'path.txt')
  const recorded = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : ''
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  return join(override || join(pkg.dir, 'dist'), recorded || platformPath())
}

/** Runs the package's own installer (what index.js does), within a time limit; its stack trace is kept back. */
function download(pkg) {
  const limit = Number(process.env.LINKSCREEN_ELECTRON_DOWNLOAD_TIMEOUT_MS) || DEFAULT_DOWNLOAD_TIMEOUT_MS
  process.stderr.write(`linkscreen: downloading Electron ${pkg.version} (about 100 MB, once)…\n`)
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(pkg.dir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk) => void (stderr = (stderr + chunk).slice(0, 16_384)))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve({ ok: false, reason: `no complete download within ${Math.round(limit / 1000)} s` })
    }, limit)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ ok: false, reason: error.code ?? 'the installer did not run' })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      // The error's first line ("HTTPError: Response code 404 …", "TypeError: fetch failed").
      const first = stderr.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('at '))
      resolve(code === 0 ? { ok: true } : { ok: false, reason: (first ?? `the installer exited with ${code}`).slice(0, 200) })
    })
  })
}

async function findBinary() {
  const pkg = electronPackage()
  let binary = binaryPath(pkg)
  if (existsSync(binary)) return { binary, version: pkg.version }
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    return fail(
      `cannot start the app: ELECTRON_OVERRIDE_DIST_PATH is set to ${process.env.ELECTRON_OVERRIDE_DIST_PATH}, but there is no Electron binary at ${binary}.`,
      ...advice(pkg.version),
    )
  }
  const result = await download(pkg)
  binary = binaryPath(pkg)
  if (result.ok && existsSync(binary)) return { binary, version: pkg.version }
  const where = relative(process.cwd(), binary) || binary
  return fail(
    `cannot start the app: Electron ${pkg.version} is not installed (no binary at ${where}) and downloading it failed (${result.ok ? 'the installer wrote no binary' : result.reason}).`,
    ...advice(pkg.version),
    `To see the installer's full error: node ${relative(process.cwd(), join(pkg.dir, 'install.js'))}`,
  )
}

/** Runs Electron on the app with the given flags; its exit code (or signal) becomes ours. */
function run({ binary, version }, args) {
  const child = spawn(binary, [appRoot, ...args], { stdio: 'inherit', windowsHide: false })
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  for (const signal of FORWARDED) process.on(signal, forward)
  child.on('error', (error) => fail(`cannot start the app: ${binary} could not be run (${error.code ?? error.message}).`, ...advice(version)))
  child.on('close', (code, signal) => {
    if (signal === null) process.exit(code ?? 1)
    for (const s of FORWARDED) process.off(s, forward)
    // Ended by a signal: end the same way when it is one we pass on, else exit 128+n as shells do.
    if (FORWARDED.includes(signal)) process.kill(process.pid, signal)
    else process.exit(128 + (constants.signals[signal] ?? 0))
  })
}

run(await findBinary(), process.argv.slice(2))
