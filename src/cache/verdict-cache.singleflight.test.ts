import { describe, expect, it, vi } from 'vitest';
import { LruVerdictCache } from './verdict-cache.js';
import type { Outcome } from './verdict-cache.types.js';

interface Verdict {
  digest: string;
}

const VERIFIED: Outcome<Verdict> = {
  kind: 'verified',
  verdict: { digest: 'sha256:aa' },
  validUntil: Infinity,
};
const FAILED: Outcome<Verdict> = { kind: 'failed', verdict: { digest: 'sha256:aa' } };

/** A computation the test settles by hand, recording the signal it was given. */
function pending() {
  const calls: AbortSignal[] = [];
  let resolve!: (outcome: Outcome<Verdict>) => void;
  let reject!: (error: Error) => void;
  const compute = vi.fn((signal: AbortSignal) => {
    calls.push(signal);
    return new Promise<Outcome<Verdict>>((res, rej) => {
      resolve = res;
      reject = rej;
    });
  });
  return {
    compute,
    calls,
    resolve: (o: Outcome<Verdict>) => resolve(o),
    reject: (e: Error) => reject(e),
  };
}

const flush = () => new Promise<void>((done) => setImmediate(done));

describe('LruVerdictCache singleflight', () => {
  describe('when 500 callers miss one key at once', () => {
    it('T-21 returns one computation result to all 500 and runs compute once', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const { compute, resolve } = pending();
      const gets = Array.from({ length: 500 }, () => cache.get('k', compute));
      resolve(VERIFIED);
      const results = await Promise.all(gets);
      expect(compute).toHaveBeenCalledTimes(1);
      expect(results.every((r) => r.verdict === VERIFIED.verdict && r.kind === 'verified')).toBe(
        true,
      );
      expect(results.filter((r) => r.source === 'computed')).toHaveLength(1);
      expect(results.filter((r) => r.source === 'coalesced')).toHaveLength(499);
      expect(cache.stats()).toMatchObject({ misses: 1, coalesced: 499, stored: 1, size: 1 });
    });

    it('T-21 rejects only the first caller when it aborts, and the other 499 get the verdict', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const { compute, calls, resolve } = pending();
      const first = new AbortController();
      const firstGet = cache.get('k', compute, { signal: first.signal });
      const others = Array.from({ length: 499 }, () =>
        cache.get('k', compute, { signal: new AbortController().signal }),
      );
      const reason = new Error('first caller left');
      first.abort(reason);
      await expect(firstGet).rejects.toBe(reason);
      expect(calls[0]!.aborted).toBe(false);
      resolve(VERIFIED);
      const results = await Promise.all(others);
      expect(results.every((r) => r.verdict === VERIFIED.verdict)).toBe(true);
      expect(compute).toHaveBeenCalledTimes(1);
    });
  });

  describe('when every caller aborts', () => {
    it('T-15 aborts the computation with the last reason, caches nothing and recomputes next time', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const first = pending();
      const a = new AbortController();
      const b = new AbortController();
      const gets = [
        cache.get('k', first.compute, { signal: a.signal }),
        cache.get('k', first.compute, { signal: b.signal }),
      ];
      a.abort(new Error('a'));
      expect(first.calls[0]!.aborted).toBe(false);
      const last = new Error('b');
      b.abort(last);
      await expect(gets[0]).rejects.toThrow('a');
      await expect(gets[1]).rejects.toBe(last);
      expect(first.calls[0]!.reason).toBe(last);
      expect(cache.stats()).toMatchObject({ size: 0, inFlight: 0 });
      // A new caller starts a fresh computation rather than joining the abandoned one.
      const second = pending();
      const next = cache.get('k', second.compute);
      second.resolve(FAILED);
      await expect(next).resolves.toMatchObject({ kind: 'failed', source: 'computed' });
      first.reject(first.calls[0]!.reason as Error);
      await flush();
      expect(cache.stats().inFlight).toBe(0);
    });

    it('T-15 drops a verified result that arrives after every caller left', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const late = pending();
      const caller = new AbortController();
      const get = cache.get('k', late.compute, { signal: caller.signal });
      caller.abort(new Error('gone'));
      await expect(get).rejects.toThrow('gone');
      late.resolve(VERIFIED);
      await flush();
      expect(cache.stats()).toMatchObject({ size: 0, stored: 0 });
      const again = vi.fn(() => Promise.resolve(VERIFIED));
      await cache.get('k', again);
      expect(again).toHaveBeenCalledTimes(1);
    });

    it('caches a failed result that arrives after every caller left', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const late = pending();
      const caller = new AbortController();
      const get = cache.get('k', late.compute, { signal: caller.signal });
      caller.abort(new Error('gone'));
      await expect(get).rejects.toThrow('gone');
      late.resolve(FAILED);
      await flush();
      const again = vi.fn(() => Promise.resolve(VERIFIED));
      await expect(cache.get('k', again)).resolves.toMatchObject({ kind: 'failed', source: 'hit' });
      expect(again).not.toHaveBeenCalled();
    });
  });

  describe('when the computation fails', () => {
    it('T-15 rejects every waiting caller with its error, caches nothing and recomputes next time', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const { compute, reject } = pending();
      const gets = Array.from({ length: 3 }, () => cache.get('k', compute));
      const error = new Error('registry timeout');
      reject(error);
      for (const get of gets) await expect(get).rejects.toBe(error);
      expect(cache.stats()).toMatchObject({ size: 0, stored: 0, inFlight: 0 });
      const again = vi.fn(() => Promise.resolve(VERIFIED));
      await expect(cache.get('k', again)).resolves.toMatchObject({ source: 'computed' });
      expect(again).toHaveBeenCalledTimes(1);
    });

    it('T-15 rejects when compute throws synchronously and caches nothing', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const error = new Error('boom');
      const compute = (): Promise<Outcome<Verdict>> => {
        throw error;
      };
      await expect(cache.get('k', compute)).rejects.toBe(error);
      expect(cache.stats().size).toBe(0);
    });

    it('rejects with a TypeError when compute resolves to no outcome', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const compute = () => Promise.resolve(undefined as unknown as Outcome<Verdict>);
      await expect(cache.get('k', compute)).rejects.toBeInstanceOf(TypeError);
      expect(cache.stats().size).toBe(0);
    });
  });

  describe('when the caller signal is already aborted', () => {
    it('rejects with its reason without computing', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const compute = vi.fn(() => Promise.resolve(VERIFIED));
      const reason = new Error('late');
      await expect(cache.get('k', compute, { signal: AbortSignal.abort(reason) })).rejects.toBe(
        reason,
      );
      expect(compute).not.toHaveBeenCalled();
    });
  });

  describe('when the verdict is stored', () => {
    it('returns it without reading the caller signal, aborted or not', async () => {
      const cache = new LruVerdictCache<Verdict>();
      await cache.get('k', () => Promise.resolve(VERIFIED));
      let reads = 0;
      const options = {
        get signal() {
          reads++;
          return AbortSignal.abort(new Error('late'));
        },
      };
      const compute = vi.fn(() => Promise.resolve(VERIFIED));
      await expect(cache.get('k', compute, options)).resolves.toMatchObject({ source: 'hit' });
      expect(reads).toBe(0);
      expect(compute).not.toHaveBeenCalled();
      await expect(cache.get('other', compute, options)).rejects.toThrow('late');
      expect(reads).toBe(1);
    });
  });

  describe('when the cache is cleared while a computation runs', () => {
    it('returns the result to its callers but does not store it', async () => {
      const cache = new LruVerdictCache<Verdict>();
      const { compute, resolve } = pending();
      const get = cache.get('k', compute);
      cache.clear();
      resolve(VERIFIED);
      await expect(get).resolves.toMatchObject({ kind: 'verified', source: 'computed' });
      expect(cache.stats()).toMatchObject({ size: 0, stored: 0 });
    });
  });
});
