// Counters behind stats(), forwarded to the injected observer. A throwing observer must never
// break a verification, so its errors are swallowed here.

import type {
  CacheObserver,
  CacheStats,
  EvictionReason,
  StoredKind,
} from './verdict-cache.types.js';

/** Counts cache events and reports each to the observer. */
export class CacheCounters {
  readonly #observer: CacheObserver;
  #hits = 0;
  #misses = 0;
  #coalesced = 0;
  #stored = 0;
  readonly #evictions: Record<EvictionReason, number> = { size: 0, expired: 0, invalidated: 0 };

  constructor(observer: CacheObserver = {}) {
    this.#observer = observer;
  }

  hit(kind: StoredKind): void {
    this.#hits += 1;
    this.#notify(() => this.#observer.hit?.(kind));
  }

  miss(): void {
    this.#misses += 1;
    this.#notify(() => this.#observer.miss?.());
  }

  coalesced(): void {
    this.#coalesced += 1;
    this.#notify(() => this.#observer.coalesced?.());
  }

  stored(kind: StoredKind): void {
    this.#stored += 1;
    this.#notify(() => this.#observer.stored?.(kind));
  }

  evicted(reason: EvictionReason): void {
    this.#evictions[reason] += 1;
    this.#notify(() => this.#observer.evicted?.(reason));
  }

  snapshot(live: { size: number; inFlight: number }): CacheStats {
    return {
      ...live,
      hits: this.#hits,
      misses: this.#misses,
      coalesced: this.#coalesced,
      stored: this.#stored,
      evictions: { ...this.#evictions },
    };
  }

  #notify(call: () => void): void {
    try {
      call();
    } catch {
      // Metrics are best effort.
    }
  }
}
