import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the busy time per suite (a table CI logs keep, for issue 20's "time per suite"), then
 * one plain line, `N passed, N failed, N skipped`, after the run: CI reads that line and not
 * vitest's own summary. A test file that failed before any of its tests ran counts as one
 * failure, so a broken import can never look like a green run.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = errors.length;
    let skipped = 0;
    const busy = new Map<string, { ms: number; files: number }>();
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
      const { duration, collectDuration } = module.diagnostic();
      const suite = suiteOf(module);
      const entry = busy.get(suite) ?? { ms: 0, files: 0 };
      busy.set(suite, { ms: entry.ms + duration + collectDuration, files: entry.files + 1 });
    }
    process.stdout.write(
      `\n${suiteTable(busy)}\n${passed} passed, ${failed} failed, ${skipped} skipped\n`,
    );
  }
}

/** unit, or the harness folder a file belongs to: test/e2e, test/integration/chart, … */
function suiteOf(module: TestModule): string {
  const project = module.project.name;
  if (!project.startsWith('harness')) return project || 'default';
  const parts = relative(module.project.config.root, module.moduleId).split('/');
  const depth = parts[1] === 'integration' && parts.length > 3 ? 3 : 2;
  return parts.slice(0, depth).join('/');
}

/** Busy seconds per suite (collect + tests, summed over files: workers overlap them). */
function suiteTable(busy: ReadonlyMap<string, { ms: number; files: number }>): string {
  const rows = [...busy].sort((a, b) => b[1].ms - a[1].ms);
  const width = Math.max(5, ...rows.map(([name]) => name.length));
  const lines = rows.map(
    ([name, { ms, files }]) =>
      `${name.padEnd(width)}  ${(ms / 1000).toFixed(1).padStart(7)} s  ${String(files).padStart(4)} files`,
  );
  return [`${'suite'.padEnd(width)}  busy time`, ...lines].join('\n') + '\n';
}
