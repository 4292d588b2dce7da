#!/usr/bin/env node
/**
 * What `app.asar` would hold, and how big it would be, measured without electron-builder
 * (which cannot run to the end where no Electron binary can be downloaded).
 *
 * It gathers the same two sets electron-builder packs: the project files named by `files:` in
 * electron-builder.yml (read through electron-builder's own loader), and every package of the
 * production dependency tree (`npm ls --omit=dev --parseable --all`), minus the files
 * electron-builder leaves out by default (app-builder-lib/out/fileMatcher.js `excludedNames`,
 * `excludedExts`; app-builder-lib/out/util/NodeModuleCopyHelper.js: change logs, top-level
 * READMEs and test folders, `.d.ts`). Then it writes a real asar with @electron/asar (the
 * library electron-builder packs with) into a temporary folder, native `.node` files unpacked
 * beside it as electron-builder's smart unpack does, and reports the sizes.
 *
 * Usage: node scripts/asar-size.mjs [--json]   (after `npm run build`)
 */
import { spawnSync } from 'node:child_process'
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const { createPackageFromFiles } = require('@electron/asar')
const { minimatch } = require('minimatch')
const { getConfig } = require('app-builder-lib/out/util/config/config.js')
const { excludedNames, excludedExts } = require('app-builder-lib/out/fileMatcher.js')
// electron-builder's loader logs "loaded configuration" on stdout; keep stdout for the figures.
require('builder-util').log.stream = process.stderr

const EXCLUDED_NAMES = new Set([
  ...excludedNames.split(','),
  // NodeModuleCopyHelper's own list, anywhere in a package.
  '.DS_Store', 'CHANGELOG.md', 'ChangeLog', 'changelog.md', 'Changelog.md', 'Changelog', 'binding.gyp', '.npmignore', 'node_gyp_bins',
])
/** Left out at a package's top level only (NodeModuleCopyHelper's `topLevelExcludedFiles`). */
const TOP_LEVEL_EXCLUDED = new Set([
  'karma.conf.js', '.coveralls.yml', 'README.md', 'readme.markdown', 'README', 'readme.md', 'Readme.md', 'Readme', 'readme',
  'test', 'tests', '__tests__', 'powered-test', 'example', 'examples', '.bin',
])
const EXCLUDED_EXTS = ['.o', '.obj', '.pdb', ...excludedExts.split(',').map((ext) => `.${ext}`)]

function excluded(name) {
  return EXCLUDED_NAMES.has(name) || name.startsWith('._') || EXCLUDED_EXTS.some((ext) => name.endsWith(ext))
}

/** The production dependency tree's package folders, as npm resolves it (the root excluded). */
export function productionPackageDirs(projectDir = root) {
  const npm = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ls', '--omit=dev', '--parseable', '--all', '--silent'], {
    cwd: projectDir,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  })
  // `npm ls` exits 1 for a problem such as an invalid peer; the tree it prints is still right.
  const dirs = npm.stdout.split(/\r?\n/).map((line) => line.trim()).filter(Boolean)
  if (dirs.length === 0) throw new Error(`npm ls --omit=dev printed no tree (exit ${npm.status}): ${npm.stderr.trim().slice(0, 300)}`)
  return dirs.filter((dir) => relative(projectDir, dir) !== '')
}

/** Files under `dir` (recursively), skipping what `skip(name, depth)` names. Symbolic links are left out. */
function walk(dir, skip, depth = 0, out = []) {
  for (const name of readdirSync(dir).sort()) {
    if (skip(name, depth)) continue
    const path = join(dir, name)
    const stat = lstatSync(path)
    if (stat.isDirectory()) walk(path, skip, depth + 1, out)
    else if (stat.isFile()) out.push(path)
  }
  return out
}

/** The project's own files that `files:` selects; later patterns win, `!` excludes. */
function projectFiles(patterns) {
  const candidates = walk(root, (name, depth) => excluded(name) || (depth === 0 && ['node_modules', '.git'].includes(name)) || name.startsWith('release'))
  return candidates.filter((file) => {
    const rel = relative(root, file).split(sep).join('/')
    let included = rel === 'package.json'
    for (const pattern of patterns) {
      if (pattern.startsWith('!')) {
        if (minimatch(rel, pattern.slice(1), { dot: true })) included = false
      } else if (minimatch(rel, pattern, { dot: true })) included = true
    }
    return included
  })
}

function sizeOf(path) {
  try {
    const stat = statSync(path)
    if (stat.isFile()) return stat.size
    return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0)
  } catch {
    return 0
  }
}

/** Packs what electron-builder would pack into a temporary asar and returns the figures. */
export async function measureAsar() {
  const config = await getConfig(root, null, null)
  // The loader turns `files:` into file sets; ours copy from the project root as they are.
  const patterns = (config.files ?? []).flatMap((set) => (typeof set === 'string' ? [set] : set.from == null && set.to == null ? [set.filter ?? []].flat() : []))
  const own = projectFiles(patterns)
  const packages = []
  const moduleFiles = []
  for (const dir of productionPackageDirs()) {
    const files = walk(dir, (name, depth) => name === 'node_modules' || excluded(name) || (depth === 0 && TOP_LEVEL_EXCLUDED.has(name)))
    const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name ?? basename(dir)
    packages.push({ name, dir: relative(root, dir), bytes: files.reduce((sum, file) => sum + statSync(file).size, 0) })
    moduleFiles.push(...files)
  }
  const out = mkdtempSync(join(tmpdir(), 'linkscreen-asar-'))
  try {
    const dest = join(out, 'app.asar')
    await createPackageFromFiles(root, dest, [...own, ...moduleFiles], undefined, { unpack: '*.node' })
    return {
      asarBytes: statSync(dest).size,
      unpackedBytes: sizeOf(`${dest}.unpacked`),
      files: own.length + moduleFiles.length,
      ownFiles: own.map((file) => relative(root, file).split(sep).join('/')),
      packages: packages.sort((a, b) => b.bytes - a.bytes),
    }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await measureAsar()
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result)}\n`)
  } else {
    process.stdout.write(`app.asar: ${mib(result.asarBytes)} (${result.asarBytes} bytes), app.asar.unpacked: ${mib(result.unpackedBytes)}, ${result.files} files, ${result.packages.length} production packages\n`)
    for (const p of result.packages.slice(0, 15)) process.stdout.write(`  ${mib(p.bytes).padStart(10)}  ${p.name}\n`)
  }
}
