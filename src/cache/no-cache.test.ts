import { describe, expect, it, vi } from 'vitest';
import { NoCache } from './no-cache.js';
import type { Outcome } from './verdict-cache.types.js';

const VERIFIED: Outcome<string> = { kind: 'verified', verdict: 'ok', validUntil: Infinity };

describe('NoCache', () => {
  describe('when the same key is requested again or concurrently', () => {
    it('computes every time and shares nothing', async () => {
      const misses = vi.fn();
      const cache = new NoCache<string>({ observer: { miss: misses } });
      const compute = vi.fn(() => Promise.resolve(VERIFIED));
      await Promise.all([cache.get('k', compute), cache.get('k', compute)]);
      await expect(cache.get('k', compute)).resolves.toEqual({
        kind: 'verified',
        verdict: 'ok',
        source: 'computed',
      });
      expect(compute).toHaveBeenCalledTimes(3);
      expect(misses).toHaveBeenCalledTimes(3);
      expect(cache.stats()).toMatchObject({ size: 0, inFlight: 0, misses: 3, hits: 0, stored: 0 });
    });
  });

  describe('when the caller aborts', () => {
    it('rejects with its reason and aborts the computation', async () => {
      const cache = new NoCache<string>();
      let seen: AbortSignal | undefined;
      const compute = (signal: AbortSignal) => {
        seen = signal;
        return new Promise<Outcome<string>>(() => {});
      };
      const caller = new AbortController();
      const get = cache.get('k', compute, { signal: caller.signal });
      const reason = new Error('deadline');
      caller.abort(reason);
      await expect(get).rejects.toBe(reason);
      expect(seen?.reason).toBe(reason);
    });
  });

  describe('when asked to invalidate, clear or prune', () => {
    it('returns 0 and stays empty', () => {
      const cache = new NoCache<string>();
      cache.clear();
      expect([cache.invalidate(), cache.prune(), cache.stats().size]).toEqual([0, 0, 0]);
    });
  });
});
