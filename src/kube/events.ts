// Kubernetes Events (events.k8s.io/v1) written in the background, aggregated and bounded: the
// same event again (same object, reason and note) becomes a `series` count on the Event already
// written, patched at most once per `seriesIntervalMs`; every API write (create or patch) takes
// one unit of the per-object and per-replica budgets of EventLimiter; writes go one at a time
// from a bounded queue. `record()` never waits and never throws: an admission answer must not
// depend on the API server taking its Event.
import { eventBody, microTime } from './event-body.js';
import { EVENT_LIMITS, EventLimiter, type EventLimits } from './event-limits.js';

export { microTime } from './event-body.js';

/** An object an Event names (`regarding`, `related`). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

export interface EventInput {
  /** Where the Event is written and what it is about. */
  regarding: ObjectRef & { namespace: string };
  related?: ObjectRef;
  /** The object under review (`Deployment team-a/web`): what the per-object bound counts. */
  object: string;
  type: 'Normal' | 'Warning';
  /** CamelCase, at most 128 characters. */
  reason: string;
  action: string;
  /** At most 1 KiB (longer notes are cut). */
  note: string;
}

/** The API calls (src/kube/events-api.ts; tests use a fake). */
export interface EventWriter {
  /** Creates the Event; resolves to its name. */
  create(namespace: string, event: object): Promise<string>;
  patchSeries(
    namespace: string,
    name: string,
    series: { count: number; lastObservedTime: string },
  ): Promise<void>;
}

export interface EventRecorderOptions {
  writer: EventWriter;
  /** `reportingController`, e.g. `notary-admission.dev/webhook`. */
  controller: string;
  /** `reportingInstance`: this replica. */
  instance: string;
  now?: () => number;
  limits?: Partial<EventLimits>;
  /** Least time between two series patches of one Event (default 30 s). */
  seriesIntervalMs?: number;
  /** A repeat later than this after the last one starts a new Event (default 10 min). */
  seriesWindowMs?: number;
  /** Writes waiting at most (default 256); more are dropped. */
  maxQueue?: number;
  /** An Event was not written: over a budget, the queue full, or the API call failed. */
  onDropped?: (why: 'limit' | 'queue' | 'error', err?: unknown) => void;
  /** An Event was created or its series patched. */
  onWritten?: () => void;
}

export interface EventRecorder {
  record(event: EventInput): void;
  /** Resolves when nothing is queued or being written (tests, shutdown). */
  idle(): Promise<void>;
  /** Writes what is queued and pending series, then stops. */
  close(): Promise<void>;
}

interface Series {
  namespace: string;
  object: string;
  name?: string;
  count: number;
  /** Count the Event on the server says. */
  written: number;
  lastObserved: number;
  timer?: NodeJS.Timeout | undefined;
}

/** Creates a recorder; nothing is written until `record()`. */
export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  const now = options.now ?? Date.now;
  const limiter = new EventLimiter({ ...EVENT_LIMITS, ...options.limits, now });
  const interval = options.seriesIntervalMs ?? 30_000;
  const window = options.seriesWindowMs ?? 600_000;
  const maxQueue = options.maxQueue ?? 256;
  const maxSeries = options.limits?.maxObjects ?? EVENT_LIMITS.maxObjects;
  const series = new Map<string, Series>();
  const queue: (() => Promise<void>)[] = [];
  let draining: Promise<void> | undefined;
  let closed = false;
  const dropped = (why: 'limit' | 'queue' | 'error', err?: unknown): void => {
    try {
      options.onDropped?.(why, err);
    } catch {
      // a metrics callback's bug must not stop the recorder
    }
  };

  function enqueue(task: () => Promise<void>): boolean {
    if (queue.length >= maxQueue) return false;
    queue.push(task);
    draining ??= drain();
    return true;
  }
  async function drain(): Promise<void> {
    for (let task = queue.shift(); task; task = queue.shift()) await task();
    draining = undefined;
  }

  function schedulePatch(key: string, s: Series): void {
    if (s.timer || s.name === undefined || s.count === s.written || closed) return;
    s.timer = setTimeout(() => {
      s.timer = undefined;
      patch(key, s);
    }, interval).unref();
  }
  function patch(key: string, s: Series): void {
    if (s.name === undefined || s.count === s.written) return;
    // Over budget: the count keeps growing and is written at the next interval that fits.
    if (!limiter.take(s.object)) return void schedulePatch(key, s);
    const count = s.count;
    const queued = enqueue(async () => {
      try {
        const lastObservedTime = microTime(s.lastObserved);
        await options.writer.patchSeries(s.namespace, s.name!, { count, lastObservedTime });
        s.written = Math.max(s.written, count);
        options.onWritten?.();
      } catch (err) {
        // Gone (expired by the API server's event TTL) or refused: the next repeat starts anew.
        series.delete(key);
        dropped('error', err);
      }
    });
    if (!queued) dropped('queue');
  }

  function create(key: string, event: EventInput, at: number): void {
    const s: Series = {
      namespace: event.regarding.namespace,
      object: event.object,
      count: 1,
      written: 1,
      lastObserved: at,
    };
    const body = eventBody(event, at, {
      controller: options.controller,
      instance: options.instance,
    });
    const queued = enqueue(async () => {
      try {
        s.name = await options.writer.create(s.namespace, body);
        options.onWritten?.();
        schedulePatch(key, s);
      } catch (err) {
        series.delete(key);
        dropped('error', err);
      }
    });
    if (!queued) return dropped('queue');
    series.set(key, s);
    for (const [oldest, old] of series) {
      if (series.size <= maxSeries) break;
      clearTimeout(old.timer);
      series.delete(oldest);
    }
  }

  return {
    record(event) {
      if (closed) return;
      const at = now();
      const { regarding: r } = event;
      const key = JSON.stringify([r.kind, r.namespace, r.name, r.uid, event.reason, event.note]);
      const known = series.get(key);
      if (known && at - known.lastObserved <= window) {
        known.count++;
        known.lastObserved = at;
        return schedulePatch(key, known);
      }
      if (known) clearTimeout(known.timer);
      series.delete(key);
      if (!limiter.take(event.object)) return dropped('limit');
      create(key, event, at);
    },
    async idle() {
      while (draining) await draining;
    },
    async close() {
      closed = true;
      for (const [key, s] of series) {
        clearTimeout(s.timer);
        s.timer = undefined;
        patch(key, s);
      }
      while (draining) await draining;
      series.clear();
    },
  };
}
