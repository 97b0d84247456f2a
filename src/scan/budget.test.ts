import { describe, expect, it } from 'vitest';
import { RegistryBudget } from './budget.js';

function budget(rate: number) {
  let now = 0;
  return { b: new RegistryBudget({ rate, now: () => now }), advance: (ms: number) => (now += ms) };
}

describe('RegistryBudget', () => {
  describe('when the host is out of debt and idle', () => {
    it('grants a slot at once', async () => {
      const { b } = budget(2);
      const release = await b.acquire('r.example');
      release();
    });
  });

  describe('when a scan verification of the host is under way', () => {
    it('makes the next one wait for its release, but not another host’s', async () => {
      const { b } = budget(100);
      const first = await b.acquire('a.example');
      let second = false;
      void b.acquire('a.example').then(() => (second = true));
      await b.acquire('b.example');
      await new Promise((r) => setTimeout(r, 10));
      expect(second).toBe(false);
      first();
      await new Promise((r) => setTimeout(r, 10));
      expect(second).toBe(true);
    });
  });

  describe('when the host’s bucket is in debt', () => {
    it('waits until the rate has paid it back', async () => {
      const b = new RegistryBudget({ rate: 1_000 });
      (await b.acquire('a'))();
      b.charge('a', 1_000 + 20);
      const started = Date.now();
      await b.acquire('a');
      // 20 requests over the bucket at 1,000 per second: about 20 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    });

    it('rejects a waiter whose signal aborts', async () => {
      const { b } = budget(1);
      b.charge('a', 100);
      const controller = new AbortController();
      const waiting = b.acquire('a', controller.signal);
      controller.abort(new Error('stopped'));
      await expect(waiting).rejects.toThrow('stopped');
    });
  });

  describe('when given a rate that is not a positive number', () => {
    it('throws a RangeError', () => {
      expect(() => new RegistryBudget({ rate: 0 })).toThrow(RangeError);
      expect(() => new RegistryBudget({ rate: Number.NaN })).toThrow(RangeError);
    });
  });
});
