import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  describe('when more entries are set than it holds', () => {
    it('returns the least recently used entries it dropped', () => {
      const lru = new Lru<string, number>(2);
      expect(lru.set('a', 1)).toEqual([]);
      lru.set('b', 2);
      expect(lru.get('a')).toBe(1);
      expect(lru.set('c', 3)).toEqual([['b', 2]]);
      expect([...lru.entries()]).toEqual([
        ['a', 1],
        ['c', 3],
      ]);
    });
  });

  describe('when a key is set again', () => {
    it('replaces the value, marks it most recent and drops nothing', () => {
      const lru = new Lru<string, number>(2);
      lru.set('a', 1);
      lru.set('b', 2);
      expect(lru.set('a', 9)).toEqual([]);
      expect([...lru.entries()]).toEqual([
        ['b', 2],
        ['a', 9],
      ]);
    });
  });

  describe('when keys are deleted or cleared', () => {
    it('returns undefined for them', () => {
      const lru = new Lru<string, number>(3);
      lru.set('a', 1);
      lru.set('b', 2);
      expect(lru.delete('a')).toBe(true);
      expect(lru.get('a')).toBeUndefined();
      lru.clear();
      expect(lru.size).toBe(0);
    });
  });

  describe('when the bound is not a positive integer', () => {
    it.each([0, -1, 2.5, NaN])('throws a RangeError for %s', (max) => {
      expect(() => new Lru(max)).toThrow(RangeError);
    });
  });
});
