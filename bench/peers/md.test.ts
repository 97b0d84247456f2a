import { describe, expect, it } from 'vitest';
import { env, median, num, pct, table } from './md.js';

describe('pct', () => {
  describe('when given unsorted values', () => {
    it('returns the nearest-rank percentile', () => {
      const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
      expect(pct(v, 0.5)).toBe(5);
      expect(pct(v, 0.95)).toBe(10);
      expect(pct(v, 0)).toBe(1);
    });
  });
  describe('when given no values', () => {
    it('returns NaN', () => expect(pct([], 0.5)).toBeNaN());
  });
});

describe('median', () => {
  describe('when the count is odd or even', () => {
    it('returns the middle value, or the mean of the two middle ones', () => {
      expect(median([3, 1, 2])).toBe(2);
      expect(median([4, 1, 3, 2])).toBe(2.5);
    });
  });
});

describe('num', () => {
  describe('when given values of any size', () => {
    it('returns at most 3 significant figures, no exponent, a dash for non-finite', () => {
      expect(num(12345.6)).toBe('12346');
      expect(num(42.345)).toBe('42.3');
      expect(num(0.01234)).toBe('0.01');
      expect(num(NaN)).toBe('–');
    });
  });
});

describe('table', () => {
  describe('when a header starts with <', () => {
    it('returns a Markdown table with that column left-aligned, the others right-aligned', () => {
      expect(table(['<name', 'ms'], [['a', 1]])).toBe(
        ['| name | ms |', '| --- | ---: |', '| a | 1 |'].join('\n'),
      );
    });
  });
});

describe('env', () => {
  describe('when the variable is set', () => {
    it('returns its number', () => {
      process.env['PEERS_TEST_N'] = '7';
      expect(env('PEERS_TEST_N', 3, 1)).toBe(7);
    });
  });
  describe('when the variable is unset or empty', () => {
    it('returns the full run default (this is not a quick run)', () => {
      process.env['PEERS_TEST_N'] = '';
      expect(env('PEERS_TEST_N', 3, 1)).toBe(3);
      delete process.env['PEERS_TEST_N'];
      expect(env('PEERS_TEST_N', 3, 1)).toBe(3);
    });
  });
  describe('when the variable is not a number', () => {
    it('throws naming it', () => {
      process.env['PEERS_TEST_N'] = 'ten';
      expect(() => env('PEERS_TEST_N', 3)).toThrow(/PEERS_TEST_N/);
      delete process.env['PEERS_TEST_N'];
    });
  });
});
