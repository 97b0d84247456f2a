import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, mergeState, TufStateMemory } from './state.js';

describe('mergeState', () => {
  describe('when one state has lower versions', () => {
    it('returns the highest version of each role', () => {
      const a = { root: 2, timestamp: 5, snapshot: 1, targets: { targets: 3 } };
      const b = {
        root: 1,
        timestamp: 7,
        snapshot: 4,
        targets: { targets: 1, 'targets/releases': 2 },
      };
      expect(mergeState(a, b)).toEqual({
        root: 2,
        timestamp: 7,
        snapshot: 4,
        targets: { targets: 3, 'targets/releases': 2 },
      });
    });
  });

  describe('when a repository names more roles than the bound', () => {
    it('returns at most 64 roles', () => {
      const targets = Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [`targets/r${i}`, 1]),
      );
      expect(
        Object.keys(mergeState(EMPTY_STATE, { ...EMPTY_STATE, targets }).targets),
      ).toHaveLength(64);
    });
  });
});

describe('TufStateMemory', () => {
  describe('when more GUNs are recorded than it holds', () => {
    it('forgets the least recently used first', () => {
      const memory = new TufStateMemory(2);
      memory.record('a', { ...EMPTY_STATE, root: 1 });
      memory.record('b', { ...EMPTY_STATE, root: 1 });
      memory.get('a');
      memory.record('c', { ...EMPTY_STATE, root: 1 });
      expect(memory.size).toBe(2);
      expect(memory.get('b')).toBe(EMPTY_STATE);
      expect(memory.get('a').root).toBe(1);
    });
  });

  describe('when a lower state is recorded after a higher one', () => {
    it('keeps the higher versions', () => {
      const memory = new TufStateMemory();
      memory.record('g', { ...EMPTY_STATE, timestamp: 9 });
      memory.record('g', { ...EMPTY_STATE, timestamp: 3 });
      expect(memory.get('g').timestamp).toBe(9);
    });
  });
});
