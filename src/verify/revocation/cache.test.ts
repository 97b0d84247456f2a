import { describe, expect, it } from 'vitest';
import { RevocationCache } from './cache.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(7);

describe('RevocationCache', () => {
  describe('when an entry is read before its nextUpdate', () => {
    it('returns a copy of the stored bytes', () => {
      const cache = new RevocationCache();
      const body = bytes(3);
      cache.set('k', body, { now: T0, expires: at(1000) });
      body.fill(0);
      expect(cache.get('k', at(999))).toEqual(bytes(3));
    });
  });

  describe('when an entry is read at or after its nextUpdate', () => {
    it('returns undefined and drops it', () => {
      const cache = new RevocationCache();
      cache.set('k', bytes(3), { now: T0, expires: at(1000) });
      expect(cache.get('k', at(1000))).toBeUndefined();
      expect(cache.size).toBe(0);
    });
  });

  describe('when maxAgeMs is shorter than the nextUpdate', () => {
    it('returns undefined after maxAgeMs', () => {
      const cache = new RevocationCache({ maxAgeMs: 100 });
      cache.set('k', bytes(3), { now: T0, expires: at(1000) });
      expect(cache.get('k', at(99))).toBeDefined();
      expect(cache.get('k', at(100))).toBeUndefined();
    });
  });

  describe('when the response has already expired', () => {
    it('does not store it', () => {
      const cache = new RevocationCache();
      cache.set('k', bytes(3), { now: T0, expires: T0 });
      expect(cache.size).toBe(0);
    });
  });

  describe('when more than maxEntries are stored', () => {
    it('evicts the least recently used', () => {
      const cache = new RevocationCache({ maxEntries: 2 });
      const validity = { now: T0, expires: at(1000) };
      cache.set('a', bytes(1), validity);
      cache.set('b', bytes(1), validity);
      cache.get('a', T0);
      cache.set('c', bytes(1), validity);
      expect(cache.get('b', T0)).toBeUndefined();
      expect(cache.get('a', T0)).toBeDefined();
      expect(cache.get('c', T0)).toBeDefined();
    });
  });

  describe('when more than maxBytes are stored', () => {
    it('evicts until the total fits, and never keeps an oversized response', () => {
      const cache = new RevocationCache({ maxBytes: 10 });
      const validity = { now: T0, expires: at(1000) };
      cache.set('a', bytes(6), validity);
      cache.set('b', bytes(6), validity);
      expect(cache.get('a', T0)).toBeUndefined();
      expect(cache.get('b', T0)).toBeDefined();
      cache.set('big', bytes(11), validity);
      expect(cache.get('big', T0)).toBeUndefined();
      expect(cache.get('b', T0)).toBeDefined();
    });
  });
});
