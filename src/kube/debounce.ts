// Coalesces a burst of informer events into one recompile. The window opens at the first event
// and is not extended by later ones, so a change is compiled at most `ms` after it arrived even
// while events keep coming (a steady stream must not starve the snapshot).

/** The timer functions, injectable for tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A pending run of a function. */
export interface Coalescer {
  /** Runs the function within `ms` (once, however often this is called meanwhile). */
  schedule(): void;
  /** Runs it now if one is pending; true when it ran. */
  flush(): boolean;
  /** Drops a pending run. */
  cancel(): void;
  pending(): boolean;
}

/** `run` at most once per window of `ms`, starting at the first `schedule()` of a burst. */
export function coalesce(run: () => void, ms: number, timers: Timers = REAL_TIMERS): Coalescer {
  if (!(ms >= 0)) throw new RangeError(`the coalescing window must be >= 0 ms (got ${ms})`);
  let handle: unknown;
  let scheduled = false;
  const fire = (): void => {
    scheduled = false;
    handle = undefined;
    run();
  };
  return {
    schedule() {
      if (scheduled) return;
      scheduled = true;
      handle = timers.setTimeout(fire, ms);
    },
    flush() {
      if (!scheduled) return false;
      timers.clearTimeout(handle);
      fire();
      return true;
    },
    cancel() {
      if (scheduled) timers.clearTimeout(handle);
      scheduled = false;
      handle = undefined;
    },
    pending: () => scheduled,
  };
}
