/**
 * The app's start options: command-line flags first, then the configuration's `app` keys,
 * then defaults. Electron and Chromium add switches of their own to `argv`; anything not ours
 * is left alone rather than refused.
 */
import { parseArgs } from 'node:util'
import type { Config } from '../core/config'

export interface LaunchFlags {
  readonly kiosk: boolean | undefined
  readonly fullscreen: boolean | undefined
  readonly config: string | undefined
  readonly userDataDir: string | undefined
  readonly provider: string | undefined
  /** Set by the app on the instance it relaunched for a keystore that gave no key (`app:restart`). */
  readonly keystoreRestart: boolean | undefined
}

/** Reads our flags from Electron's `process.argv` (the executable and app path come first). */
export function parseLaunchFlags(argv: readonly string[]): LaunchFlags {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    options: {
      kiosk: { type: 'boolean' },
      fullscreen: { type: 'boolean' },
      config: { type: 'string' },
      'user-data-dir': { type: 'string' },
      provider: { type: 'string' },
      'keystore-restart': { type: 'boolean' },
    },
  })
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
  const flag = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined)
  return {
    kiosk: flag(values['kiosk']),
    fullscreen: flag(values['fullscreen']),
    config: text(values['config']),
    userDataDir: text(values['user-data-dir']),
    provider: text(values['provider']),
    keystoreRestart: flag(values['keystore-restart']),
  }
}

export interface AppOptions {
  readonly kiosk: boolean
  readonly fullscreen: boolean
  readonly provider: string | null
  readonly allowWeakTokenStorage: boolean
}

/** Flags win over the configuration file; kiosk implies full screen. */
export function resolveAppOptions(flags: LaunchFlags, config: Config): AppOptions {
  const app = config.app ?? {}
  const kiosk = flags.kiosk ?? app.kiosk ?? false
  return {
    kiosk,
    fullscreen: kiosk || (flags.fullscreen ?? app.fullscreen ?? false),
    provider: flags.provider ?? app.provider ?? null,
    allowWeakTokenStorage: app.allowWeakTokenStorage ?? false,
  }
}
