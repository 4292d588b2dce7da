/**
 * Packaging: `electron-builder.yml` is valid for electron-builder itself (its own loader and
 * schema check), targets every platform the issue names, and sets the production fuses; the
 * QA build differs in the inspect fuse only. The app's entry points exist after `npm run build`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: object | null): Promise<Record<string, unknown>>
  validateConfiguration(config: object, debugLogger: { add(key: string, value: unknown): void }): Promise<void>
}
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => { add(key: string, value: unknown): void } }

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { main: string; scripts: Record<string, string>; devDependencies: Record<string, string> }

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own validation', async () => {
    const config = await getConfig(process.cwd(), null, null)
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('builds AppImage and deb, NSIS and dmg, inside an asar', async () => {
    const config = (await getConfig(process.cwd(), null, null)) as { asar: boolean; linux: { target: string[] }; win: { target: string[] }; mac: { target: string[] } }
    expect(config.asar).toBe(true)
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.win.target).toEqual(['nsis'])
    expect(config.mac.target).toEqual(['dmg'])
  })

  it('sets the production fuses', async () => {
    const config = (await getConfig(process.cwd(), null, null)) as { electronFuses: Record<string, boolean> }
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
  })

  it('keeps the inspect fuse on in the QA build only', () => {
    expect(pkg.scripts['dist:qa']).toContain('-c.electronFuses.enableNodeCliInspectArguments=true')
    for (const name of ['dist', 'dist:linux', 'dist:win', 'dist:mac']) expect(pkg.scripts[name]).not.toContain('enableNodeCliInspectArguments')
  })
})

describe('Electron itself', () => {
  it('is a supported major (45 or newer; Electron supports the latest three)', () => {
    const installed = JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')) as { version: string }
    expect(Number(installed.version.split('.')[0])).toBeGreaterThanOrEqual(45)
    expect(pkg.devDependencies['electron']).toMatch(/^\^4[5-9]|^\^[5-9]\d/)
  })
})

describe('the build', () => {
  it('produces the main entry, the preload and the renderer', () => {
    expect(pkg.main).toBe('dist-electron/main.js')
    for (const file of ['dist-electron/main.js', 'dist-electron/preload.cjs', 'dist/renderer/index.html']) expect(existsSync(file), `${file} (run npm run build)`).toBe(true)
  })

  it('bundles the preload into one CommonJS file that requires nothing but electron', () => {
    const preload = readFileSync('dist-electron/preload.cjs', 'utf8')
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
    expect(required).toEqual(['electron'])
    expect(preload).not.toMatch(/^\s*(import|export)\s/m)
  })
})
