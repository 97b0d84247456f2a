// Counts the AbortControllers made while `run` runs (issue 20: a warm review must make none).
import { vi } from 'vitest';

/** Runs `run` with AbortController counted; `made()` is the count so far. */
export async function countingAbortControllers<T>(
  run: (made: () => number) => T | Promise<T>,
): Promise<T> {
  let made = 0;
  const Real = AbortController;
  vi.stubGlobal(
    'AbortController',
    class extends Real {
      constructor() {
        super();
        made++;
      }
    },
  );
  try {
    return await run(() => made);
  } finally {
    vi.unstubAllGlobals();
  }
}
