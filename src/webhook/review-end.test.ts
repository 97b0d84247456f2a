import { describe, expect, it, vi } from 'vitest';
import { countingAbortControllers } from '../../test/support/abort-controllers.js';
import { ReviewEnd } from './review-end.js';

describe('ReviewEnd', () => {
  describe('when the review ends before its signal was read', () => {
    it('makes the signal already aborted, with the first reason', () => {
      const end = new ReviewEnd();
      const first = new Error('review deadline');
      end.end(first);
      end.end(new Error('the caller went away'));
      expect(end.ended).toBe(true);
      expect(end.signal.aborted).toBe(true);
      expect(end.signal.reason).toBe(first);
    });
  });

  describe('when the review ends after its signal was read', () => {
    it('aborts that signal, and it stays the one signal', () => {
      const end = new ReviewEnd();
      const signal = end.signal;
      expect(signal.aborted).toBe(false);
      const reason = new Error('the caller went away');
      end.end(reason);
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBe(reason);
      expect(end.signal).toBe(signal);
    });
  });

  describe('when something listens for the end', () => {
    it('calls each listener once, never one that stopped listening, nor one added after', () => {
      const end = new ReviewEnd();
      const kept = vi.fn();
      const stopped = vi.fn();
      const twice = vi.fn();
      end.onEnd(kept);
      end.onEnd(twice);
      end.onEnd(twice);
      end.onEnd(stopped)();
      end.end(new Error('review deadline'));
      end.end(new Error('again'));
      const late = vi.fn();
      end.onEnd(late)();
      expect(kept).toHaveBeenCalledOnce();
      expect(twice).toHaveBeenCalledTimes(2);
      expect(stopped).not.toHaveBeenCalled();
      expect(late).not.toHaveBeenCalled();
    });

    it('makes no AbortSignal until one is read', () =>
      countingAbortControllers((made) => {
        const end = new ReviewEnd();
        end.onEnd(() => undefined)();
        end.end(new Error('review deadline'));
        expect(made()).toBe(0);
        expect(end.signal.aborted).toBe(true);
        expect(made()).toBe(1);
      }));
  });
});
