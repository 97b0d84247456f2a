// The registry budget of the background verifier: per registry host, a token bucket of `rate`
// requests per second (burst: one second's worth). The scan's registry calls are charged as they
// are made (budgeted-registry.ts) and never wait: a verification the scan started may be joined
// by a review (the cache's singleflight), which must not wait on the scan's budget. Instead the
// scan waits *before* it starts one: `acquire(host)` lets one scan verification per host run at a
// time, and only once the host's bucket is out of debt. So in any window of T seconds the scan
// sends a host at most rate·T + rate requests, plus those of the one verification under way.
// Admission's calls are never charged. Bounded: at most `maxHosts` hosts are remembered.

export interface BudgetOptions {
  /** Requests per second per host (> 0). */
  rate: number;
  maxHosts?: number;
  now?: () => number;
}

interface HostState {
  tokens: number;
  at: number;
  /** The scan verification of this host under way (its release), if any. */
  busy?: Promise<void> | undefined;
}

export class RegistryBudget {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #maxHosts: number;
  readonly #now: () => number;
  readonly #hosts = new Map<string, HostState>();

  constructor(options: BudgetOptions) {
    if (!(options.rate > 0) || !Number.isFinite(options.rate))
      throw new RangeError(`the registry budget must be a number > 0 (got ${options.rate})`);
    this.#rate = options.rate;
    this.#capacity = Math.max(1, options.rate);
    this.#maxHosts = options.maxHosts ?? 256;
    this.#now = options.now ?? Date.now;
  }

  /** Charges `requests` made to `host` (it may go into debt; the next acquire then waits). */
  charge(host: string, requests: number): void {
    this.#state(host).tokens -= requests;
  }

  /**
   * Waits until `host` has no scan verification under way and its bucket is out of debt;
   * resolves to the release of the slot. Rejects when `signal` aborts.
   */
  async acquire(host: string, signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      signal?.throwIfAborted();
      const state = this.#state(host);
      if (state.busy) {
        await abortable(state.busy, signal);
        continue;
      }
      if (state.tokens < 0) {
        await sleep(Math.ceil((-state.tokens * 1000) / this.#rate), signal);
        continue;
      }
      let release!: () => void;
      state.busy = new Promise<void>((resolve) => (release = resolve));
      return () => {
        state.busy = undefined;
        release();
      };
    }
  }

  /** The host's state, refilled to now and marked most recently used. */
  #state(host: string): HostState {
    const now = this.#now();
    const state = this.#hosts.get(host) ?? { tokens: this.#capacity, at: now };
    this.#hosts.delete(host);
    this.#hosts.set(host, state);
    for (const [oldest, old] of this.#hosts) {
      if (this.#hosts.size <= this.#maxHosts) break;
      if (old.busy) continue;
      this.#hosts.delete(oldest);
    }
    state.tokens = Math.min(this.#capacity, state.tokens + ((now - state.at) * this.#rate) / 1000);
    state.at = now;
    return state;
  }
}

function abortable(wait: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return wait;
  return new Promise<void>((resolve, reject) => {
    const abort = (): void => reject(reason(signal));
    signal.addEventListener('abort', abort, { once: true });
    void wait.then(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    });
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((resolve) => setTimeout(resolve, ms).unref()), signal);
}

const reason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error('aborted');
