import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScanQueue } from './queue.js';
import { Schedule } from './schedule.js';

describe('ScanQueue', () => {
  describe('when urgent and normal tasks wait', () => {
    it('returns urgent ones first, each once, and the oldest queue time', () => {
      const q = new ScanQueue();
      q.add('a', false, 1);
      q.add('b', false, 2);
      q.add('b', true, 3);
      q.add('a', false, 4);
      expect(q.size).toBe(2);
      expect(q.oldest()).toBe(1);
      expect([q.next(), q.next(), q.next()]).toEqual(['b', 'a', undefined]);
    });
  });
});

describe('Schedule', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 0 }));
  afterEach(() => void vi.useRealTimers());

  describe('when tasks are due at different times', () => {
    it('fires each at its earliest time, in batches of those due', () => {
      const fired: string[][] = [];
      const s = new Schedule((keys) => fired.push(keys));
      s.at('late', 300);
      s.at('early', 100);
      s.at('early', 200);
      s.at('also', 100);
      vi.advanceTimersByTime(100);
      expect(fired).toEqual([['early', 'also']]);
      s.forget('late');
      vi.advanceTimersByTime(500);
      expect(fired).toHaveLength(1);
      expect(s.size).toBe(0);
    });
  });
});
