import { describe, expect, it } from 'vitest';
import { EventLimiter } from './event-limits.js';

function limiter(perObject = 3, total = 5, maxObjects = 10) {
  let now = 1_000_000;
  const l = new EventLimiter({ perObject, total, maxObjects, now: () => now });
  return { l, advance: (ms: number) => (now += ms) };
}

describe('EventLimiter', () => {
  describe('when one object is written to more often than its bound', () => {
    it('returns false beyond perObject within a minute, true again once the window slides', () => {
      const { l, advance } = limiter();
      expect([1, 2, 3, 4].map(() => l.take('Pod a/x'))).toEqual([true, true, true, false]);
      advance(59_999);
      expect(l.take('Pod a/x')).toBe(false);
      advance(1);
      expect(l.take('Pod a/x')).toBe(true);
    });
  });

  describe('when many objects are written to', () => {
    it('returns false beyond the replica total within a minute', () => {
      const { l } = limiter(3, 5);
      const taken = Array.from({ length: 8 }, (_, i) => l.take(`Pod a/${i}`));
      expect(taken.filter(Boolean)).toHaveLength(5);
    });

    it('remembers at most maxObjects, forgetting the least recently written', () => {
      const { l } = limiter(1, 100, 2);
      l.take('a');
      l.take('b');
      l.take('c');
      expect(l.size).toBe(2);
      // 'a' was forgotten: it may be written again (its bound starts afresh).
      expect(l.take('a')).toBe(true);
      expect(l.take('c')).toBe(false);
    });
  });
});
