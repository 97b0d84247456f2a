// The end of one review: its deadline passing or its caller going away, whichever comes first.
// The pipeline reads it as an AbortSignal, but a review answered from the cache never reads one,
// and making an AbortSignal per review (with the listener each image's wait puts on it) cost
// about a fifth of a warm review's throughput on Node 20 (issue 20, bench/README.md). So the
// signal is made on first read, already aborted if the review has ended, and the review's own
// waits listen here, on a plain list.

export class ReviewEnd {
  #reason: Error | undefined;
  #controller: AbortController | undefined;
  #listeners = new Set<() => void>();

  /** Whether the review has ended. */
  get ended(): boolean {
    return this.#reason !== undefined;
  }

  /** Aborts with the reason the review ended; made on first read. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Ends the review (the first reason stands); tells every listener once. */
  end(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  }

  /** Calls `listener` once when the review ends (never if it already has); returns what stops it. */
  onEnd(listener: () => void): () => void {
    if (this.ended) return () => undefined;
    const once = (): void => listener();
    this.#listeners.add(once);
    return () => this.#listeners.delete(once);
  }
}
