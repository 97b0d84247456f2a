// The tasks waiting to be verified: urgent ones (a policy change, an expiring verdict) before
// the rest (new workloads, the full pass), each queued once, with when it was queued (the lag).

export class ScanQueue {
  readonly #urgent = new Map<string, number>();
  readonly #normal = new Map<string, number>();

  get size(): number {
    return this.#urgent.size + this.#normal.size;
  }

  /** Queues `key` (an urgent add moves a waiting one forward, keeping its first time). */
  add(key: string, urgent: boolean, at: number): void {
    const waiting = this.#urgent.get(key) ?? this.#normal.get(key);
    if (urgent) {
      this.#normal.delete(key);
      if (!this.#urgent.has(key)) this.#urgent.set(key, waiting ?? at);
    } else if (waiting === undefined) this.#normal.set(key, at);
  }

  /** The next key to verify, taken off the queue. */
  next(): string | undefined {
    for (const map of [this.#urgent, this.#normal])
      for (const key of map.keys()) {
        map.delete(key);
        return key;
      }
    return undefined;
  }

  delete(key: string): void {
    this.#urgent.delete(key);
    this.#normal.delete(key);
  }

  keys(): string[] {
    return [...this.#urgent.keys(), ...this.#normal.keys()];
  }

  /** When the longest-waiting key was queued. */
  oldest(): number | undefined {
    let oldest: number | undefined;
    for (const map of [this.#urgent, this.#normal])
      for (const at of map.values()) if (oldest === undefined || at < oldest) oldest = at;
    return oldest;
  }

  clear(): void {
    this.#urgent.clear();
    this.#normal.clear();
  }
}
