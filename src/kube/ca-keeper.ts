// The self-managed CA, kept by the one replica that holds its Lease (main-tls.ts starts and stops
// it with the elector): each pass reads the Secret and the webhook configurations' caBundles,
// takes the steps ca-plan.ts lays out until it says wait, and sleeps until then (at most a
// resync period, which also catches a caBundle someone else reverted). Every write is a merge
// patch with the resourceVersion it read, so a second writer (a Lease holder that has not yet
// noticed it lost the Lease) gets a 409 instead of overwriting, and the next pass reads again.
import { X509Certificate } from 'node:crypto';
import { httpStatus } from './api-error.js';
import { createBackoff } from './backoff.js';
import type { Pair, TlsState } from './ca-material.js';
import { planStep, type PlanPolicy, type Step } from './ca-plan.js';

/** The Secret's reads and writes (tls-secret-api.ts). Errors carry the HTTP status. */
export interface TlsSecretStore {
  /** The state and resourceVersion; undefined when the Secret does not exist. */
  read(): Promise<{ state: TlsState; resourceVersion: string } | undefined>;
  /** Patches from `before` to `after`; rejects with 409 when `resourceVersion` moved on. */
  write(before: TlsState, after: TlsState, resourceVersion: string): Promise<void>;
}

/** The named webhook configurations (webhook-patcher.ts). */
export interface CaBundleTargets {
  /** The caBundle (PEM) of every webhook of every named configuration that exists. */
  read(): Promise<string[]>;
  /** Writes `bundle` into every webhook of every named configuration that exists. */
  publish(bundle: string): Promise<void>;
}

/** Certificate building, handed in by the composition root (src/webhook/tls/authority.ts). */
export interface CaIssuer {
  newCa(now: Date, validityMs: number): Promise<Pair>;
  newServing(ca: Pair, names: readonly string[], now: Date, notAfter: Date): Promise<Pair>;
}

export interface CaKeeperOptions extends PlanPolicy {
  store: TlsSecretStore;
  targets: CaBundleTargets;
  issuer: CaIssuer;
  /** The longest sleep between two passes; default 60 s. */
  resyncMs?: number;
  now?: () => number;
  /** Each step taken (for the log). */
  onStep?: (step: Exclude<Step, { kind: 'wait' }>) => void;
  onError?: (err: unknown) => void;
}

export interface CaKeeper {
  start(): void;
  /** Stops after the pass in flight. */
  stop(): Promise<void>;
  /** Runs a pass soon (the Secret changed); a no-op while stopped. */
  poke(): void;
  /** One pass now, without the timer: resolves with when the next is due (tests drive time). */
  reconcile(): Promise<number>;
  /** API writes made (Secret patches and caBundle publications). */
  readonly writes: number;
}

/** A Secret the keeper cannot use (missing: the chart renders it; the service never creates it). */
export class TlsSecretMissingError extends Error {
  override readonly name = 'TlsSecretMissingError';
}

const MAX_STEPS = 8;
const MIN_DELAY_MS = 100;
/** CAs this keeper remembers making (one per rotation; a few cover any pass in flight). */
const MAX_ISSUED = 8;

/** Creates a keeper; it does nothing until `start()`. */
export function createCaKeeper(options: CaKeeperOptions): CaKeeper {
  const now = options.now ?? Date.now;
  const resync = options.resyncMs ?? 60_000;
  const backoff = createBackoff({ initialMs: 1_000, maxMs: 30_000 });
  let stopped = true;
  let writes = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  // Fingerprints of the CAs made here: the plan trusts a CA of the Secret that no caBundle
  // carries yet only when it is one of these (anything else may have been planted).
  const issued = new Set<string>();
  const remember = (ca: Pair): void => {
    issued.add(new X509Certificate(ca.cert).fingerprint256);
    if (issued.size > MAX_ISSUED) issued.delete(issued.values().next().value!);
  };

  const report = (err: unknown): void => {
    try {
      options.onError?.(err);
    } catch {
      // a logging callback's bug must not stop the keeper
    }
  };

  /** The state after `step`; publishes first when the step is a publication. */
  async function apply(step: Exclude<Step, { kind: 'wait' }>, state: TlsState): Promise<TlsState> {
    const at = new Date(now());
    switch (step.kind) {
      case 'new-ca': {
        const ca = await options.issuer.newCa(at, options.caValidityMs);
        remember(ca);
        // A new bundle: not published until the publish step says so.
        const next: TlsState = { ...state, ca, previous: step.previous };
        delete next.bundlePublishedAt;
        return next;
      }
      case 'issue-serving': {
        const notAfter = new Date(at.getTime() + options.certValidityMs);
        const serving = await options.issuer.newServing(state.ca!, options.names, at, notAfter);
        return { ...state, serving, servingIssuedAt: at.getTime() };
      }
      case 'publish':
        await options.targets.publish(step.bundle);
        writes++;
        return { ...state, bundlePublishedAt: now() };
      case 'mark-published':
        return { ...state, bundlePublishedAt: at.getTime() };
      case 'drop-previous':
        return { ...state, previous: step.keep };
    }
  }

  /** Steps until the plan says wait; resolves with when to look again. */
  async function pass(halted: () => boolean): Promise<number> {
    for (let i = 0; i < MAX_STEPS && !halted(); i++) {
      const read = await options.store.read();
      if (!read) throw new TlsSecretMissingError('the TLS Secret does not exist');
      const published = await options.targets.read();
      const step = planStep({ state: read.state, published, issued }, now(), options);
      if (step.kind === 'wait') return step.atMs;
      const next = await apply(step, read.state);
      try {
        await options.store.write(read.state, next, read.resourceVersion);
        writes++;
        options.onStep?.(step);
      } catch (err) {
        if (httpStatus(err) !== 409) throw err; // 409: someone wrote first; read again
      }
    }
    return now();
  }

  function schedule(delayMs: number): void {
    clearTimeout(timer);
    if (stopped) return;
    const delay = Math.min(resync, Math.max(MIN_DELAY_MS, delayMs));
    timer = setTimeout(run, delay).unref();
  }

  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass(() => stopped)
      .then(
        (atMs) => {
          backoff.reset();
          schedule(atMs - now());
        },
        (err: unknown) => {
          report(err);
          schedule(backoff.next());
        },
      )
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      run();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    poke() {
      if (!stopped) schedule(0);
    },
    reconcile: () => pass(() => false),
    get writes() {
      return writes;
    },
  };
}
