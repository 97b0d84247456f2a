// One leadership term of the background verifier: a workload watch, the tracked workloads and
// their tasks, the queue, the schedule of verdicts that end, and the report publisher. A task is
// verified again: on every full pass; at once when a policy change can affect it (impact.ts);
// when its verdict's lifetime ends (observed-cache.ts); `retryMs` after an inconclusive result.
import type { Snapshot } from '../config/index.js';
import { workloadRef, type ReportResult } from '../kube/index.js';
import { checkTask, type CheckParts } from './check.js';
import { PolicyFingerprints } from './impact.js';
import { ReportPublisher } from './publisher.js';
import { ScanQueue } from './queue.js';
import { NON_COMPLIANT } from './results.js';
import type { ScannerOptions } from './scanner.js';
import { Schedule } from './schedule.js';
import { Tracked, type Task } from './tracked.js';
import { workloadImages } from './workload-images.js';

export class Run {
  readonly #o: ScannerOptions;
  readonly #parts: CheckParts;
  readonly #abort = new AbortController();
  readonly #tracked: Tracked;
  readonly #queue = new ScanQueue();
  readonly #schedule: Schedule;
  readonly #publisher: ReportPublisher;
  readonly #running = new Map<string, Promise<void>>();
  /** Tasks asked for again while being verified. */
  readonly #again = new Set<string>();
  readonly #skip: ReadonlySet<string>;
  readonly #unsubscribe: () => void;
  readonly #interval: NodeJS.Timeout;
  #snapshot: Snapshot | undefined;
  #pass: { started: number; first: boolean } | undefined;
  #syncTimer: NodeJS.Timeout | undefined;

  constructor(o: ScannerOptions, parts: CheckParts) {
    this.#o = o;
    this.#parts = parts;
    this.#skip = new Set(o.skipNamespaces ?? []);
    this.#tracked = new Tracked({
      maxWorkloads: o.maxWorkloads ?? 20_000,
      pullMatters: o.credentialsFor !== undefined,
    });
    this.#schedule = new Schedule((keys) => keys.forEach((k) => this.#enqueue(k, true)), parts.now);
    this.#publisher = new ReportPublisher({
      store: o.reports,
      results: (ns) => this.#results(ns),
      ...(o.reportDelayMs !== undefined && { debounceMs: o.reportDelayMs }),
      onError: (err, ns) => o.observer?.error?.(err, `writing the PolicyReport of ${ns}`),
      onPublished: (ns, results) => this.#gauge(ns, results),
    });
    this.#snapshot = o.policies.current();
    this.#unsubscribe = o.policies.onChange((next) => this.#policyChanged(next));
    o.workloads.start((type, kind, object) => {
      const ref = workloadRef(kind, object);
      if (!ref || this.#skip.has(ref.namespace)) return;
      if (type === 'delete') return this.#removed(ref.uid);
      const { images, pull } = workloadImages(kind, object);
      if (this.#tracked.unchanged(ref.uid, images, pull)) return;
      const fresh = this.#tracked.upsert(ref, images, pull);
      if (fresh === undefined)
        return o.observer?.error?.(
          new Error(`more than ${o.maxWorkloads ?? 20_000} workloads`),
          `tracking ${kind} ${ref.namespace}/${ref.name}`,
        );
      for (const task of fresh) this.#enqueue(task.key, false);
      this.#publisher.mark(ref.namespace);
    });
    this.#interval = setInterval(() => this.#fullPass(false), o.intervalMs).unref();
    this.#waitForSync();
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error('the scan stopped'));
    clearInterval(this.#interval);
    clearTimeout(this.#syncTimer);
    this.#unsubscribe();
    this.#schedule.clear();
    this.#queue.clear();
    await Promise.allSettled([...this.#running.values()]);
    await this.#o.workloads.stop();
    await this.#publisher.close();
    for (const ns of this.#tracked.namespaces()) this.#o.observer?.nonCompliant?.(ns, new Map());
    this.#tracked.clear();
  }

  lagSeconds(): number {
    const oldest = this.#queue.oldest();
    return oldest === undefined ? 0 : Math.max(0, (this.#parts.now() - oldest) / 1000);
  }

  async settled(): Promise<void> {
    for (;;) {
      while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
      await this.#publisher.flush();
      const idle = this.#running.size === 0 && this.#queue.size === 0 && this.#pass === undefined;
      if (idle && this.#o.workloads.synced()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  #waitForSync(): void {
    if (this.#abort.signal.aborted) return;
    if (this.#o.workloads.synced()) return this.#fullPass(true);
    this.#syncTimer = setTimeout(() => this.#waitForSync(), 50).unref();
  }

  #fullPass(first: boolean): void {
    this.#pass ??= { started: this.#parts.now(), first };
    for (const key of this.#tracked.tasks.keys()) this.#enqueue(key, false);
    this.#maybeDone();
  }

  /** Only the images whose governing policy, admission fields or certificates changed. */
  #policyChanged(next: Snapshot): void {
    const previous = this.#snapshot;
    this.#snapshot = next;
    if (previous === undefined) return this.#fullPass(false);
    const before = new PolicyFingerprints(previous);
    const after = new PolicyFingerprints(next);
    for (const task of this.#tracked.tasks.values())
      if (before.of(task.namespace, task.image) !== after.of(task.namespace, task.image))
        this.#enqueue(task.key, true);
  }

  #removed(uid: string): void {
    const ns = this.#tracked.remove(uid);
    if (ns === undefined) return;
    for (const key of this.#queue.keys())
      if (!this.#tracked.tasks.has(key)) this.#queue.delete(key);
    this.#publisher.mark(ns);
  }

  #enqueue(key: string, urgent: boolean): void {
    if (this.#abort.signal.aborted || !this.#tracked.tasks.has(key)) return;
    if (this.#running.has(key)) return void this.#again.add(key);
    this.#schedule.forget(key);
    this.#queue.add(key, urgent, this.#parts.now());
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < (this.#o.concurrency ?? 4)) {
      const key = this.#queue.next();
      if (key === undefined) break;
      const task = this.#tracked.tasks.get(key);
      if (!task) continue;
      const run = this.#check(task).finally(() => {
        this.#running.delete(key);
        if (this.#again.delete(key)) this.#enqueue(key, true);
        this.#pump();
        this.#maybeDone();
      });
      this.#running.set(key, run);
    }
  }

  #maybeDone(): void {
    if (!this.#pass || this.#queue.size > 0 || this.#running.size > 0) return;
    if (!this.#o.workloads.synced()) return;
    const pass = this.#pass;
    this.#pass = undefined;
    this.#o.observer?.passCompleted?.((this.#parts.now() - pass.started) / 1000);
    // The first pass knows every workload: reports of namespaces without any are stale.
    if (pass.first)
      void this.#publisher
        .prune(new Set(this.#tracked.namespaces()))
        .catch((err: unknown) => this.#o.observer?.error?.(err, 'listing PolicyReports'));
  }

  async #check(task: Task): Promise<void> {
    const signal = this.#abort.signal;
    const snapshot = this.#snapshot;
    if (snapshot === undefined) return this.#schedule.at(task.key, this.#parts.now() + 1_000);
    try {
      const checked = await checkTask(this.#parts, task, snapshot, signal);
      if (signal.aborted || this.#tracked.tasks.get(task.key) !== task) return;
      const at = this.#parts.now();
      task.result = { ...checked.judged, at };
      this.#reschedule(task, checked.validUntil, at);
      for (const ns of this.#tracked.namespacesOf(task)) this.#publisher.mark(ns);
    } catch (err) {
      if (!signal.aborted) this.#o.observer?.error?.(err, `verifying ${task.image}`);
    }
  }

  /** When the task is due again before the next full pass, if ever. */
  #reschedule(task: Task, validUntil: number | undefined, at: number): void {
    const retry = Math.min(this.#o.retryMs ?? 60_000, this.#o.intervalMs);
    if (task.result?.result === 'error') return this.#schedule.at(task.key, at + retry);
    // A tick past the end: the cache entry has expired by then, so this verifies afresh.
    if (validUntil !== undefined && validUntil - at < this.#o.intervalMs)
      this.#schedule.at(task.key, Math.max(at, validUntil) + 10);
  }

  #results(namespace: string): ReportResult[] | undefined {
    const workloads = this.#tracked.inNamespace(namespace);
    if (workloads.length === 0) return undefined;
    return workloads.flatMap((w) =>
      w.images.flatMap((image, i) => {
        const result = this.#tracked.tasks.get(w.tasks[i]!)?.result;
        if (!result) return [];
        return [{ workload: w.ref, image: image.image, fieldPaths: image.fieldPaths, ...result }];
      }),
    );
  }

  #gauge(namespace: string, results: readonly ReportResult[]): void {
    const byPolicy = new Map<string, Set<string>>();
    for (const r of results) {
      if (!NON_COMPLIANT.has(r.result)) continue;
      const uids = byPolicy.get(r.policy) ?? new Set<string>();
      byPolicy.set(r.policy, uids.add(r.workload.uid));
    }
    const counts = new Map([...byPolicy].map(([policy, uids]) => [policy, uids.size]));
    this.#o.observer?.nonCompliant?.(namespace, counts);
  }
}
