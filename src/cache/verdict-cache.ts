// The verdict cache (architecture decision 6): definitive verdicts by digest + policy revision,
// bounded in size and time, with concurrent misses sharing one verification.

import { Lru } from './lru.js';
import { CacheCounters } from './counters.js';
import { Singleflight } from './singleflight.js';
import type {
  CacheEntry,
  CacheObserver,
  CacheResult,
  CacheStats,
  Compute,
  GetOptions,
  Outcome,
  VerdictCache,
} from './verdict-cache.types.js';

export interface LruVerdictCacheOptions {
  /** Most entries held; the least recently used goes first. Default 100,000. */
  maxEntries?: number;
  /** Longest life of a 'verified' entry, further bounded by its `validUntil`. Default 5 min. */
  positiveTtlMs?: number;
  /** Life of a 'failed' entry. Default 30 s. 0 disables caching failures. */
  failureTtlMs?: number;
  /** Clock in ms since epoch. Default `Date.now`. */
  now?: () => number;
  observer?: CacheObserver;
}

const DEFAULTS = {
  maxEntries: 100_000,
  positiveTtlMs: 5 * 60_000,
  failureTtlMs: 30_000,
  now: Date.now,
  observer: {},
} satisfies Required<LruVerdictCacheOptions>;

/**
 * A stored entry. Times are ticks of TICK_MS since the cache was made: small integers V8 keeps
 * unboxed, where epoch milliseconds would cost a heap number each (100,000 entries must stay
 * under 50 MB, bench/README.md). Expiry rounds down, so an entry never outlives its TTL.
 */
interface StoredEntry<V> {
  readonly kind: CacheEntry<V>['kind'];
  readonly verdict: V;
  readonly expiresTick: number;
  /** When it was stored; a clock that moved back before this expires the entry. */
  readonly storedTick: number;
  /**
   * The verdict's own `validUntil` (signature expiry, certificate notAfter, revocation next
   * update), capped at MAX_VALID_TICK to stay a small integer; NO_TICK when it has none.
   */
  readonly validTick: number;
}

/** 10 ms: ticks stay small integers for 248 days of uptime. */
const TICK_MS = 10;
/** ~124 days: a later validUntil is stored as this (peek then reports it as that far away). */
const MAX_VALID_TICK = 2 ** 30;
const NO_TICK = -1;

/** A bounded LRU verdict cache with TTLs and singleflight. */
export class LruVerdictCache<V> implements VerdictCache<V> {
  readonly #options: Required<LruVerdictCacheOptions>;
  readonly #lru: Lru<string, StoredEntry<V>>;
  readonly #flights = new Singleflight<Outcome<V>>();
  readonly #counters: CacheCounters;
  /** Bumped by clear()/invalidate() so computations already running do not store. */
  #generation = 0;
  /** The clock at construction: tick 0. */
  readonly #base: number;

  constructor(options: LruVerdictCacheOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
    for (const name of ['positiveTtlMs', 'failureTtlMs'] as const) {
      const ttl = this.#options[name];
      if (!(ttl >= 0 && ttl <= Number.MAX_SAFE_INTEGER)) {
        throw new RangeError(`${name} must be a finite number >= 0, got ${ttl}`);
      }
    }
    this.#lru = new Lru(this.#options.maxEntries);
    this.#base = this.#options.now();
    this.#counters = new CacheCounters(this.#options.observer);
  }

  async get(key: string, compute: Compute<V>, options: GetOptions = {}): Promise<CacheResult<V>> {
    const entry = this.#lookup(key);
    if (entry !== undefined) {
      this.#counters.hit(entry.kind);
      return { kind: entry.kind, verdict: entry.verdict, source: 'hit' };
    }
    // Read only now: a hit waits on nothing, and a caller may make its signal on first read.
    const { signal } = options;
    signal?.throwIfAborted();
    const generation = this.#generation;
    const { result, joined } = this.#flights.do(
      key,
      async (flightSignal) => {
        const outcome = await compute(flightSignal);
        this.#store(key, outcome, { generation, abandoned: flightSignal.aborted });
        return outcome;
      },
      signal,
    );
    if (joined) this.#counters.coalesced();
    else this.#counters.miss();
    const outcome = await result;
    return {
      kind: outcome.kind,
      verdict: outcome.verdict,
      source: joined ? 'coalesced' : 'computed',
    };
  }

  invalidate(predicate: (key: string, entry: CacheEntry<V>) => boolean): number {
    this.#generation += 1;
    return this.#dropWhere((key, entry) => predicate(key, this.#public(entry)), 'invalidated');
  }

  clear(): void {
    this.#generation += 1;
    this.#dropWhere(() => true, 'invalidated');
  }

  prune(): number {
    const now = this.#options.now();
    return this.#dropWhere((_key, entry) => this.#isExpired(entry, now), 'expired');
  }

  stats(): CacheStats {
    return this.#counters.snapshot({ size: this.#lru.size, inFlight: this.#flights.size });
  }

  peek(key: string): CacheEntry<V> | undefined {
    const entry = this.#lru.peek(key);
    if (entry === undefined || this.#isExpired(entry, this.#options.now())) return undefined;
    return this.#public(entry);
  }

  #lookup(key: string): StoredEntry<V> | undefined {
    const entry = this.#lru.get(key);
    if (entry === undefined || !this.#isExpired(entry, this.#options.now())) return entry;
    this.#lru.delete(key);
    this.#counters.evicted('expired');
    return undefined;
  }

  #store(key: string, outcome: Outcome<V>, run: { generation: number; abandoned: boolean }): void {
    if (run.generation !== this.#generation) return;
    const now = this.#options.now();
    const expiresAt = this.#expiry(outcome, now, run.abandoned);
    if (outcome.kind === 'inconclusive' || !(expiresAt > now)) return;
    const expiresTick = Math.floor((expiresAt - this.#base) / TICK_MS);
    const storedTick = Math.floor((now - this.#base) / TICK_MS);
    // Within one tick of now (or before the cache existed): not worth storing.
    if (!(expiresTick > storedTick)) return;
    const valid = outcome.kind === 'verified' ? outcome.validUntil : NaN;
    const validTick = Number.isFinite(valid)
      ? Math.min(MAX_VALID_TICK, Math.max(0, Math.floor((valid - this.#base) / TICK_MS)))
      : NO_TICK;
    const entry: StoredEntry<V> = {
      kind: outcome.kind,
      verdict: outcome.verdict,
      expiresTick,
      storedTick,
      validTick,
    };
    this.#counters.stored(outcome.kind);
    for (const [, dropped] of this.#lru.set(key, entry)) {
      this.#counters.evicted(this.#isExpired(dropped, now) ? 'expired' : 'size');
    }
  }

  /** When an outcome's entry would expire; NaN (never stored) when it must not be cached. */
  #expiry(outcome: Outcome<V>, now: number, abandoned: boolean): number {
    switch (outcome.kind) {
      case 'verified':
        // A pass that settles after every caller aborted cannot be told apart from a computation
        // that swallowed its abort (T-15): drop it, it costs one re-verification.
        if (abandoned || typeof outcome.validUntil !== 'number') return NaN;
        return Math.min(now + this.#options.positiveTtlMs, outcome.validUntil);
      case 'failed':
        return now + this.#options.failureTtlMs;
      case 'inconclusive':
      default:
        // Inconclusive, or a kind from an untyped caller: never stored.
        return NaN;
    }
  }

  #isExpired(entry: StoredEntry<V>, now: number): boolean {
    const tick = (now - this.#base) / TICK_MS;
    return tick >= entry.expiresTick || tick < entry.storedTick;
  }

  /** The entry as `invalidate` predicates see it (times in the clock's milliseconds). */
  #public(entry: StoredEntry<V>): CacheEntry<V> {
    return {
      kind: entry.kind,
      verdict: entry.verdict,
      expiresAt: this.#base + entry.expiresTick * TICK_MS,
      ...(entry.validTick !== NO_TICK && { validUntil: this.#base + entry.validTick * TICK_MS }),
    };
  }

  #dropWhere(
    predicate: (key: string, entry: StoredEntry<V>) => boolean,
    reason: 'expired' | 'invalidated',
  ): number {
    const doomed = [...this.#lru.entries()].filter(([key, entry]) => predicate(key, entry));
    for (const [key] of doomed) {
      this.#lru.delete(key);
      this.#counters.evicted(reason);
    }
    return doomed.length;
  }
}
