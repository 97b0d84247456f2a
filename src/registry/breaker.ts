import { RegistryError } from './errors.js';

/**
 * A circuit breaker per registry host (reliability.md §2.5, T-17): after `failureThreshold`
 * consecutive failed calls (429, 5xx, a broken connection) the host's circuit opens and every
 * call is refused without touching the network for `coolDownMs` (longer when the registry asked
 * for a longer pause with Retry-After). Then one call is let through as a probe (half-open): its
 * success closes the circuit, its failure opens it again. A storm thus costs the registry
 * `failureThreshold` calls per cool-down instead of one per review. The default of 10 is chosen so
 * a flapping registry does not trip it: failing half its GETs, a quarter of calls still fail
 * after their one retry (retry.ts), and 10 of those in a row are about one in a million.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** How a call ended for the breaker: `neutral` when it says nothing of the host (aborted, unsent). */
export type CallVerdict = 'success' | 'failure' | 'neutral';

export interface BreakerOptions {
  /** Consecutive failed calls that open a host's circuit (default 10). */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before one probe (default 10 s). */
  coolDownMs?: number;
  /** Longest pause a Retry-After may impose on the circuit (default 5 min). */
  maxRetryAfterMs?: number;
  /** Hosts remembered at most (default 1000); the oldest closed ones are forgotten first. */
  maxHosts?: number;
  now: () => number;
  /** Told when a host's circuit changes state (for a metric). */
  onStateChange?: ((host: string, state: BreakerState) => void) | undefined;
}

/** A call admitted through a host's circuit; `done` reports how it ended (once). */
export interface Permit {
  done(verdict: CallVerdict, failure?: FailureInfo): void;
}

/** A failure's status, and the pause (ms) a Retry-After asked for. */
export interface FailureInfo {
  status?: number;
  retryAfterMs?: number;
}

interface Circuit {
  state: BreakerState;
  failures: number;
  /** open: the time the cool-down ends. */
  until: number;
  /** half-open: a probe is under way. */
  probing: boolean;
  /** The status of the last failure, when it was one (429 names the error code). */
  lastStatus: number | undefined;
}

export const BREAKER_DEFAULTS = {
  failureThreshold: 10,
  coolDownMs: 10_000,
  maxRetryAfterMs: 300_000,
  maxHosts: 1000,
} as const;

/** Per-host circuits; `admit` before a call, `Permit.done` after it. */
export class HostBreakers {
  readonly #o: Required<Omit<BreakerOptions, 'onStateChange'>> &
    Pick<BreakerOptions, 'onStateChange'>;
  readonly #circuits = new Map<string, Circuit>();

  constructor(options: BreakerOptions) {
    this.#o = { ...BREAKER_DEFAULTS, ...options };
  }

  /** The host's state now (an open circuit past its cool-down reads half-open). */
  state(host: string): BreakerState {
    const c = this.#circuits.get(host);
    if (!c) return 'closed';
    return c.state === 'open' && this.#o.now() >= c.until ? 'half-open' : c.state;
  }

  /** Lets a call through, or throws a RegistryError without any call when the circuit is open. */
  admit(host: string): Permit {
    const c = this.#circuits.get(host);
    if (c && c.state !== 'closed') {
      if (c.state === 'open' && this.#o.now() >= c.until) this.#set(host, c, 'half-open');
      if (c.state === 'open' || c.probing) throw this.#refusal(host, c);
      c.probing = true;
    }
    let settled = false;
    return {
      done: (verdict, failure) => {
        if (settled) return;
        settled = true;
        this.#record(host, verdict, failure);
      },
    };
  }

  #record(host: string, verdict: CallVerdict, failure?: FailureInfo): void {
    const c = this.#circuits.get(host);
    if (verdict === 'failure') return this.#fail(host, c ?? this.#add(host), failure);
    if (verdict === 'neutral') {
      if (c) c.probing = false;
      return;
    }
    if (c && c.state !== 'closed') this.#o.onStateChange?.(host, 'closed');
    this.#circuits.delete(host);
  }

  /** One more failure: opens the circuit at the threshold, or at once after a failed probe. */
  #fail(host: string, c: Circuit, failure: FailureInfo | undefined): void {
    c.failures++;
    c.lastStatus = failure?.status;
    c.probing = false;
    if (c.state !== 'half-open' && c.failures < this.#o.failureThreshold) return;
    const pause = Math.min(failure?.retryAfterMs ?? 0, this.#o.maxRetryAfterMs);
    c.until = this.#o.now() + Math.max(this.#o.coolDownMs, pause);
    this.#set(host, c, 'open');
  }

  #set(host: string, c: Circuit, state: BreakerState): void {
    if (c.state === state) return;
    c.state = state;
    this.#o.onStateChange?.(host, state);
  }

  #add(host: string): Circuit {
    if (this.#circuits.size >= this.#o.maxHosts) {
      let victim: string | undefined;
      for (const [h, c] of this.#circuits)
        if (c.state === 'closed') {
          victim = h;
          break;
        }
      this.#circuits.delete(victim ?? this.#circuits.keys().next().value!);
    }
    const c: Circuit = {
      state: 'closed',
      failures: 0,
      until: 0,
      probing: false,
      lastStatus: undefined,
    };
    this.#circuits.set(host, c);
    return c;
  }

  #refusal(host: string, c: Circuit): RegistryError {
    const seconds = Math.max(0, Math.ceil((c.until - this.#o.now()) / 1000));
    const when =
      c.state === 'open' ? `for ${seconds} s more` : 'until the probe under way succeeds';
    const why = `${host} failed ${c.failures} calls in a row; not calling it ${when} (circuit open)`;
    return c.lastStatus === 429
      ? new RegistryError('RATE_LIMITED', `${host} is rate limiting: ${why}`, { status: 429 })
      : new RegistryError('NETWORK', `registry unavailable: ${why}`);
  }
}
