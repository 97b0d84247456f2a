import { describe, expect, it } from 'vitest';
import { LruVerdictCache } from './verdict-cache.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

function setup() {
  let now = T0;
  const cache = new LruVerdictCache<string>({
    positiveTtlMs: 10 * MINUTE,
    failureTtlMs: MINUTE,
    now: () => now,
  });
  const store = (key: string, validUntil?: number) =>
    cache.get(key, () =>
      Promise.resolve(
        validUntil === undefined
          ? { kind: 'failed' as const, verdict: 'bad' }
          : { kind: 'verified' as const, verdict: 'ok', validUntil },
      ),
    );
  return { cache, store, advance: (ms: number) => (now += ms) };
}

describe('LruVerdictCache.peek', () => {
  describe('when the verdict is valid longer than the positive TTL', () => {
    it('returns its own validUntil beside the earlier expiresAt', async () => {
      const { cache, store } = setup();
      await store('k', T0 + 90 * MINUTE);
      expect(cache.peek('k')).toEqual({
        kind: 'verified',
        verdict: 'ok',
        expiresAt: T0 + 10 * MINUTE,
        validUntil: T0 + 90 * MINUTE,
      });
    });
  });

  describe('when the verdict has no end (Infinity) or is a failure', () => {
    it('returns no validUntil', async () => {
      const { cache, store } = setup();
      await store('forever', Infinity);
      await store('failed');
      expect(cache.peek('forever')).not.toHaveProperty('validUntil');
      expect(cache.peek('failed')).toMatchObject({ kind: 'failed', expiresAt: T0 + MINUTE });
      expect(cache.peek('failed')).not.toHaveProperty('validUntil');
    });
  });

  describe('when the entry is missing or expired', () => {
    it('returns undefined, counting neither a hit nor a miss', async () => {
      const { cache, store, advance } = setup();
      await store('k', T0 + 5 * MINUTE);
      advance(5 * MINUTE);
      expect(cache.peek('k')).toBeUndefined();
      expect(cache.peek('never')).toBeUndefined();
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 1 });
    });
  });

  describe('when entries are peeked', () => {
    it('leaves their least-recently-used order as it was', async () => {
      const cache = new LruVerdictCache<string>({ maxEntries: 2 });
      const put = (key: string) =>
        cache.get(key, () => Promise.resolve({ kind: 'failed' as const, verdict: key }));
      await put('a');
      await put('b');
      cache.peek('a');
      await put('c');
      expect(cache.peek('a')).toBeUndefined();
      expect(cache.peek('b')).toBeDefined();
    });
  });
});
