import { describe, expect, it } from 'vitest';
import { LruVerdictCache, type LruVerdictCacheOptions } from './verdict-cache.js';
import type { CacheObserver, Outcome } from './verdict-cache.types.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

/** A cache on a hand-moved clock, counting computations per key. */
function setup(options: Omit<LruVerdictCacheOptions, 'now'> = {}) {
  let now = T0;
  const cache = new LruVerdictCache<string>({
    positiveTtlMs: 10 * MINUTE,
    failureTtlMs: MINUTE,
    ...options,
    now: () => now,
  });
  const computed: string[] = [];
  const get = (key: string, outcome: Outcome<string>) =>
    cache.get(key, () => {
      computed.push(key);
      return Promise.resolve(outcome);
    });
  return {
    cache,
    computed,
    get,
    advance: (ms: number) => (now += ms),
    at: (t: number) => (now = t),
  };
}

const verified = (validUntil = Infinity): Outcome<string> => ({
  kind: 'verified',
  verdict: 'ok',
  validUntil,
});
const FAILED: Outcome<string> = { kind: 'failed', verdict: 'bad' };
const INCONCLUSIVE: Outcome<string> = { kind: 'inconclusive', verdict: 'timeout' };

describe('LruVerdictCache', () => {
  describe('when a verified verdict is stored', () => {
    it('returns it as a hit without computing again', async () => {
      const { get, computed } = setup();
      await expect(get('k', verified())).resolves.toEqual({
        kind: 'verified',
        verdict: 'ok',
        source: 'computed',
      });
      await expect(get('k', FAILED)).resolves.toEqual({
        kind: 'verified',
        verdict: 'ok',
        source: 'hit',
      });
      expect(computed).toEqual(['k']);
    });

    it('expires it at the positive TTL when validUntil is later', async () => {
      const { get, computed, advance } = setup();
      await get('k', verified(T0 + 60 * MINUTE));
      advance(10 * MINUTE - 1);
      await expect(get('k', FAILED)).resolves.toMatchObject({ source: 'hit' });
      advance(1);
      await expect(get('k', FAILED)).resolves.toMatchObject({ kind: 'failed', source: 'computed' });
      expect(computed).toEqual(['k', 'k']);
    });

    it('expires it at validUntil when that is before the positive TTL', async () => {
      const { get, advance } = setup();
      await get('k', verified(T0 + 2 * MINUTE));
      advance(2 * MINUTE - 1);
      await expect(get('k', FAILED)).resolves.toMatchObject({ source: 'hit' });
      advance(1);
      await expect(get('k', FAILED)).resolves.toMatchObject({ source: 'computed' });
    });

    it('does not store it when validUntil has passed or is not a number', async () => {
      const { cache, get } = setup();
      await get('past', verified(T0));
      await get('nan', verified(NaN));
      await get('missing', { kind: 'verified', verdict: 'ok' } as unknown as Outcome<string>);
      expect(cache.stats()).toMatchObject({ size: 0, stored: 0 });
    });

    it('expires it when the clock moves back before it was stored', async () => {
      const { get, at } = setup();
      await get('k', verified());
      at(T0 - 1);
      await expect(get('k', FAILED)).resolves.toMatchObject({ source: 'computed' });
    });
  });

  describe('when a failed verdict is stored', () => {
    it('expires it at the failure TTL', async () => {
      const { get, advance } = setup();
      await get('k', FAILED);
      advance(MINUTE - 1);
      await expect(get('k', verified())).resolves.toMatchObject({ kind: 'failed', source: 'hit' });
      advance(1);
      await expect(get('k', verified())).resolves.toMatchObject({
        kind: 'verified',
        source: 'computed',
      });
    });

    it('does not store it when the failure TTL is 0', async () => {
      const { cache, get } = setup({ failureTtlMs: 0 });
      await get('k', FAILED);
      expect(cache.stats().size).toBe(0);
    });
  });

  describe('when the verdict is inconclusive', () => {
    it('never stores it and computes again on every get', async () => {
      const { cache, get, computed } = setup();
      await expect(get('k', INCONCLUSIVE)).resolves.toMatchObject({ kind: 'inconclusive' });
      await get('k', INCONCLUSIVE);
      expect(computed).toEqual(['k', 'k']);
      expect(cache.stats()).toMatchObject({ size: 0, stored: 0 });
    });
  });

  describe('when the cache is full', () => {
    it('evicts the least recently used entry first', async () => {
      const { cache, get, computed } = setup({ maxEntries: 2 });
      await get('a', verified());
      await get('b', verified());
      await get('a', verified()); // a becomes most recently used
      await get('c', verified()); // evicts b
      computed.length = 0;
      await get('a', verified());
      await get('c', verified());
      await get('b', verified());
      expect(computed).toEqual(['b']);
      expect(cache.stats()).toMatchObject({
        size: 2,
        evictions: { size: 2, expired: 0, invalidated: 0 },
      });
    });

    it('counts an evicted entry that had already expired as expired', async () => {
      const { cache, get, advance } = setup({ maxEntries: 1 });
      await get('a', FAILED);
      advance(MINUTE);
      await get('b', FAILED);
      expect(cache.stats().evictions).toEqual({ size: 0, expired: 1, invalidated: 0 });
    });
  });

  describe('when entries are invalidated', () => {
    it('drops those the predicate selects and returns how many', async () => {
      const { cache, get, computed } = setup();
      await get('sha256:1@rev1', verified());
      await get('sha256:2@rev1', FAILED);
      await get('sha256:1@rev2', verified());
      const seen: string[] = [];
      const dropped = cache.invalidate((key, entry) => {
        seen.push(`${entry.kind}:${entry.expiresAt - T0}`);
        return key.endsWith('@rev1');
      });
      expect(dropped).toBe(2);
      expect(seen).toEqual([
        `verified:${10 * MINUTE}`,
        `failed:${MINUTE}`,
        `verified:${10 * MINUTE}`,
      ]);
      computed.length = 0;
      await get('sha256:1@rev2', FAILED);
      await get('sha256:1@rev1', FAILED);
      expect(computed).toEqual(['sha256:1@rev1']);
      expect(cache.stats().evictions.invalidated).toBe(2);
    });

    it('drops everything on clear', async () => {
      const { cache, get } = setup();
      await get('a', verified());
      await get('b', FAILED);
      cache.clear();
      expect(cache.stats()).toMatchObject({ size: 0, evictions: { invalidated: 2 } });
    });

    it('drops only expired entries on prune', async () => {
      const { cache, get, advance } = setup();
      await get('a', verified());
      await get('b', FAILED);
      advance(MINUTE);
      expect(cache.prune()).toBe(1);
      expect(cache.stats()).toMatchObject({ size: 1, evictions: { expired: 1 } });
    });
  });

  describe('when an observer is given', () => {
    it('reports hits, misses, coalescing, stores and evictions', async () => {
      const events: string[] = [];
      const observer: CacheObserver = {
        hit: (kind) => events.push(`hit:${kind}`),
        miss: () => events.push('miss'),
        coalesced: () => events.push('coalesced'),
        stored: (kind) => events.push(`stored:${kind}`),
        evicted: (reason) => events.push(`evicted:${reason}`),
      };
      const { get, advance } = setup({ observer, maxEntries: 1 });
      await Promise.all([get('a', FAILED), get('a', FAILED)]);
      await get('a', FAILED);
      advance(MINUTE);
      await get('a', verified());
      await get('b', verified());
      expect(events).toEqual([
        'miss',
        'coalesced',
        'stored:failed',
        'hit:failed',
        'evicted:expired',
        'miss',
        'stored:verified',
        'miss',
        'stored:verified',
        'evicted:size',
      ]);
    });

    it('keeps working when the observer throws', async () => {
      const boom = () => {
        throw new Error('metrics down');
      };
      const { get } = setup({ observer: { hit: boom, miss: boom, stored: boom } });
      await get('k', verified());
      await expect(get('k', verified())).resolves.toMatchObject({ source: 'hit' });
    });
  });

  describe('when options are out of range', () => {
    it.each([
      [{ maxEntries: 0 }, 'maxEntries'],
      [{ maxEntries: 1.5 }, 'maxEntries'],
      [{ positiveTtlMs: -1 }, 'positiveTtlMs'],
      [{ failureTtlMs: NaN }, 'failureTtlMs'],
      [{ positiveTtlMs: Infinity }, 'positiveTtlMs'],
    ])('throws a RangeError for %o', (options, name) => {
      expect(() => new LruVerdictCache(options)).toThrow(new RegExp(`^${name}`));
      expect(() => new LruVerdictCache(options)).toThrow(RangeError);
    });
  });

  describe('when built with defaults', () => {
    it('holds up to 100,000 entries', async () => {
      const cache = new LruVerdictCache<number>({ now: () => T0 });
      const compute = () => Promise.resolve<Outcome<number>>({ kind: 'failed', verdict: 0 });
      for (let i = 0; i <= 100_000; i += 1) await cache.get(`k${i}`, compute);
      expect(cache.stats()).toMatchObject({ size: 100_000, evictions: { size: 1 } });
    });
  });
});
