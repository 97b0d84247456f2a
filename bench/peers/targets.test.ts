import { describe, expect, it } from 'vitest';
import { judge, targetsTable, type Figure } from './targets.js';

const figure = (over: Partial<Figure>): Figure => ({
  name: 'f',
  unit: 'ms',
  ours: [10, 12],
  ratify: [10, 10],
  rule: { kind: 'ratio-max', max: 1 },
  ...over,
});

describe('judge', () => {
  describe('when the target is a ratio at most', () => {
    it('returns met only if every round is at or under it', () => {
      expect(judge(figure({ ours: [8, 10] })).met).toBe(true);
      expect(judge(figure({ ours: [8, 10.1] })).met).toBe(false);
      expect(judge(figure({})).ratios).toEqual([1, 1.2]);
    });
  });
  describe('when the target is a ratio at least', () => {
    it('returns met only if every round is at or over it', () => {
      const rule = { kind: 'ratio-min', min: 1.5 } as const;
      expect(judge(figure({ ours: [15, 16], rule })).met).toBe(true);
      expect(judge(figure({ ours: [15, 14], rule })).met).toBe(false);
      expect(judge(figure({ rule })).target).toBe('ours ÷ Ratify ≥ 1.5');
    });
  });
  describe('when the target is an absolute bound on ours', () => {
    it('returns met by ours alone, whatever Ratify measured', () => {
      const rule = { kind: 'abs-max', max: 50 } as const;
      expect(judge(figure({ ours: [49], ratify: [1000], rule })).met).toBe(true);
      expect(judge(figure({ ours: [51], ratify: [1], rule })).met).toBe(false);
      expect(judge(figure({ ours: [40], ratify: [], rule })).met).toBe(true);
    });
  });
  describe('when a value is missing (a part failed)', () => {
    it('returns met undefined, never met', () => {
      expect(judge(figure({ ours: [NaN, 1] })).met).toBeUndefined();
      expect(judge(figure({ ratify: [10] })).met).toBeUndefined();
      expect(judge(figure({ ours: [] })).met).toBeUndefined();
    });
  });
});

describe('targetsTable', () => {
  describe('when given figures', () => {
    it('returns one row each with the rounds, the ratios, the target and the verdict', () => {
      const md = targetsTable([
        figure({ name: 'cold', ours: [8, 9], rule: { kind: 'ratio-max', max: 0.8 } }),
        figure({
          name: 'rss',
          unit: 'MiB',
          ours: [70.2],
          ratify: [60],
          rule: { kind: 'abs-max', max: 80 },
        }),
        figure({ name: 'gone', ours: [NaN] }),
      ]);
      const rows = md.split('\n').slice(2);
      expect(rows[0]).toBe(
        '| cold | 8 / 9 ms | 10 / 10 ms | 0.80 / 0.90 | ours ÷ Ratify ≤ 0.8 | **not met** |',
      );
      expect(rows[1]).toBe('| rss | 70.2 MiB | 60 MiB | 1.17 | ours ≤ 80 MiB | **met** |');
      expect(rows[2]).toContain('| not measured |');
    });
  });
});
