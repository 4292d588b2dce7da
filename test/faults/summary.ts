/**
 * One closing line of a test file (the fault matrix, the load test): printed to stdout at once,
 * and attached to the test as `meta.summary`, which `test/summary-reporter.ts` repeats at the
 * end of `npm test`, under the counts, whether the test passed or failed.
 */
import type { TestContext } from 'vitest'

declare module 'vitest' {
  interface TaskMeta {
    /** A line the summary reporter repeats at the end of the run. */
    summary?: string
  }
}

export function recordSummary(context: TestContext, line: string): void {
  context.task.meta.summary = line
  process.stdout.write(`${line}\n`)
}
