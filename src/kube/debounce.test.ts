import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce } from './debounce.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('coalesce', () => {
  describe('when a burst of events arrives', () => {
    it('runs once, at the end of the window opened by the first', () => {
      const run = vi.fn();
      const c = coalesce(run, 100);
      c.schedule();
      vi.advanceTimersByTime(60);
      c.schedule();
      c.schedule();
      vi.advanceTimersByTime(39);
      expect(run).toHaveBeenCalledTimes(0);
      vi.advanceTimersByTime(1);
      expect(run).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(500);
      expect(run).toHaveBeenCalledTimes(1);
    });
  });

  describe('when events keep coming', () => {
    it('runs every window instead of waiting for a quiet moment', () => {
      const run = vi.fn();
      const c = coalesce(run, 100);
      for (let t = 0; t < 350; t += 10) {
        c.schedule();
        vi.advanceTimersByTime(10);
      }
      expect(run).toHaveBeenCalledTimes(3);
    });
  });

  describe('when flushed', () => {
    it('returns true and runs a pending call now, once', () => {
      const run = vi.fn();
      const c = coalesce(run, 100);
      c.schedule();
      expect(c.flush()).toBe(true);
      expect(run).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(200);
      expect(run).toHaveBeenCalledTimes(1);
      expect(c.flush()).toBe(false);
    });
  });

  describe('when cancelled', () => {
    it('returns no run and accepts the next schedule', () => {
      const run = vi.fn();
      const c = coalesce(run, 100);
      c.schedule();
      c.cancel();
      expect(c.pending()).toBe(false);
      vi.advanceTimersByTime(200);
      expect(run).toHaveBeenCalledTimes(0);
      c.schedule();
      vi.advanceTimersByTime(100);
      expect(run).toHaveBeenCalledTimes(1);
    });
  });

  describe('when the window is negative', () => {
    it('throws RangeError', () => {
      expect(() => coalesce(() => undefined, -1)).toThrow(RangeError);
    });
  });
});
