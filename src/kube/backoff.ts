// Exponential backoff for restarting a failed informer: 1 s, 2 s, 4 s … capped at 30 s, back to
// the start once the informer works again. Pure arithmetic; the caller owns the timer.

/** Restart delays of one informer. */
export interface Backoff {
  /** The delay before the next attempt (each call doubles the following one, up to the cap). */
  next(): number;
  /** The informer recovered: the next failure waits the initial delay again. */
  reset(): void;
}

export interface BackoffOptions {
  /** First delay; default 1000 ms. */
  initialMs?: number;
  /** Longest delay; default 30 000 ms. */
  maxMs?: number;
  /** Growth per failure; default 2. */
  factor?: number;
}

/** A fresh backoff (one per informer: one resource's failures must not slow the others). */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  if (!(initial > 0) || !(max >= initial) || !(factor >= 1))
    throw new RangeError(
      `backoff needs 0 < initialMs <= maxMs and factor >= 1 (got ${initial}, ${max}, ${factor})`,
    );
  let delay = initial;
  return {
    next() {
      const current = delay;
      delay = Math.min(max, delay * factor);
      return current;
    },
    reset() {
      delay = initial;
    },
  };
}
