/**
 * Packaging: `electron-builder.yml` is valid for electron-builder itself (its own loader and
 * schema check), targets every platform the issue names, and sets the production fuses; the
 * QA build differs in the inspect fuse only. The app's entry points exist after `npm run build`.
 * The package is lean (only what main and the CLI load is a production dependency; the CLI is
 * built), the Linux packages start with the sandbox on, and a dmg is signed and notarized.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAst } from 'vite'
import { describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: object | null): Promise<Record<string, unknown>>
  validateConfiguration(config: object, debugLogger: { add(key: string, value: unknown): void }): Promise<void>
}
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => { add(key: string, value: unknown): void } }

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  main: string
  bin: Record<string, string>
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

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

/** Packages only the build, the renderer's bundle or the CLI's bundle need: never in app.asar. */
const BUILD_ONLY = ['tsx', 'esbuild', 'vite', 'react', 'react-dom', 'zustand', 'qrcode', 'undici']

/**
 * Bare package names a built file loads: `import … from "x"`, `export … from "x"`, `import("x")`,
 * `require("x")` and the bundler's `__require("x")`, read from the parsed program (a bundled
 * package's text such as "Usage: require('keygrip')" in a string is not a load).
 */
function importedPackages(file: string): string[] {
  const specifiers: string[] = []
  const literal = (node: unknown): string | undefined => {
    const n = node as { type?: string; value?: unknown } | null
    return n?.type === 'Literal' && typeof n.value === 'string' ? n.value : undefined
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit)
    if (node === null || typeof node !== 'object') return
    const n = node as Record<string, unknown> & { type?: string }
    if (n.type === 'ImportDeclaration' || n.type === 'ExportAllDeclaration' || n.type === 'ExportNamedDeclaration' || n.type === 'ImportExpression') {
      const source = literal(n['source'])
      if (source !== undefined) specifiers.push(source)
    }
    if (n.type === 'CallExpression') {
      const callee = n['callee'] as { type?: string; name?: string } | undefined
      const first = literal((n['arguments'] as unknown[] | undefined)?.[0])
      if (callee?.type === 'Identifier' && /^(__)?require$/.test(callee.name ?? '') && first !== undefined) specifiers.push(first)
    }
    for (const value of Object.values(n)) if (value !== null && typeof value === 'object') visit(value)
  }
  visit(parseAst(readFileSync(file, 'utf8')))
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('/'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!))
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.js') || f.endsWith('.cjs')).map((f) => join(dir, f))
}

describe('a lean package', () => {
  it('has as production dependencies only what the main process and the CLI load at run time', () => {
    for (const name of BUILD_ONLY) expect(Object.keys(pkg.dependencies), name).not.toContain(name)
    // tsx stays for the npm scripts that run TypeScript directly (schema, bench).
    expect(pkg.devDependencies['tsx']).toBeDefined()
  })

  it('every package the built main process and CLI import is Node, Electron or a production dependency', () => {
    const allowed = new Set([...builtinModules, 'electron', ...Object.keys(pkg.dependencies)])
    expect(importedPackages('dist-electron/main.js')).toEqual(expect.arrayContaining(['electron', 'electron-store']))
    for (const file of [...filesUnder('dist-electron'), ...filesUnder('dist-cli')]) {
      for (const name of importedPackages(file)) {
        if (name.startsWith('node:')) continue
        expect(allowed.has(name), `${file} imports ${name}`).toBe(true)
      }
    }
  })

  it('app.asar (files: plus the production tree) holds the built app and no build-only package', (ctx) => {
    const run = spawnSync(process.execPath, ['scripts/asar-size.mjs', '--json'], { encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(0)
    const result = JSON.parse(run.stdout) as { asarBytes: number; files: number; ownFiles: string[]; packages: Array<{ name: string }> }
    const names = result.packages.map((p) => p.name)
    for (const name of BUILD_ONLY) expect(names, name).not.toContain(name)
    expect(names).toEqual(expect.arrayContaining(Object.keys(pkg.dependencies)))
    expect(result.ownFiles).toEqual(expect.arrayContaining(['package.json', 'dist-electron/main.js', 'dist-electron/preload.cjs', 'dist/renderer/index.html']))
    expect(result.ownFiles.filter((f) => !/^(dist\/renderer\/|dist-electron\/|package\.json$)/.test(f) || f.endsWith('.map'))).toEqual([])
    ctx.task.meta.summary = `app.asar would be ${(result.asarBytes / 1024 / 1024).toFixed(2)} MiB: ${result.files} files, ${names.length} production packages (node scripts/asar-size.mjs)`
  }, 60_000)
})

declare module 'vitest' {
  interface TaskMeta {
    summary?: string
  }
}

describe('the built CLI', () => {
  it('is built by npm run build into dist-cli/linkscreen.js, which bin/linkscreen.mjs runs without tsx', () => {
    expect(pkg.bin['linkscreen']).toBe('bin/linkscreen.mjs')
    expect(pkg.scripts['build']).toContain('--mode cli')
    expect(existsSync('dist-cli/linkscreen.js'), 'dist-cli/linkscreen.js (run npm run build)').toBe(true)
    expect(readFileSync('bin/linkscreen.mjs', 'utf8')).not.toMatch(/tsx/)
    const help = spawnSync(process.execPath, ['bin/linkscreen.mjs', '--help'], { encoding: 'utf8' })
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage:\n {2}linkscreen login/)
  })

  it('loads nothing but Node built-ins at start: each command loads its own modules (--help loads none)', () => {
    const entry = readFileSync('dist-cli/linkscreen.js', 'utf8')
    const staticImports = [...entry.matchAll(/^import\s[^;]*?from\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2])
    expect(staticImports.length).toBeGreaterThan(0)
    // So zod, oauth4webapi, qrcode and undici sit in chunks loaded by the commands that use them.
    expect(staticImports.filter((s) => !s!.startsWith('node:'))).toEqual([])
  })

  it('says in one sentence to run npm run build when the build is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'linkscreen-bin-'))
    try {
      mkdirSync(join(dir, 'bin'))
      copyFileSync('bin/linkscreen.mjs', join(dir, 'bin', 'linkscreen.mjs'))
      const run = spawnSync(process.execPath, [join(dir, 'bin', 'linkscreen.mjs'), '--help'], { encoding: 'utf8' })
      expect(run.status).toBe(1)
      expect(run.stdout).toBe('')
      expect(run.stderr.trim().split('\n')).toHaveLength(1)
      expect(run.stderr).toContain('npm run build')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('Linux packages that start (Ubuntu 24.04+: AppArmor restricts user namespaces)', () => {
  const templates = join(require.resolve('app-builder-lib/package.json'), '..', 'templates', 'linux')

  it('the deb keeps electron-builder’s install scripts, which install and load its AppArmor profile', async () => {
    const config = (await getConfig(process.cwd(), null, null)) as { linux: { target: string[] }; deb?: Record<string, unknown> }
    expect(config.linux.target).toContain('deb')
    for (const key of ['afterInstall', 'afterRemove', 'appArmorProfile', 'fpm']) expect(config.deb?.[key], `deb.${key}`).toBeUndefined()
    const afterInstall = readFileSync(join(templates, 'after-install.tpl'), 'utf8')
    expect(afterInstall).toContain("APPARMOR_PROFILE_SOURCE='/opt/${sanitizedProductName}/resources/apparmor-profile'")
    expect(afterInstall).toContain("APPARMOR_PROFILE_TARGET='/etc/apparmor.d/${executable}'")
    expect(afterInstall).toMatch(/apparmor_parser --replace/)
  })

  it('that profile lets the installed binary, /opt/Linkscreen/linkscreen, create user namespaces', async () => {
    const config = (await getConfig(process.cwd(), null, null)) as { productName: string; executableName: string }
    // electron-builder fills the template with these (app-builder-lib/out/targets/FpmTarget.js).
    const values: Record<string, string> = { executable: config.executableName, sanitizedProductName: config.productName.replace(/[^\w.-]/g, '') }
    const profile = readFileSync(join(templates, 'apparmor-profile.tpl'), 'utf8').replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? `\${${name}}`)
    expect(profile).toContain(`profile "linkscreen" "/opt/Linkscreen/linkscreen"`)
    expect(profile).toMatch(/^\s*userns,\s*$/m)
  })

  it('the deb can be made from any checkout: the project homepage fpm requires is in package.json', async () => {
    // app-builder-lib/out/targets/FpmTarget.js `computeFpmMetaInfoOptions` throws "Please specify
    // project homepage" without one; appInfo.js `computePackageUrl` takes package.json's, else a
    // GitHub `origin` remote: run here as electron-builder runs it, for a checkout with no such
    // remote (a tarball, a mirror), so the answer depends on package.json alone.
    const { AppInfo } = require('app-builder-lib/out/appInfo.js') as { AppInfo: { prototype: { computePackageUrl(this: unknown): Promise<string | null> } } }
    const url = await AppInfo.prototype.computePackageUrl.call({ info: { metadata: pkg, devMetadata: pkg, repositoryInfo: Promise.resolve(null) }, notNullDevMetadata: pkg })
    expect(url).toMatch(/^https:\/\//)
    // And a maintainer, which fpm needs when package.json names no author e-mail.
    const config = (await getConfig(process.cwd(), null, null)) as { linux: { maintainer?: string } }
    expect(config.linux.maintainer).toMatch(/<[^@\s]+@[^>\s]+>/)
  })

  it('never turns Chromium’s sandbox off', async () => {
    const config = await getConfig(process.cwd(), null, null)
    expect(JSON.stringify(config)).not.toMatch(/no-sandbox/)
    for (const [name, script] of Object.entries(pkg.scripts)) expect(script, name).not.toMatch(/no-sandbox/)
  })
})

describe('the dmg', () => {
  it('is signed with a Developer ID (or not made), with the hardened runtime, and notarized', async () => {
    const config = (await getConfig(process.cwd(), null, null)) as { mac: Record<string, unknown> }
    expect(config.mac).toMatchObject({ forceCodeSigning: true, hardenedRuntime: true, notarize: true })
    // Unset: the Developer ID is found in the keychain (or CSC_LINK); null or '-' would ship unsigned or ad hoc.
    expect(config.mac['identity']).toBeUndefined()
    for (const name of ['dist', 'dist:mac']) expect(pkg.scripts[name]).not.toMatch(/identity|forceCodeSigning/)
  })

  it('only the QA build, never shipped, is signed ad hoc', () => {
    expect(pkg.scripts['dist:qa']).toContain('-c.mac.forceCodeSigning=false')
    expect(pkg.scripts['dist:qa']).toContain('-c.mac.identity=-')
  })
})
