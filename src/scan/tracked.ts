// What the background verifier knows: every workload it tracks with its images, and one task per
// (namespace, image, pull identity) shared by every workload that names that image there, with
// the task's last result. Verifying a task once serves all its workloads. Bounded: at most
// `maxWorkloads` workloads are tracked (decision 10: whoever may create Pods can grow this).
import type { WorkloadRef } from '../kube/index.js';
import type { JudgedImage } from './results.js';
import type { PullIdentity, WorkloadImage } from './workload-images.js';

export interface Task {
  readonly key: string;
  readonly namespace: string;
  readonly image: string;
  readonly pull: PullIdentity;
  /** uids of the workloads that name this image in this namespace with this pull identity. */
  readonly workloads: Set<string>;
  result?: JudgedImage & { at: number };
}

export interface TrackedWorkload {
  ref: WorkloadRef;
  images: WorkloadImage[];
  pull: PullIdentity;
  /** The task of each image, same order. */
  tasks: string[];
}

export class Tracked {
  readonly workloads = new Map<string, TrackedWorkload>();
  readonly tasks = new Map<string, Task>();
  readonly #byNamespace = new Map<string, Set<string>>();
  readonly #maxWorkloads: number;
  readonly #pullKey: (pull: PullIdentity) => string;

  constructor(options: { maxWorkloads: number; pullMatters: boolean }) {
    this.#maxWorkloads = options.maxWorkloads;
    // Without pull secrets every workload verifies with the service's own credentials.
    this.#pullKey = options.pullMatters ? (p) => JSON.stringify(p) : () => '';
  }

  /**
   * Tracks (or updates) a workload; returns the tasks it now names that have no result yet, or
   * undefined when it is not tracked (over the bound).
   */
  upsert(ref: WorkloadRef, images: WorkloadImage[], pull: PullIdentity): Task[] | undefined {
    const known = this.workloads.get(ref.uid);
    if (!known && this.workloads.size >= this.#maxWorkloads) return undefined;
    if (known) this.#detach(known);
    const tasks = images.map((i) => this.#task(ref.namespace, i.image, pull));
    for (const task of tasks) task.workloads.add(ref.uid);
    this.workloads.set(ref.uid, { ref, images, pull, tasks: tasks.map((t) => t.key) });
    let uids = this.#byNamespace.get(ref.namespace);
    if (!uids) this.#byNamespace.set(ref.namespace, (uids = new Set()));
    uids.add(ref.uid);
    return tasks.filter((t) => t.result === undefined);
  }

  /**
   * True when the workload is tracked with these very images and pull identity: a Pod's status
   * changes all the time, and none of that is the scan's business.
   */
  unchanged(uid: string, images: WorkloadImage[], pull: PullIdentity): boolean {
    const known = this.workloads.get(uid);
    return (
      known !== undefined &&
      JSON.stringify([known.images, known.pull]) === JSON.stringify([images, pull])
    );
  }

  /** Forgets a workload; returns its namespace (for the report), if it was tracked. */
  remove(uid: string): string | undefined {
    const known = this.workloads.get(uid);
    if (!known) return undefined;
    this.#detach(known);
    this.workloads.delete(uid);
    const uids = this.#byNamespace.get(known.ref.namespace);
    uids?.delete(uid);
    if (uids?.size === 0) this.#byNamespace.delete(known.ref.namespace);
    return known.ref.namespace;
  }

  /** Namespaces with tracked workloads. */
  namespaces(): string[] {
    return [...this.#byNamespace.keys()];
  }

  /** The workloads of a namespace. */
  inNamespace(namespace: string): TrackedWorkload[] {
    const uids = this.#byNamespace.get(namespace) ?? new Set<string>();
    return [...uids].flatMap((uid) => this.workloads.get(uid) ?? []);
  }

  /** The namespaces whose workloads use a task. */
  namespacesOf(task: Task): Set<string> {
    return new Set(
      [...task.workloads].flatMap((uid) => this.workloads.get(uid)?.ref.namespace ?? []),
    );
  }

  clear(): void {
    this.workloads.clear();
    this.tasks.clear();
    this.#byNamespace.clear();
  }

  #task(namespace: string, image: string, pull: PullIdentity): Task {
    const key = JSON.stringify([namespace, image, this.#pullKey(pull)]);
    let task = this.tasks.get(key);
    if (!task) {
      task = { key, namespace, image, pull, workloads: new Set() };
      this.tasks.set(key, task);
    }
    return task;
  }

  #detach(workload: TrackedWorkload): void {
    for (const key of workload.tasks) {
      const task = this.tasks.get(key);
      task?.workloads.delete(workload.ref.uid);
      if (task && task.workloads.size === 0) this.tasks.delete(key);
    }
  }
}
