// One replica at a time: leader election on a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection does it. A candidate takes the Lease when it is free or when its holder has not
// renewed it for a whole lease duration *as this candidate observed it* (local clock from the
// moment it saw the last renewal, so replicas' clocks need not agree); the holder renews every
// retry period and steps down when it could not renew for `renewDeadlineMs`. `stop()` releases
// the Lease (holder cleared), so a graceful hand-over takes one retry period; a crashed holder's
// Lease is taken over within leaseDuration + 2 × retryPeriod.
import { httpStatus } from './api-error.js';
import { microTime } from './events.js';

/** The Lease's spec as this module reads and writes it. */
export interface LeaseRecord {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** The Lease calls (leases-api.ts; tests may fake them). Errors carry the HTTP status. */
export interface LeaseApi {
  /** The Lease and its resourceVersion, or undefined when there is none. */
  read(): Promise<{ spec: LeaseRecord; resourceVersion: string } | undefined>;
  create(spec: LeaseRecord): Promise<void>;
  /** Rejects with a 409 when `resourceVersion` is no longer current. */
  replace(spec: LeaseRecord, resourceVersion: string): Promise<void>;
}

export interface LeaderElectorOptions {
  api: LeaseApi;
  identity: string;
  /** How long a Lease holds without renewal (whole seconds on the wire; default 15 s). */
  leaseDurationMs?: number;
  /** The holder steps down when it could not renew for this long (default 2/3 of the duration). */
  renewDeadlineMs?: number;
  /** Between two attempts to take or renew (default 1/5 of the duration). */
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (err: unknown) => void;
  now?: () => number;
}

export interface LeaderElector {
  start(): void;
  isLeader(): boolean;
  /**
   * Stops trying; when holding the Lease, releases it first (graceful hand-over). With
   * `release: false` it just stops, as a crashed replica would (tests).
   */
  stop(options?: { release?: boolean }): Promise<void>;
}

/** Creates an elector; it does nothing until `start()`. */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  const now = options.now ?? Date.now;
  const seconds = Math.max(1, Math.ceil((options.leaseDurationMs ?? 15_000) / 1000));
  const durationMs = seconds * 1000;
  const renewDeadline = options.renewDeadlineMs ?? Math.floor((durationMs * 2) / 3);
  const retry = options.retryPeriodMs ?? Math.max(100, Math.floor(durationMs / 5));
  let leading = false;
  /** The last attempt took or renewed the Lease (it may not have been acted on yet). */
  let holding = false;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastRenew = 0;
  /** The last record seen and when this replica first saw it (its own clock). */
  let observed: { key: string; at: number } | undefined;

  const report = (err: unknown): void => {
    try {
      options.onError?.(err);
    } catch {
      // a logging callback's bug must not stop the election
    }
  };
  const setLeading = (value: boolean): void => {
    if (leading === value) return;
    leading = value;
    try {
      (value ? options.onStartedLeading : options.onStoppedLeading)();
    } catch (err) {
      report(err);
    }
  };

  /** True when this replica holds the Lease after the attempt. */
  async function attempt(): Promise<boolean> {
    const at = now();
    const current = await options.api.read();
    const mine = (transitions: number, acquired?: string): LeaseRecord => ({
      holderIdentity: options.identity,
      leaseDurationSeconds: seconds,
      acquireTime: acquired ?? microTime(at),
      renewTime: microTime(at),
      leaseTransitions: transitions,
    });
    if (current === undefined) {
      await options.api.create(mine(0));
      return true;
    }
    const { spec } = current;
    const key = JSON.stringify([spec.holderIdentity, spec.renewTime, current.resourceVersion]);
    if (observed?.key !== key) observed = { key, at };
    const holder = spec.holderIdentity ?? '';
    const held = (spec.leaseDurationSeconds ?? seconds) * 1000;
    if (holder !== '' && holder !== options.identity && observed.at + held > at) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (holder === options.identity ? 0 : 1);
    const acquired = holder === options.identity ? spec.acquireTime : undefined;
    await options.api.replace(mine(transitions, acquired), current.resourceVersion);
    return true;
  }

  async function tick(): Promise<void> {
    let ok = false;
    try {
      ok = await attempt();
    } catch (err) {
      // 409: another replica wrote first; it is not an error worth reporting.
      if (httpStatus(err) !== 409) report(err);
    }
    holding = ok;
    if (stopped) return;
    if (ok) {
      lastRenew = now();
      setLeading(true);
    } else if (leading && now() - lastRenew > renewDeadline) setLeading(false);
  }

  function loop(): void {
    if (stopped) return;
    running = tick().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(loop, retry).unref();
    });
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      loop();
    },
    isLeader: () => leading,
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await running;
      if (!holding || stopOptions.release === false) return setLeading(false);
      try {
        const current = await options.api.read();
        if (current?.spec.holderIdentity === options.identity) {
          const release = { ...current.spec, holderIdentity: null, leaseDurationSeconds: 1 };
          await options.api.replace(release, current.resourceVersion);
        }
      } catch (err) {
        report(err);
      }
      setLeading(false);
    },
  };
}
