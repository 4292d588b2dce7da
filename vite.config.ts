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
 * Production `dependencies` are what the main process and the CLI load from `node_modules` at
 * run time; both builds leave them external. Everything else (the renderer's React and
 * zustand, the CLI's qrcode and undici) is bundled where it is used and is a devDependency,
 * so it stays out of app.asar.
 */
import { builtinModules } from 'node:module'
import { defineConfig } from 'vite'
import pkg from './package.json' with { type: 'json' }

const external = [
  'electron',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies),
].map((name) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/.*)?$`))

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
      // Bundle every package but the production dependencies: qrcode (terminal QR codes) and
      // undici (proxies, loaded on the first proxied request) live in the CLI's own chunks.
      ssr: { noExternal: true, target: 'node' },
      build: {
        outDir: 'dist-cli',
        emptyOutDir: true,
        target: 'node20',
        minify: false,
        sourcemap: true,
        ssr: 'electron/cli/main.ts',
        rollupOptions: {
          external,
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
