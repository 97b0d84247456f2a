import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';

const defaults = { timeoutMs: 50, now: Date.now };

describe('withDeadline', () => {
  describe('when the call has no deadline of its own', () => {
    it('aborts the signal at the default timeout', async () => {
      const reason = await withDeadline(
        {},
        defaults,
        (d) =>
          new Promise((resolve) => d.signal.addEventListener('abort', () => resolve('aborted'))),
      );
      expect(reason).toBe('aborted');
    });
  });

  describe('when the caller aborts first', () => {
    it('aborts the inner signal with the caller', async () => {
      const caller = new AbortController();
      const p = withDeadline(
        { signal: caller.signal, timeoutMs: 10_000 },
        defaults,
        (d) =>
          new Promise((resolve) => d.signal.addEventListener('abort', () => resolve(d.deadline))),
      );
      caller.abort();
      expect(await p).toBeGreaterThan(Date.now() + 5_000);
    });
  });

  describe('when the deadline has already passed', () => {
    it('throws TIMEOUT without calling', async () => {
      let called = false;
      await expect(
        withDeadline({ deadline: Date.now() - 1 }, defaults, () =>
          Promise.resolve(void (called = true)),
        ),
      ).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(called).toBe(false);
    });
  });
});
