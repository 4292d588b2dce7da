/**
 * One Vite configuration for the whole app, one build per mode:
 * - default: the renderer (`renderer/` → `dist/renderer`);
 * - `--mode main`: the Electron main process (`electron/main.ts` → `dist-electron/main.js`,
 *   ES module, dependencies left to `node_modules`);
 * - `--mode preload`: the preload (`electron/preload/index.ts` → `dist-electron/preload.cjs`,
 *   one CommonJS file, as sandboxed preloads require).
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
  return {
    root: 'renderer',
    base: './',
    build: { outDir: '../dist/renderer', emptyOutDir: true },
  }
})
