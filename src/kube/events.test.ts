import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEventRecorder, microTime, type EventInput, type EventWriter } from './events.js';

function fakeWriter(fail = false) {
  const calls: { op: 'create' | 'patch'; namespace: string; body: Record<string, unknown> }[] = [];
  const writer: EventWriter = {
    create(namespace, event) {
      calls.push({ op: 'create', namespace, body: event as Record<string, unknown> });
      if (fail) return Promise.reject(new Error('forbidden'));
      return Promise.resolve((event as { metadata: { name: string } }).metadata.name);
    },
    patchSeries(namespace, name, series) {
      calls.push({ op: 'patch', namespace, body: { name, series } });
      return Promise.resolve();
    },
  };
  return { writer, calls };
}

const denied = (
  note = 'Deployment web denied: … [SIGNATURE_NOT_FOUND] (policy "p")',
): EventInput => ({
  regarding: { apiVersion: 'v1', kind: 'Namespace', name: 'team', namespace: 'team' },
  object: 'Deployment team/web',
  type: 'Warning',
  reason: 'ImageDenied',
  action: 'Deny',
  note,
});

describe('createEventRecorder', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => void vi.useRealTimers());

  describe('when an event is recorded', () => {
    it('creates one events.k8s.io/v1 Event in the regarding namespace, with MicroTime', async () => {
      const { writer, calls } = fakeWriter();
      const r = createEventRecorder({ writer, controller: 'c', instance: 'i' });
      r.record(denied());
      await r.idle();
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        op: 'create',
        namespace: 'team',
        body: {
          apiVersion: 'events.k8s.io/v1',
          reportingController: 'c',
          reportingInstance: 'i',
          reason: 'ImageDenied',
          eventTime: '2023-11-14T22:13:20.000000Z',
        },
      });
      expect((calls[0]!.body['metadata'] as { name: string }).name).toMatch(/^team\.[0-9a-f]+$/);
    });

    it('cuts a note longer than 1 KiB', async () => {
      const { writer, calls } = fakeWriter();
      const r = createEventRecorder({ writer, controller: 'c', instance: 'i' });
      r.record(denied('x'.repeat(5_000)));
      await r.idle();
      expect((calls[0]!.body['note'] as string).length).toBe(1024);
    });
  });

  describe('when the same event repeats', () => {
    it('counts it in one series patch per interval instead of new Events', async () => {
      const { writer, calls } = fakeWriter();
      const r = createEventRecorder({
        writer,
        controller: 'c',
        instance: 'i',
        seriesIntervalMs: 30_000,
      });
      for (let i = 0; i < 50; i++) r.record(denied());
      await r.idle();
      expect(calls.map((c) => c.op)).toEqual(['create']);
      await vi.advanceTimersByTimeAsync(30_000);
      await r.idle();
      expect(calls.map((c) => c.op)).toEqual(['create', 'patch']);
      expect(calls[1]!.body['series']).toMatchObject({ count: 50 });
    });

    it('writes the pending count on close', async () => {
      const { writer, calls } = fakeWriter();
      const r = createEventRecorder({ writer, controller: 'c', instance: 'i' });
      r.record(denied());
      await r.idle();
      r.record(denied());
      r.record(denied());
      await r.close();
      expect(calls.map((c) => c.op)).toEqual(['create', 'patch']);
      expect(calls[1]!.body['series']).toMatchObject({ count: 3 });
    });
  });

  describe('when one object has more distinct events than its bound', () => {
    it('drops those beyond perObject per minute and says so', async () => {
      const { writer, calls } = fakeWriter();
      const dropped: string[] = [];
      const r = createEventRecorder({
        writer,
        controller: 'c',
        instance: 'i',
        limits: { perObject: 2 },
        onDropped: (why) => dropped.push(why),
      });
      for (let i = 0; i < 4; i++) r.record(denied(`note ${i}`));
      await r.idle();
      expect(calls).toHaveLength(2);
      expect(dropped).toEqual(['limit', 'limit']);
    });
  });

  describe('when more writes wait than the queue holds', () => {
    it('drops the rest', async () => {
      const { writer } = fakeWriter();
      const dropped: string[] = [];
      const r = createEventRecorder({
        writer,
        controller: 'c',
        instance: 'i',
        maxQueue: 2,
        limits: { perObject: 100 },
        onDropped: (why) => dropped.push(why),
      });
      for (let i = 0; i < 5; i++) r.record(denied(`note ${i}`));
      await r.idle();
      expect(dropped.filter((d) => d === 'queue').length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('when the API call fails', () => {
    it('reports it and never throws from record', async () => {
      const { writer } = fakeWriter(true);
      const errors: unknown[] = [];
      const r = createEventRecorder({
        writer,
        controller: 'c',
        instance: 'i',
        onDropped: (why, err) => errors.push([why, (err as Error).message]),
      });
      expect(() => r.record(denied())).not.toThrow();
      await r.idle();
      expect(errors).toEqual([['error', 'forbidden']]);
    });
  });
});

describe('microTime', () => {
  it('returns RFC 3339 with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });
});
