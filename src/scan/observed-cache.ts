// The admission verdict cache as the scan's verifier sees it: the same entries (a verdict the
// scan reached serves reviews, and the reverse), plus a note of which key each scan task asked
// for and the validUntil of a verdict it computed, so the scan learns when that verdict ends
// (signature or certificate expiry, revocation next update) without the pipeline's help. The
// note goes to the task's own async context (AsyncLocalStorage), so concurrent tasks never mix.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { VerdictCache } from '../cache/index.js';

/** What one task's verification asked of the cache. */
export interface CacheNote {
  key?: string;
  validUntil?: number;
}

export interface ObservedCache<V> {
  cache: VerdictCache<V>;
  /** Runs `work` with a fresh note; resolves to its result and the note. */
  noting<T>(work: () => Promise<T>): Promise<{ value: T; note: CacheNote }>;
  /** The validUntil of the verdict behind a note (computed, else the stored entry's). */
  validUntil(note: CacheNote): number | undefined;
}

export function observeCache<V>(cache: VerdictCache<V>): ObservedCache<V> {
  const notes = new AsyncLocalStorage<CacheNote>();
  const observed: VerdictCache<V> = {
    get(key, compute, options) {
      const note = notes.getStore();
      if (note) note.key = key;
      return cache.get(
        key,
        async (signal) => {
          const outcome = await compute(signal);
          if (note && outcome.kind === 'verified') note.validUntil = outcome.validUntil;
          return outcome;
        },
        options,
      );
    },
    invalidate: (predicate) => cache.invalidate(predicate),
    clear: () => cache.clear(),
    prune: () => cache.prune(),
    stats: () => cache.stats(),
    ...(cache.peek && { peek: (key: string) => cache.peek!(key) }),
  };
  return {
    cache: observed,
    async noting(work) {
      const note: CacheNote = {};
      const value = await notes.run(note, work);
      return { value, note };
    },
    validUntil(note) {
      if (note.validUntil !== undefined) return note.validUntil;
      return note.key === undefined ? undefined : cache.peek?.(note.key)?.validUntil;
    },
  };
}
