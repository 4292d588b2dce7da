/**
 * The runtime file through which `linkscreen accounts|logout` find a running `linkscreen serve`.
 *
 * Serve's control credential must reach the CLI without ever being on a command line (every
 * local user can read `ps -eo args`). Serve writes it, with its URL, to an owner-only file in
 * the user's runtime folder (`$XDG_RUNTIME_DIR/linkscreen/`, else `run/` in the config folder),
 * one file per instance (`serve-<port>.json`), created exclusively with mode 600 and removed when
 * serve stops. Readers trust a file only if it is a regular file (not a symlink) that this user
 * owns and nobody else can read, in a folder this user owns and nobody else can write: a file
 * planted by another user could point the CLI at a server that harvests what it sends.
 */
import { constants as fs, unlinkSync } from 'node:fs'
import { lstat, mkdir, open, readdir, unlink } from 'node:fs/promises'
import { dirname, isAbsolute, join } from 'node:path'
import { userConfigPath } from '../adapters/config-file'

/** What serve writes: where it listens and how to reach its control API. */
export interface ServeRecord {
  readonly version: 1
  readonly pid: number
  readonly port: number
  /** The page's one-time URL, as printed (useless once a browser has opened it). */
  readonly url: string
  /** The control URL (`http://127.0.0.1:PORT/?control=…`), the form `LINKSCREEN_SERVE_URL` takes. */
  readonly controlUrl: string
  readonly startedAt: string
}

/** The query parameter of serve's one-time URL, and of its control URL. */
export const TICKET_PARAM = 'ticket'
export const CONTROL_PARAM = 'control'

/** A runtime file or folder that cannot be trusted or used; the message says why. */
export class RuntimeFileError extends Error {}

const FILE = /^serve-(\d{1,5})\.json$/
const MAX_BYTES = 64 * 1024

/** The folder serve's runtime files live in. */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const xdg = env['XDG_RUNTIME_DIR']
  if (xdg && isAbsolute(xdg)) return join(xdg, 'linkscreen')
  return join(dirname(userConfigPath(env, platform)), 'run')
}

/** The runtime file of the serve listening on `port`. */
export function runtimeFilePath(dir: string, port: number): string {
  return join(dir, `serve-${port}.json`)
}

const myUid = (): number | undefined => process.getuid?.()

/** Refuses a folder that is a symlink, not a folder, another user's, or writable by others. */
async function checkDir(dir: string): Promise<void> {
  const info = await lstat(dir)
  if (info.isSymbolicLink()) throw new RuntimeFileError(`refusing ${dir}: it is a symbolic link; the folder of serve's runtime files must be a real folder of yours`)
  if (!info.isDirectory()) throw new RuntimeFileError(`refusing ${dir}: it is not a folder`)
  const uid = myUid()
  if (uid === undefined) return // Windows: ACLs, not modes, guard the profile folder.
  if (info.uid !== uid) throw new RuntimeFileError(`refusing ${dir}: it belongs to user ${info.uid}, not to you (user ${uid}); another user could swap serve's files in it`)
  if ((info.mode & 0o022) !== 0) {
    throw new RuntimeFileError(`refusing ${dir}: other users can write in it (mode ${(info.mode & 0o777).toString(8)}); make it yours only (chmod 700)`)
  }
}

/** A file written by {@link writeRuntimeFile}; remove it when serve stops. */
export interface RuntimeFile {
  readonly path: string
  remove(): Promise<void>
  /** For a process that is exiting without awaiting. */
  removeSync(): void
}

/**
 * Writes serve's record, owner-only, created exclusively (a file already there is a stale one of
 * an instance killed before it could clean up: the port is ours now, and the folder is checked
 * to be ours alone, so it is replaced).
 */
export async function writeRuntimeFile(dir: string, record: ServeRecord): Promise<RuntimeFile> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await checkDir(dir)
  const path = runtimeFilePath(dir, record.port)
  const flags = fs.O_WRONLY | fs.O_CREAT | fs.O_EXCL | (fs.O_NOFOLLOW ?? 0)
  let handle
  try {
    handle = await open(path, flags, 0o600)
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error
    await unlink(path)
    handle = await open(path, flags, 0o600)
  }
  try {
    await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`)
  } finally {
    await handle.close()
  }
  let removed = false
  return {
    path,
    remove: async () => {
      if (removed) return
      removed = true
      await unlink(path).catch(() => undefined)
    },
    removeSync: () => {
      if (removed) return
      removed = true
      try {
        unlinkSync(path)
      } catch {
        // Already gone.
      }
    },
  }
}

/** Reads one runtime file, refusing one that another user could have written or read. */
export async function readRuntimeFile(path: string): Promise<ServeRecord> {
  const info = await lstat(path)
  if (info.isSymbolicLink()) throw new RuntimeFileError(`refusing ${path}: it is a symbolic link, not a file serve wrote`)
  let handle
  try {
    handle = await open(path, fs.O_RDONLY | (fs.O_NOFOLLOW ?? 0))
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOOP') throw new RuntimeFileError(`refusing ${path}: it is a symbolic link, not a file serve wrote`)
    throw error
  }
  try {
    // Checked on the open file, so that a file swapped after the lstat is still caught.
    const stat = await handle.stat()
    if (!stat.isFile()) throw new RuntimeFileError(`refusing ${path}: it is not a regular file`)
    const uid = myUid()
    if (uid !== undefined) {
      if (stat.uid !== uid) throw new RuntimeFileError(`refusing ${path}: it belongs to user ${stat.uid}, not to you (user ${uid}); it was not written by your serve`)
      if ((stat.mode & 0o077) !== 0) {
        throw new RuntimeFileError(
          `refusing ${path}: other users can read or write it (mode ${(stat.mode & 0o777).toString(8)}); serve writes it owner-only (600), so it was changed or is not serve's. Stop serve and start it again`,
        )
      }
    }
    if (stat.size > MAX_BYTES) throw new RuntimeFileError(`refusing ${path}: it is too large to be serve's`)
    return parseRecord(path, await handle.readFile('utf8'))
  } finally {
    await handle.close()
  }
}

function parseRecord(path: string, text: string): ServeRecord {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new RuntimeFileError(`${path} is not JSON: not a file serve wrote`)
  }
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const ok =
    r['version'] === 1 &&
    Number.isSafeInteger(r['pid']) &&
    Number.isSafeInteger(r['port']) &&
    typeof r['url'] === 'string' &&
    typeof r['controlUrl'] === 'string' &&
    typeof r['startedAt'] === 'string'
  if (!ok) throw new RuntimeFileError(`${path} does not hold what serve writes (version, pid, port, url, controlUrl)`)
  return r as unknown as ServeRecord
}

/** True while process `pid` exists (a file of a serve killed with SIGKILL stays behind). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM'
  }
}

/** A running serve found in the runtime folder. */
export interface FoundServe {
  readonly path: string
  readonly record: ServeRecord
}

/**
 * The running serves recorded in `dir` (all of them, or the one on `port`). Any file that cannot
 * be trusted is refused, not skipped: it is a sign that someone tampered with the folder.
 */
export async function findRuntimeFiles(dir: string, port?: number): Promise<FoundServe[]> {
  try {
    await checkDir(dir)
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return []
    throw error
  }
  const names = (await readdir(dir)).filter((name) => FILE.test(name) && (port === undefined || name === `serve-${port}.json`)).sort()
  const found: FoundServe[] = []
  for (const name of names) {
    const path = join(dir, name)
    const record = await readRuntimeFile(path)
    if (record.port !== Number(FILE.exec(name)?.[1])) throw new RuntimeFileError(`refusing ${path}: it names port ${record.port}, not the port in its name`)
    if (alive(record.pid)) found.push({ path, record })
  }
  return found
}
