/**
 * One Vite configuration for the app. For now it builds the renderer (`renderer/` →
 * `dist/renderer`); the Electron main and preload builds join it with the Electron app issue.
 */
import { defineConfig } from 'vite'

export default defineConfig({
  root: 'renderer',
  base: './',
  build: { outDir: '../dist/renderer', emptyOutDir: true },
})
