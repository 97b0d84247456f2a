// Public API of src/cache.

export { cacheKey } from './cache-key.js';
export { Lru } from './lru.js';
export { LruVerdictCache, type LruVerdictCacheOptions } from './verdict-cache.js';
export { NoCache } from './no-cache.js';
export { Singleflight } from './singleflight.js';
export type {
  CacheEntry,
  CacheObserver,
  CacheResult,
  CacheStats,
  Compute,
  EvictionReason,
  GetOptions,
  Outcome,
  ResultSource,
  StoredKind,
  VerdictCache,
  VerdictKind,
} from './verdict-cache.types.js';
