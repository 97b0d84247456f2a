import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBackoff } from './backoff.js';
import { REAL_TIMERS } from './debounce.js';
import { watchResource, type InformerFactory, type SourceError } from './informers.js';

type Callback = (arg?: unknown) => void;

/** Lists once per start() like client-node's ListWatch, reporting a failure on `error`. */
class FakeInformer {
  readonly handlers = new Map<string, Callback[]>();
  objects: KubernetesObject[] = [];
  starts = 0;
  stops = 0;
  readonly listFn: () => Promise<KubernetesListObject<KubernetesObject>>;

  constructor(listFn: () => Promise<KubernetesListObject<KubernetesObject>>) {
    this.listFn = listFn;
  }
  list(): KubernetesObject[] {
    return this.objects;
  }
  on(verb: string, cb: Callback): void {
    this.handlers.set(verb, [...(this.handlers.get(verb) ?? []), cb]);
  }
  emit(verb: string, arg?: unknown): void {
    for (const cb of this.handlers.get(verb) ?? []) cb(arg);
  }
  async start(): Promise<void> {
    this.starts += 1;
    try {
      this.objects = (await this.listFn()).items;
      for (const o of this.objects) this.emit('add', o);
    } catch (err) {
      this.emit('error', err);
    }
  }
  async stop(): Promise<void> {
    this.stops += 1;
    return Promise.resolve();
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(results: (Error | KubernetesObject[])[]) {
  let fake: FakeInformer | undefined;
  const factory = ((_kc: KubeConfig, _path: string, list: FakeInformer['listFn']) => {
    fake = new FakeInformer(list);
    return fake;
  }) as unknown as InformerFactory;
  const errors: SourceError[] = [];
  const onChange = vi.fn();
  const list = vi.fn((): Promise<KubernetesListObject<KubernetesObject>> => {
    const next = results.shift() ?? [];
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve({ items: next, metadata: { resourceVersion: '1' } });
  });
  const watched = watchResource({
    kubeConfig: {} as KubeConfig,
    resource: 'TrustPolicy',
    path: '/apis/notary-admission.dev/v1alpha1/trustpolicies',
    list,
    backoff: createBackoff({ initialMs: 100, maxMs: 300 }),
    timers: REAL_TIMERS,
    onChange,
    onError: (e) => errors.push(e),
    makeInformer: factory,
  });
  return { watched, errors, onChange, fake: () => fake! };
}

const notFound = () =>
  Object.assign(new Error('Not Found'), { code: 404, body: { message: 'nope' } });

describe('watchResource', () => {
  describe('when the first list succeeds', () => {
    it('returns synced with the listed objects and reports the change', async () => {
      const item = { metadata: { name: 'a' } };
      const { watched, onChange } = setup([[item]]);
      expect(watched.synced()).toBe(false);
      watched.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(watched.synced()).toBe(true);
      expect(watched.list()).toEqual([item]);
      expect(onChange).toHaveBeenCalledTimes(2);
    });
  });

  describe('when listing fails', () => {
    it('restarts after 100, 200, 300 ms and reports each failure', async () => {
      const { watched, errors, fake } = setup([notFound(), notFound(), notFound(), []]);
      watched.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(watched.synced()).toBe(false);
      expect(errors.map((e) => e.retryInMs)).toEqual([100]);
      await vi.advanceTimersByTimeAsync(99);
      expect(fake().starts).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake().starts).toBe(2);
      await vi.advanceTimersByTimeAsync(200 + 300);
      expect(fake().starts).toBe(4);
      expect(watched.synced()).toBe(true);
      expect(errors.map((e) => e.message)).toEqual([
        'watching TrustPolicy objects failed (HTTP 404: nope); retrying in 0.1s',
        'watching TrustPolicy objects failed (HTTP 404: nope); retrying in 0.2s',
        'watching TrustPolicy objects failed (HTTP 404: nope); retrying in 0.3s',
      ]);
    });
  });

  describe('when the watch fails after a successful list', () => {
    it('stays synced and restarts from the initial delay', async () => {
      const { watched, errors, fake } = setup([notFound(), [], []]);
      watched.start();
      await vi.advanceTimersByTimeAsync(100);
      expect(watched.synced()).toBe(true);
      fake().emit('error', new Error('socket hang up'));
      expect(errors.at(-1)?.message).toBe(
        'watching TrustPolicy objects failed (socket hang up); retrying in 0.1s',
      );
      await vi.advanceTimersByTimeAsync(100);
      expect(fake().starts).toBe(3);
      expect(watched.synced()).toBe(true);
    });
  });

  describe('when stopped while a restart is pending', () => {
    it('returns without restarting or reporting the abort', async () => {
      const { watched, errors, fake } = setup([notFound()]);
      watched.start();
      await vi.advanceTimersByTimeAsync(0);
      await watched.stop();
      fake().emit('error', new Error('aborted'));
      await vi.advanceTimersByTimeAsync(1000);
      expect(fake().starts).toBe(1);
      expect(fake().stops).toBe(1);
      expect(errors).toHaveLength(1);
    });
  });
});
