import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

const delays = (backoff: { next(): number }, n: number): number[] =>
  Array.from({ length: n }, () => backoff.next());

describe('createBackoff', () => {
  describe('when nothing is given', () => {
    it('returns 1 s doubling to the 30 s cap', () => {
      expect(delays(createBackoff(), 7)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    });
  });

  describe('when reset after failures', () => {
    it('returns the initial delay again', () => {
      const backoff = createBackoff({ initialMs: 50, maxMs: 400 });
      expect(delays(backoff, 4)).toEqual([50, 100, 200, 400]);
      backoff.reset();
      expect(delays(backoff, 2)).toEqual([50, 100]);
    });
  });

  describe('when the options are inconsistent', () => {
    it.each([
      [{ initialMs: 0 }],
      [{ initialMs: 100, maxMs: 50 }],
      [{ factor: 0.5 }],
      [{ initialMs: Number.NaN }],
    ])('throws RangeError for %j', (options) => {
      expect(() => createBackoff(options)).toThrow(RangeError);
    });
  });
});
