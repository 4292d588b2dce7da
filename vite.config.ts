/**
 * One Vite configuration for the whole app, one build per mode:
 * - default: the renderer (`renderer/` → `dist/renderer`);
 * - `--mode main`: the Electron main process (`electron/main.ts` → `dist-electron/main.js`,
 *   ES module, dependencies left to `node_modules`);
 * - `--mode preload`: the preload (`electron/preload/index.ts` → `dist-electron/preload.cjs`,
 *   one CommonJS file, as sandboxed preloads require);
 * - `--mode cli`: the command-line tool (`electron/cli/main.ts` → `dist-cli/linkscreen.js`, ES
 *   module for Node, run by `bin/linkscreen.mjs`), so the CLI needs no TypeScript compiler at
 *   run time.
 *
 * Production `dependencies` are what the main process loads from `node_modules` at run time
 * (its build leaves them external). Everything else (the renderer's React and zustand, the
 * CLI's qrcode and undici) is bundled where it is used and is a devDependency, so it stays out
 * of app.asar. The CLI, which is not in app.asar, bundles the production dependencies too.
 */
import { builtinModules } from 'node:module'
import { defineConfig } from 'vite'
import pkg from './package.json' with { type: 'json' }

const asPattern = (name: string): RegExp => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/.*)?$`)
const builtins = ['electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]
const external = [...builtins, ...Object.keys(pkg.dependencies)].map(asPattern)

export default defineConfig(({ mode }) => {
  if (mode === 'main') {
    return {
      build: {
        outDir: 'dist-electron',
        emptyOutDir: true,
        target: 'node22',
        minify: false,
        sourcemap: true,
        ssr: 'electron/main.ts',
        rollupOptions: { external, output: { format: 'es', entryFileNames: 'main.js', chunkFileNames: '[name]-[hash].js' } },
      },
    }
  }
  if (mode === 'preload') {
    return {
      build: {
        outDir: 'dist-electron',
        emptyOutDir: false,
        target: 'chrome130',
        minify: false,
        lib: { entry: 'electron/preload/index.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
        rollupOptions: { external: ['electron'] },
      },
    }
  }
  if (mode === 'cli') {
    return {
      // Bundle every package, production dependencies included: Node's module loader spends
      // more on resolving and reading a package's files one by one (oidc-provider and its Koa
      // stack are some 300 files, zod about 100) than on compiling them, so the CLI loads each
      // in one chunk (issue #16: `login --provider demo` to its code in ≤ 0.4 s). Only Node's
      // built-ins stay external. qrcode (terminal QR codes) and undici (proxies, loaded on the
      // first proxied request) live in the CLI's chunks as before.
      ssr: { noExternal: true, target: 'node' },
      build: {
        outDir: 'dist-cli',
        emptyOutDir: true,
        target: 'node20',
        minify: false,
        sourcemap: true,
        ssr: 'electron/cli/main.ts',
        rollupOptions: {
          external: builtins.map(asPattern),
          onwarn(warning, warn) {
            // depd 1.x (under Koa's http-assert) builds its deprecation wrappers with a direct
            // eval; the bundle keeps the names that code refers to (checked), so this one is known.
            if (warning.code === 'EVAL' && /node_modules[\\/]http-assert[\\/]node_modules[\\/]depd[\\/]/.test(warning.id ?? '')) return
            warn(warning)
          },
          output: {
            format: 'es',
            entryFileNames: 'linkscreen.js',
            // Lazily loaded commands go in chunks/, two folders below the project root as their
            // sources are (electron/cli/), so a module that finds a file relative to itself
            // (serve.ts: `new URL('../../dist/renderer/', import.meta.url)`) finds it in the build too.
            chunkFileNames: 'chunks/[name]-[hash].js',
          },
        },
      },
    }
  }
  return {
    root: 'renderer',
    base: './',
    build: { outDir: '../dist/renderer', emptyOutDir: true },
  }
})
