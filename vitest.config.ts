import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup/electron.ts'],
    server: { deps: { inline: ['electron-store'] } },
    reporters: ['default', './test/summary-reporter.ts'],
  },
})
