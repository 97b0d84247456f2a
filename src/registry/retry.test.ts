import { describe, expect, it } from 'vitest';
import { MIN_RETRY_BUDGET_MS, fitsBudget, isRetriableStatus, shouldRetry } from './retry.js';

/** A first GET that started at 0 and failed at `now`, with the deadline at `deadline`. */
const first = (now: number, deadline: number, method = 'GET') => ({
  attempt: 0,
  method,
  startedAt: 0,
  now,
  deadline,
});

describe('shouldRetry', () => {
  describe('when an idempotent request met a server error with time to spare', () => {
    it.each([500, 502, 503, 504])('returns true for %i', (status) => {
      expect(shouldRetry({ status }, first(50, 10_000))).toBe(true);
    });

    it('returns true for HEAD too', () => {
      expect(shouldRetry({ status: 503 }, first(50, 10_000, 'HEAD'))).toBe(true);
    });
  });

  describe('when it is not worth it', () => {
    it.each([200, 404, 429, 501, 505])('returns false for status %i', (status) => {
      expect(shouldRetry({ status }, first(50, 10_000))).toBe(false);
    });

    it('returns false for a second retry', () => {
      expect(shouldRetry({ status: 503 }, { ...first(50, 10_000), attempt: 1 })).toBe(false);
    });

    it('returns false for a POST (token request)', () => {
      expect(shouldRetry({ status: 503 }, first(50, 10_000, 'POST'))).toBe(false);
    });
  });

  describe('when a connection broke under the request', () => {
    it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])(
      'returns true for %s',
      (errorCode) => {
        expect(shouldRetry({ errorCode }, first(50, 10_000))).toBe(true);
      },
    );

    it.each(['ECONNREFUSED', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', undefined])(
      'returns false for %s',
      (errorCode) => {
        expect(shouldRetry({ errorCode }, first(50, 10_000))).toBe(false);
      },
    );
  });

  describe('when the time left could not hold another attempt as long as the first', () => {
    it('returns false, and true once the first attempt was quicker', () => {
      // 6 s spent, 4 s left: a second 6 s attempt would not finish.
      expect(shouldRetry({ status: 503 }, first(6_000, 10_000))).toBe(false);
      expect(shouldRetry({ status: 503 }, first(5_000, 10_000))).toBe(true);
    });
  });
});

describe('fitsBudget', () => {
  describe('when the first attempt was instant', () => {
    it('returns false below the minimum budget and true at it', () => {
      expect(fitsBudget({ startedAt: 0, now: 0, deadline: MIN_RETRY_BUDGET_MS - 1 })).toBe(false);
      expect(fitsBudget({ startedAt: 0, now: 0, deadline: MIN_RETRY_BUDGET_MS })).toBe(true);
    });
  });
});

describe('isRetriableStatus', () => {
  describe('when the server says it is failing', () => {
    it('returns true for 500, 502, 503 and 504 and false for 501, 505, 429 and 404', () => {
      expect([500, 502, 503, 504].map(isRetriableStatus)).toEqual([true, true, true, true]);
      expect([501, 505, 429, 404].map(isRetriableStatus)).toEqual([false, false, false, false]);
    });
  });
});
