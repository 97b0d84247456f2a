import type { Pool } from './undici.js';
import type { Challenge } from './challenge.js';

/**
 * What the client remembers of one origin (`https://host[:port]`), forgotten as a whole. Pod specs
 * can name any number of hosts (standing decision 10), so every per-registry fact lives here,
 * behind one cap and one idle expiry, instead of in maps that only grow.
 */
export interface OriginState {
  readonly origin: string;
  /** undici pools by address allowance (an unconfigured token realm gets its own). */
  readonly pools: Map<string, Pool>;
  /** Our requests under way: a timeout retires the pool only when there are none. */
  inFlight: number;
  /** Retry-After: no call before this time. */
  holdUntil: number;
  /** The registry's last auth challenge: later requests authorise up front. */
  challenge: Challenge | undefined;
  /** Until this time the registry is taken to have no referrers API (tag schema straight away). */
  noReferrersApiUntil: number;
  /** A call is asking the API and the tag schema at once: others ask one after the other. */
  referrersProbing: boolean;
  /** Last use, for idle expiry and least-recently-used eviction. */
  lastUsed: number;
}

export interface OriginStatesOptions {
  /** Origins remembered at most (default 256); the least recently used is forgotten first. */
  maxOrigins?: number;
  /** An origin unused this long is forgotten (default 10 min). */
  idleMs?: number;
  now: () => number;
}

export const ORIGIN_STATE_DEFAULTS = { maxOrigins: 256, idleMs: 10 * 60_000 } as const;

/**
 * How long "no referrers API" is believed (5 min): a registry upgraded to the API is noticed
 * within the longest life of a positive verdict (the cache's default TTL), and the re-probe costs
 * one 404 per registry per 5 minutes. Meanwhile notation's default (`--force-referrers-tag`)
 * keeps signatures readable through the tag schema anyway.
 */
export const REFERRERS_VERDICT_TTL_MS = 5 * 60_000;

/**
 * Per-origin state: an LRU with a cap and idle expiry (a Map kept in use order). An origin that is
 * forgotten has its pools closed gracefully: requests already on them finish, new ones go to a
 * fresh pool of a fresh state.
 */
export class OriginStates {
  readonly #o: Required<OriginStatesOptions>;
  readonly #states = new Map<string, OriginState>();

  constructor(options: OriginStatesOptions) {
    this.#o = { ...ORIGIN_STATE_DEFAULTS, ...options };
  }

  get size(): number {
    return this.#states.size;
  }

  now(): number {
    return this.#o.now();
  }

  /** The origin's state if it is remembered (and not idle too long); marks it used. */
  find(origin: string): OriginState | undefined {
    this.#expire();
    const state = this.#states.get(origin);
    if (state) this.#touch(state);
    return state;
  }

  /** The origin's state, made when absent (forgetting the least recently used beyond the cap). */
  get(origin: string): OriginState {
    const found = this.find(origin);
    if (found) return found;
    while (this.#states.size >= this.#o.maxOrigins)
      this.#forget(this.#states.values().next().value!);
    const state: OriginState = {
      origin,
      pools: new Map(),
      inFlight: 0,
      holdUntil: 0,
      challenge: undefined,
      noReferrersApiUntil: 0,
      referrersProbing: false,
      lastUsed: this.#o.now(),
    };
    this.#states.set(origin, state);
    return state;
  }

  /** Forgets every origin and destroys its pools (requests in flight fail): for shutdown. */
  async destroy(): Promise<void> {
    const pools = [...this.#states.values()].flatMap((s) => [...s.pools.values()]);
    this.#states.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }

  #touch(state: OriginState): void {
    state.lastUsed = this.#o.now();
    this.#states.delete(state.origin);
    this.#states.set(state.origin, state);
  }

  /** Drops idle origins from the old end: the Map is in use order, so the scan stops early. */
  #expire(): void {
    const oldest = this.#o.now() - this.#o.idleMs;
    for (const state of this.#states.values()) {
      if (state.lastUsed > oldest) return;
      this.#forget(state);
    }
  }

  #forget(state: OriginState): void {
    this.#states.delete(state.origin);
    // close(), not destroy(): whatever is queued or under way on the pool still completes.
    for (const pool of state.pools.values()) void pool.close().catch(() => undefined);
    state.pools.clear();
  }
}

/**
 * What the client believes of a registry's referrers API: `none` ("no API", for `ttlMs` from the
 * probe that found it; adding it again while believed does not extend it, so a registry in steady
 * use is still probed again every `ttlMs`), `expired` (found without the API before: probed again
 * with the tag schema asked beside it), or `unknown` (never found without it: the API first). Of
 * the calls that find it expired, one at a time may `claim` the probe, so a burst sends one
 * speculative tag-schema listing, not one each.
 */
export function referrersVerdicts(
  states: OriginStates,
  originOf: (registry: string) => string,
  ttlMs: number = REFERRERS_VERDICT_TTL_MS,
): {
  of(registry: string): 'none' | 'expired' | 'unknown';
  has(registry: string): boolean;
  add(registry: string): void;
  sawApi(registry: string): void;
  claim(registry: string): boolean;
  release(registry: string): void;
} {
  const until = (registry: string): number =>
    states.find(originOf(registry))?.noReferrersApiUntil ?? 0;
  const has = (registry: string): boolean => until(registry) > states.now();
  return {
    of: (registry) => (has(registry) ? 'none' : until(registry) > 0 ? 'expired' : 'unknown'),
    has,
    add: (registry) => {
      const state = states.get(originOf(registry));
      if (state.noReferrersApiUntil <= states.now())
        state.noReferrersApiUntil = states.now() + ttlMs;
    },
    sawApi: (registry) => {
      const state = states.find(originOf(registry));
      if (state) state.noReferrersApiUntil = 0;
    },
    claim: (registry) => {
      const state = states.get(originOf(registry));
      if (state.referrersProbing) return false;
      return (state.referrersProbing = true);
    },
    release: (registry) => {
      const state = states.find(originOf(registry));
      if (state) state.referrersProbing = false;
    },
  };
}
