/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after Vitest's own
 * summary, so CI can read the counts whatever reporter it knows; before it, one loud line for
 * each test skipped because this machine lacks something (its name starts with `skipped:`), and
 * every line a test attached as `meta.summary` (the fault matrix's and the load test's figures,
 * see test/faults/summary.ts), passed or failed.
 */
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    const notes: string[] = []
    const summaries: string[] = []
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else skipped++
        // A test that cannot run on this machine says why in its name; repeat it where CI looks.
        if (state === 'skipped' && test.name.startsWith('skipped:')) notes.push(`!!! ${test.name} (${module.moduleId.replace(process.cwd() + '/', '')})`)
        const summary: unknown = (test.meta() as { summary?: unknown }).summary
        if (typeof summary === 'string' && summary !== '') summaries.push(`${state === 'failed' ? 'FAILED ' : ''}${summary}`)
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++
    }
    if (notes.length > 0) process.stdout.write(`\n${notes.join('\n')}\n`)
    if (summaries.length > 0) process.stdout.write(`\n${summaries.join('\n')}\n`)
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }
}
