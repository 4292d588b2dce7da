#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx linkscreen` works straight from a clone.
import { register } from 'tsx/esm/api'

register()
const { main } = await import(new URL('../electron/cli/main.ts', import.meta.url).href)
const controller = new AbortController()
let interrupted = false
process.once('SIGINT', () => {
  interrupted = true
  controller.abort()
  process.once('SIGINT', () => process.exit(130))
})
process.once('SIGTERM', () => controller.abort())
const status = await main(process.argv.slice(2), { signal: controller.signal })
process.exit(interrupted ? 130 : status)
