// Singleflight: concurrent callers for one key share one computation. Each caller may leave on
// its own AbortSignal; the computation's own signal aborts only once no caller is left.

/** One running computation and the callers waiting on it. */
export class Flight<T> {
  readonly #controller = new AbortController();
  readonly #promise: Promise<T>;
  readonly #onAbandoned: () => void;
  #waiting = 0;

  /** Starts `run` at once; `onAbandoned` runs when the last caller leaves before it settles. */
  constructor(run: (signal: AbortSignal) => Promise<T>, onAbandoned: () => void = () => {}) {
    this.#onAbandoned = onAbandoned;
    // An async wrapper turns a synchronous throw into a rejection.
    this.#promise = (async () => run(this.#controller.signal))();
    // Nobody may be waiting when it rejects: that must not become an unhandled rejection.
    this.#promise.catch(() => {});
  }

  /** Settles when the computation does, whether or not anyone is still waiting. */
  get settled(): Promise<T> {
    return this.#promise;
  }

  /** True once every caller has left and the computation's signal has been aborted. */
  get abandoned(): boolean {
    return this.#controller.signal.aborted;
  }

  /**
   * Waits for the computation as one more caller. Rejects with `signal.reason` as soon as
   * `signal` aborts; the computation goes on for the others.
   */
  join(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.abandoned) return Promise.reject(this.#controller.signal.reason as Error);
    this.#waiting += 1;
    if (signal === undefined) return this.#promise;
    return new Promise<T>((resolve, reject) => {
      const leave = (): void => {
        reject(signal.reason as Error);
        this.#leave(signal.reason);
      };
      signal.addEventListener('abort', leave, { once: true });
      // Both handlers return normally, so the chain ends resolved; then the listener goes.
      void this.#promise
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', leave));
    });
  }

  #leave(reason: unknown): void {
    this.#waiting -= 1;
    if (this.#waiting > 0) return;
    // The last caller's reason (an abort or a timeout) becomes the computation's reason.
    this.#controller.abort(reason);
    this.#onAbandoned();
  }
}

/** Shares one computation per key among concurrent callers. */
export class Singleflight<T> {
  readonly #flights = new Map<string, Flight<T>>();

  get size(): number {
    return this.#flights.size;
  }

  /**
   * Joins the running computation for `key`, or starts `run` if there is none (or the running
   * one was abandoned by all its callers). `joined` tells which.
   */
  do(
    key: string,
    run: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): { result: Promise<T>; joined: boolean } {
    const running = this.#flights.get(key);
    if (running !== undefined) return { result: running.join(signal), joined: true };
    const flight: Flight<T> = new Flight(run, () => this.#forget(key, flight));
    this.#flights.set(key, flight);
    void flight.settled.finally(() => this.#forget(key, flight)).catch(() => {});
    return { result: flight.join(signal), joined: false };
  }

  #forget(key: string, flight: Flight<T>): void {
    // A newer flight for the key may have replaced an abandoned one.
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
  }
}
