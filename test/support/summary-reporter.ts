import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain line, `N passed, N failed, N skipped`, after the run: CI reads that line
 * and not vitest's own summary. A test file that failed before any of its tests ran counts
 * as one failure, so a broken import can never look like a green run.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = errors.length;
    let skipped = 0;
    for (const module of modules) {
      let ran = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        if (state !== 'skipped' && state !== 'pending') ran++;
      }
      if (ran === 0 && module.state() === 'failed') failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
