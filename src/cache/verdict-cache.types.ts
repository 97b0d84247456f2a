// The verdict cache's contract, shared by the LRU cache and the NoCache null object.

/** How the caller classifies a verdict. Only definitive verdicts are ever stored. */
export type VerdictKind = 'verified' | 'failed' | 'inconclusive';

/** A verdict kind the cache may store. */
export type StoredKind = Exclude<VerdictKind, 'inconclusive'>;

/**
 * What a computation returns: the caller's verdict and its classification. A positive verdict
 * carries `validUntil` (ms since epoch, same clock as the cache's `now`): the earliest of the
 * signature expiry, any certificate `notAfter` and the next revocation update; `Infinity` if
 * none applies.
 */
export type Outcome<V> =
  | { readonly kind: 'verified'; readonly verdict: V; readonly validUntil: number }
  | { readonly kind: 'failed' | 'inconclusive'; readonly verdict: V };

/** Where a result came from: the store, a computation this call started, or one it joined. */
export type ResultSource = 'hit' | 'computed' | 'coalesced';

/** What `get` resolves to. Coalesced callers receive the very same `verdict` object. */
export interface CacheResult<V> {
  readonly kind: VerdictKind;
  readonly verdict: V;
  readonly source: ResultSource;
}

/** A stored entry, as `invalidate` predicates and `peek` see it. */
export interface CacheEntry<V> {
  readonly kind: StoredKind;
  readonly verdict: V;
  /** ms since epoch; the entry is not returned at or after this instant. */
  readonly expiresAt: number;
  /**
   * A verified entry's own end (its Outcome's `validUntil`: signature expiry, certificate
   * notAfter, revocation next update), which may lie past `expiresAt` (the TTL ends it first).
   * How the background verifier learns when a verdict must be checked again. At most ~124 days
   * after the cache was made; absent when the verdict has none.
   */
  readonly validUntil?: number;
}

/**
 * Runs one verification. `signal` aborts only when every caller waiting on it has aborted;
 * honour it. A rejection is passed to every waiting caller and nothing is cached.
 */
export type Compute<V> = (signal: AbortSignal) => Promise<Outcome<V>>;

export type EvictionReason = 'size' | 'expired' | 'invalidated';

/** Metric hooks (all optional) so telemetry can count without the cache knowing prom-client. */
export interface CacheObserver {
  hit?(kind: StoredKind): void;
  miss?(): void;
  coalesced?(): void;
  evicted?(reason: EvictionReason): void;
  stored?(kind: StoredKind): void;
}

/** A snapshot of counters since construction (`clear()` does not reset them). */
export interface CacheStats {
  size: number;
  inFlight: number;
  hits: number;
  misses: number;
  coalesced: number;
  stored: number;
  evictions: Record<EvictionReason, number>;
}

export interface GetOptions {
  /**
   * This caller's cancellation; aborting it never aborts the computation for other callers.
   * Read on a miss only: a stored verdict is returned whatever it says, and a caller may make
   * its signal on first read (src/webhook/review-end.ts).
   */
  signal?: AbortSignal;
}

/** The interface the webhook depends on; `LruVerdictCache` and `NoCache` implement it. */
export interface VerdictCache<V> {
  /** The stored verdict for `key`, else the result of `compute` (shared by concurrent callers). */
  get(key: string, compute: Compute<V>, options?: GetOptions): Promise<CacheResult<V>>;
  /** Drops stored entries the predicate selects; returns how many. */
  invalidate(predicate: (key: string, entry: CacheEntry<V>) => boolean): number;
  /** Drops every stored entry. */
  clear(): void;
  /** Drops expired entries now (expiry is otherwise checked on read); returns how many. */
  prune(): number;
  stats(): CacheStats;
  /** The live entry for `key`, if any, without counting a hit or touching its LRU place. */
  peek?(key: string): CacheEntry<V> | undefined;
}
