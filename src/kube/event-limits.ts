// The bounds of event writing (architecture.md, decision 10): a sliding one-minute window of API
// writes per object and for the whole replica. Pure bookkeeping on an injected clock; the
// recorder (events.ts) asks before each write and drops what does not fit.

const MINUTE_MS = 60_000;

export interface EventLimitOptions {
  /** API writes (creates and series patches) per object under review in any one minute. */
  perObject: number;
  /** API writes of this replica in any one minute, all objects together. */
  total: number;
  /** Objects whose recent writes are remembered; the oldest are forgotten first. */
  maxObjects: number;
  now: () => number;
}

export type EventLimits = Pick<EventLimitOptions, 'perObject' | 'total' | 'maxObjects'>;

/** Default bounds (docs/visibility.md states them; a test measures the per-object one). */
export const EVENT_LIMITS: Readonly<EventLimits> = { perObject: 5, total: 120, maxObjects: 1_000 };

/** Sliding-window write budgets, per object and in total. */
export class EventLimiter {
  readonly #options: EventLimitOptions;
  /** object key → times of its writes in the last minute (at most `perObject`). */
  readonly #byObject = new Map<string, number[]>();
  readonly #all: number[] = [];

  constructor(options: EventLimitOptions) {
    if (!(options.perObject >= 1 && options.total >= 1 && options.maxObjects >= 1))
      throw new RangeError('event limits must be at least 1');
    this.#options = options;
  }

  /** True (and the write counted) when `object` may be written to now. */
  take(object: string): boolean {
    const now = this.#options.now();
    const since = now - MINUTE_MS;
    drop(this.#all, since);
    const times = this.#byObject.get(object) ?? [];
    drop(times, since);
    if (times.length >= this.#options.perObject || this.#all.length >= this.#options.total)
      return false;
    times.push(now);
    this.#all.push(now);
    // Re-inserted: the map's order is then least recently written first.
    this.#byObject.delete(object);
    this.#byObject.set(object, times);
    for (const oldest of this.#byObject.keys()) {
      if (this.#byObject.size <= this.#options.maxObjects) break;
      this.#byObject.delete(oldest);
    }
    return true;
  }

  /** Objects remembered (bounded by `maxObjects`). */
  get size(): number {
    return this.#byObject.size;
  }
}

/** Removes the leading times at or before `since` (the array is in time order). */
function drop(times: number[], since: number): void {
  let n = 0;
  while (n < times.length && times[n]! <= since) n++;
  if (n > 0) times.splice(0, n);
}
