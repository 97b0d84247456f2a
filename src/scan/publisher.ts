// Writes the namespaces' PolicyReports: a namespace whose results changed is marked, and after a
// short delay (a burst of changes is one write) its whole report is applied, or deleted when it
// has no workloads left. One write at a time; a failed write is retried after `retryMs`.
import { reportBody, type ReportResult, type ReportStore } from '../kube/index.js';

export interface PublisherOptions {
  store: ReportStore;
  /** The namespace's results now; undefined when it has no workloads (its report goes). */
  results: (namespace: string) => ReportResult[] | undefined;
  debounceMs?: number;
  retryMs?: number;
  onError?: (err: unknown, namespace: string) => void;
  /** After each successful write (metrics: non-compliance by namespace). */
  onPublished?: (namespace: string, results: readonly ReportResult[]) => void;
}

export class ReportPublisher {
  readonly #options: PublisherOptions;
  readonly #dirty = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(options: PublisherOptions) {
    this.#options = options;
  }

  /** The namespace's report must be written again. */
  mark(namespace: string): void {
    if (this.#closed) return;
    this.#dirty.add(namespace);
    this.#arm(this.#options.debounceMs ?? 500);
  }

  /** Writes every marked namespace now; resolves when nothing is marked or being written. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#running) await this.#running;
    if (this.#dirty.size > 0) await (this.#running = this.#write());
  }

  /** Deletes our reports in namespaces outside `keep` (stale ones from before a restart). */
  async prune(keep: ReadonlySet<string>): Promise<void> {
    const reports = await this.#options.store.list();
    for (const report of reports) {
      const meta = (report as { metadata?: { namespace?: string } }).metadata;
      const ns = meta?.namespace;
      if (ns !== undefined && !keep.has(ns) && !this.#dirty.has(ns)) {
        try {
          await this.#options.store.remove(ns);
        } catch (err) {
          this.#options.onError?.(err, ns);
        }
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    while (this.#running) await this.#running;
    this.#dirty.clear();
  }

  #arm(ms: number): void {
    if (this.#timer || this.#running) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#write();
    }, ms).unref();
  }

  async #write(): Promise<void> {
    let failed = false;
    for (const ns of [...this.#dirty]) {
      if (this.#closed) break;
      this.#dirty.delete(ns);
      if (!(await this.#writeOne(ns))) failed = true;
    }
    this.#running = undefined;
    if (this.#dirty.size > 0 && !this.#closed)
      this.#arm(failed ? (this.#options.retryMs ?? 5_000) : (this.#options.debounceMs ?? 500));
  }

  /** Applies or deletes one namespace's report; false (and marked again) when that failed. */
  async #writeOne(ns: string): Promise<boolean> {
    const results = this.#options.results(ns);
    try {
      if (results === undefined) await this.#options.store.remove(ns);
      else await this.#options.store.apply(ns, reportBody(ns, results));
      this.#options.onPublished?.(ns, results ?? []);
      return true;
    } catch (err) {
      this.#dirty.add(ns);
      this.#options.onError?.(err, ns);
      return false;
    }
  }
}
