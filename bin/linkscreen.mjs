#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx linkscreen` works straight from a clone.
import { register } from 'tsx/esm/api'

register()
const { main } = await import(new URL('../electron/cli/main.ts', import.meta.url).href)
const controller = new AbortController()
// 128 + the signal's number, as shells report it: 130 for Ctrl-C (SIGINT), 143 for SIGTERM.
let signalled
for (const [name, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(name, () => {
    signalled ??= code
    controller.abort()
    process.once(name, () => process.exit(code))
  })
}
const status = await main(process.argv.slice(2), { signal: controller.signal })
process.exit(signalled !== undefined && status === 130 ? signalled : status)
