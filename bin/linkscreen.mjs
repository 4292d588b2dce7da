#!/usr/bin/env node
// Runs the CLI as `npm run build` compiled it (dist-cli/linkscreen.js): no TypeScript compiler
// is loaded at run time, so the command answers in about the time Node takes to start.
import { existsSync } from 'node:fs'
import nodeModule from 'node:module'
import { fileURLToPath } from 'node:url'

const built = new URL('../dist-cli/linkscreen.js', import.meta.url)
if (!existsSync(built)) {
  process.stderr.write('linkscreen: the command-line tool is not built yet; run `npm run build` in the Linkscreen folder first.\n')
  process.exit(1)
}
// Node ≥ 22.1 keeps V8's compiled code for the built chunks between runs (issue #16: a command
// answers sooner when the demo provider's 1 MB chunk need not be compiled again). The cache sits
// in the build it was made from, written by whoever can write the code itself, and goes with the
// next `npm run build`; not in a shared temporary folder. On older Node, or where the folder is
// read-only, nothing is cached and nothing is said.
nodeModule.enableCompileCache?.(fileURLToPath(new URL('../dist-cli/.compile-cache/', import.meta.url)))
const { main } = await import(built.href)
const controller = new AbortController()
// 128 + the signal's number, as shells report it: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129
// for SIGHUP (the terminal closed: serve must still remove its runtime file).
let signalled
for (const [name, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(name, () => {
    signalled ??= code
    controller.abort()
    process.once(name, () => process.exit(code))
  })
}
const status = await main(process.argv.slice(2), { signal: controller.signal })
process.exit(signalled !== undefined && status === 130 ? signalled : status)
