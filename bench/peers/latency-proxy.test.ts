import { describe, expect, it } from 'vitest';
import { byRound, type Exchange } from './latency-proxy.js';

const x = (path: string, start: number, end: number): Exchange => ({
  via: 'registry',
  method: 'GET',
  path,
  status: 200,
  start,
  end,
});

describe('byRound', () => {
  describe('when exchanges follow one another', () => {
    it('returns one group per sequential round trip', () => {
      const groups = byRound([x('/m', 21, 41), x('/h', 0, 20), x('/b', 42, 62)]);
      expect(groups.map((g) => g.map((e) => e.path))).toEqual([['/h'], ['/m'], ['/b']]);
    });
  });
  describe('when exchanges are in flight together', () => {
    it('returns them in one round, and a later one after the last it waited for', () => {
      const groups = byRound([x('/h', 0, 20), x('/r', 1, 21), x('/m', 22, 42), x('/b', 23, 43)]);
      expect(groups.map((g) => g.map((e) => e.path))).toEqual([
        ['/h', '/r'],
        ['/m', '/b'],
      ]);
    });
  });
  describe('when there are no exchanges', () => {
    it('returns no rounds', () => expect(byRound([])).toEqual([]));
  });
});
