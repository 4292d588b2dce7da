/** The app's start options: flags, configuration keys, and Chromium's own switches left alone. */
import { describe, expect, it } from 'vitest'
import { parseLaunchFlags, resolveAppOptions } from '../../../electron/app/options'

const argv = (...args: string[]) => ['/opt/Linkscreen/linkscreen', '.', ...args]

describe('launch flags', () => {
  it('reads ours and ignores Electron and Chromium switches', () => {
    expect(parseLaunchFlags(argv('--kiosk', '--config', '/etc/ls.json', '--user-data-dir=/tmp/qa', '--provider', 'trakt', '--inspect=0', '--remote-debugging-port=0', '--no-sandbox'))).toEqual({
      kiosk: true,
      fullscreen: undefined,
      config: '/etc/ls.json',
      userDataDir: '/tmp/qa',
      provider: 'trakt',
    })
  })

  it('treats empty values as absent', () => {
    expect(parseLaunchFlags(argv('--config=', '--provider='))).toMatchObject({ config: undefined, provider: undefined })
  })
})

describe('options', () => {
  it('takes the configuration when no flag is given; kiosk implies full screen', () => {
    expect(resolveAppOptions(parseLaunchFlags(argv()), { providers: [], app: { kiosk: true, allowWeakTokenStorage: true, provider: 'demo' } })).toEqual({
      kiosk: true,
      fullscreen: true,
      provider: 'demo',
      allowWeakTokenStorage: true,
    })
  })

  it('lets flags win over the configuration', () => {
    expect(resolveAppOptions(parseLaunchFlags(argv('--fullscreen', '--provider', 'x')), { providers: [], app: { fullscreen: false, provider: 'demo' } })).toMatchObject({
      kiosk: false,
      fullscreen: true,
      provider: 'x',
    })
  })

  it('defaults to a plain desktop window that does not keep tokens without a keyring', () => {
    expect(resolveAppOptions(parseLaunchFlags(argv()), { providers: [] })).toEqual({ kiosk: false, fullscreen: false, provider: null, allowWeakTokenStorage: false })
  })
})
