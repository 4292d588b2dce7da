/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after Vitest's own
 * summary, so CI can read the counts whatever reporter it knows; before it, one loud line for
 * each test skipped because this machine lacks something (its name starts with `skipped:`).
 */
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    const notes: string[] = []
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else skipped++
        // A test that cannot run on this machine says why in its name; repeat it where CI looks.
        if (state === 'skipped' && test.name.startsWith('skipped:')) notes.push(`!!! ${test.name} (${module.moduleId.replace(process.cwd() + '/', '')})`)
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++
    }
    if (notes.length > 0) process.stdout.write(`\n${notes.join('\n')}\n`)
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }
}
