/**
 * Finds and reads the provider configuration file: `--config`, then `LINKSCREEN_CONFIG`, then
 * `providers.json` in the user's config folder. The first two must exist; the last is optional.
 */
import { readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parseConfig, type Config } from '../core/config'
import { ErrorCode, LinkscreenError } from '../core/errors'

/** A configuration file is refused above this size. */
export const MAX_CONFIG_BYTES = 1024 * 1024

/** `providers.json` in the platform's user config folder. */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'linkscreen', 'providers.json')
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'linkscreen', 'providers.json')
  return join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'linkscreen', 'providers.json')
}

export interface LoadedConfig {
  readonly config: Config
  /** The file the configuration came from, or `undefined` when none was found. */
  readonly path: string | undefined
}

async function readConfigFile(path: string): Promise<string> {
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new LinkscreenError(ErrorCode.Config, `${path}: not a regular file`)
    if (info.size > MAX_CONFIG_BYTES) throw new LinkscreenError(ErrorCode.Config, `${path}: larger than ${MAX_CONFIG_BYTES} bytes`)
    return await readFile(path, 'utf8')
  } catch (error) {
    if (error instanceof LinkscreenError) throw error
    const code = (error as { code?: string }).code
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `cannot be read (${code ?? 'unknown error'})`
    throw new LinkscreenError(ErrorCode.Config, `${path}: ${reason}`)
  }
}

/** Loads the configuration from the first place that names one. */
export async function loadConfig(options: { configPath?: string | undefined; env?: NodeJS.ProcessEnv } = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env
  const explicit = options.configPath ?? (env['LINKSCREEN_CONFIG'] || undefined)
  if (explicit !== undefined) return { config: parseConfig(await readConfigFile(explicit), explicit), path: explicit }
  const fallback = userConfigPath(env)
  try {
    await stat(fallback)
  } catch {
    return { config: { providers: [] }, path: undefined }
  }
  return { config: parseConfig(await readConfigFile(fallback), fallback), path: fallback }
}
