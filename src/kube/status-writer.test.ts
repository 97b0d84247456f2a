import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBackoff } from './backoff.js';
import { REAL_TIMERS } from './debounce.js';
import type { SourceError } from './informers.js';
import { createStatusWriter, statusPatch, type StatusWrite } from './status-writer.js';

const write = (name: string, rv: string, extra: Partial<StatusWrite> = {}): StatusWrite => ({
  plural: 'trustpolicies',
  name,
  resourceVersion: rv,
  current: undefined,
  status: { observedGeneration: 1 },
  ...extra,
});

const apiError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function writer(patch: (w: StatusWrite, body: object) => Promise<void>) {
  const errors: SourceError[] = [];
  const retry = vi.fn();
  const w = createStatusWriter({
    patch,
    backoff: createBackoff({ initialMs: 100, maxMs: 400 }),
    timers: REAL_TIMERS,
    onError: (e) => errors.push(e),
    retry,
  });
  return { w, errors, retry };
}

describe('statusPatch', () => {
  describe('when the object has status keys the new status lacks', () => {
    it('returns them as null next to the new status and the resourceVersion precondition', () => {
      const body = statusPatch(
        write('p', '7', {
          current: { observedGeneration: 1, certificates: [], stale: 'x' },
          status: { observedGeneration: 2, conditions: [] },
        }),
      );
      expect(body).toEqual({
        metadata: { resourceVersion: '7' },
        status: { observedGeneration: 2, conditions: [], certificates: null, stale: null },
      });
    });
  });
});

describe('createStatusWriter', () => {
  describe('when batches arrive while one is written', () => {
    it('writes the batch in flight, then only the latest waiting one', async () => {
      const seen: string[] = [];
      const { w } = writer(async (s) => {
        seen.push(`${s.name}@${s.resourceVersion}`);
        await Promise.resolve();
      });
      w.write([write('a', '1')]);
      w.write([write('b', '1')]);
      w.write([write('c', '1')]);
      await w.idle();
      expect(seen).toEqual(['a@1', 'c@1']);
    });
  });

  describe('when the same object version is written again', () => {
    it('returns without a second PATCH until the resourceVersion changes', async () => {
      const patch = vi.fn(() => Promise.resolve());
      const { w } = writer(patch);
      w.write([write('a', '1')]);
      await w.idle();
      w.write([write('a', '1')]);
      await w.idle();
      w.write([write('a', '2')]);
      await w.idle();
      expect(patch).toHaveBeenCalledTimes(2);
    });
  });

  describe('when objects of the same name live in two namespaces (issue 17)', () => {
    it('writes each one, and names the namespace when a write fails', async () => {
      const patch = vi.fn((w: StatusWrite) =>
        w.namespace === 'b' ? Promise.reject(apiError(500)) : Promise.resolve(),
      );
      const { w, errors } = writer(patch);
      const ns = (namespace: string) =>
        write('p', '1', { plural: 'namespacetrustpolicies', namespace });
      w.write([ns('a'), ns('b')]);
      await w.idle();
      expect(patch).toHaveBeenCalledTimes(2);
      expect(errors[0]?.message).toMatch(/^writing the status of NamespaceTrustPolicy "b\/p"/);
    });
  });

  describe('when the API server answers 409 or 404', () => {
    it('ignores it: no error, no retry', async () => {
      const { w, errors, retry } = writer((s) =>
        Promise.reject(apiError(s.name === 'gone' ? 404 : 409)),
      );
      w.write([write('gone', '1'), write('changed', '1')]);
      await w.idle();
      vi.advanceTimersByTime(10_000);
      expect(errors).toEqual([]);
      expect(retry).not.toHaveBeenCalled();
    });
  });

  describe('when a write fails otherwise', () => {
    it('reports it and asks for a retry after the backoff', async () => {
      const { w, errors, retry } = writer(() =>
        Promise.reject(Object.assign(apiError(500), { body: { message: 'etcd is sad' } })),
      );
      w.write([write('p', '3')]);
      await w.idle();
      expect(errors.map((e) => e.message)).toEqual([
        'writing the status of TrustPolicy "p" failed (HTTP 500: etcd is sad); retrying in 0.1s',
      ]);
      vi.advanceTimersByTime(99);
      expect(retry).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(retry).toHaveBeenCalledTimes(1);
      // Not remembered as written: the retry writes it again.
      w.write([write('p', '3')]);
      await w.idle();
      expect(errors).toHaveLength(2);
      expect(errors[1]?.retryInMs).toBe(200);
    });
  });

  describe('when closed', () => {
    it('returns without writing what comes later', async () => {
      const patch = vi.fn(() => Promise.resolve());
      const { w } = writer(patch);
      await w.close();
      w.write([write('a', '1')]);
      await w.idle();
      expect(patch).not.toHaveBeenCalled();
    });
  });
});
