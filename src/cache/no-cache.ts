// The NoCache null object (policy-controller's nocache.go): for the opt-out flag and for tests.
// It stores nothing and does not coalesce: every get runs its own computation, so a caller sees
// exactly what an uncached pipeline would do.

import { CacheCounters } from './counters.js';
import { Flight } from './singleflight.js';
import type {
  CacheObserver,
  CacheResult,
  CacheStats,
  Compute,
  GetOptions,
  VerdictCache,
} from './verdict-cache.types.js';

/** A `VerdictCache` that never stores and never shares a computation. */
export class NoCache<V> implements VerdictCache<V> {
  readonly #counters: CacheCounters;
  #inFlight = 0;

  constructor(options: { observer?: CacheObserver } = {}) {
    this.#counters = new CacheCounters(options.observer);
  }

  async get(_key: string, compute: Compute<V>, options: GetOptions = {}): Promise<CacheResult<V>> {
    options.signal?.throwIfAborted();
    this.#counters.miss();
    this.#inFlight += 1;
    // A flight of one gives the same abort semantics as the real cache: the caller leaves at
    // once on abort, and the computation's signal aborts with it.
    const flight = new Flight(compute);
    void flight.settled.finally(() => (this.#inFlight -= 1)).catch(() => {});
    const outcome = await flight.join(options.signal);
    return { kind: outcome.kind, verdict: outcome.verdict, source: 'computed' };
  }

  invalidate(): number {
    return 0;
  }

  clear(): void {}

  prune(): number {
    return 0;
  }

  stats(): CacheStats {
    return this.#counters.snapshot({ size: 0, inFlight: this.#inFlight });
  }
}
