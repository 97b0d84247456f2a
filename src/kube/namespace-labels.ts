// The labels of a namespace the Namespace informer has not seen yet (it lags a moment behind the
// API server), read with one GET so that a review there is judged by the policies its labels
// select, never by those of an unlabelled namespace. Reads are shared by concurrent reviews,
// cached briefly (the informer catches up meanwhile), and bounded: a flood of reviews naming
// namespaces that do not exist costs at most `maxInFlight` GETs at a time and `maxEntries` of
// memory, and is denied, never admitted.
import type { NamespaceLabels } from '../config/index.js';
import { describeApiError, httpStatus } from './api-error.js';

/** Why a namespace's labels are not known; the message is safe to show in a denial. */
export class NamespaceLookupError extends Error {
  override name = 'NamespaceLookupError';
}

export interface NamespaceLabelsOptions {
  /** One GET of the Namespace; rejects with client-node's ApiException (404: not found). */
  read: (
    namespace: string,
    signal: AbortSignal,
  ) => Promise<{ labels?: Record<string, string> | undefined }>;
  /** How long labels that were read are reused. */
  cacheTtlMs?: number;
  /** How long "not found" is remembered (a Namespace may be created next). */
  missingTtlMs?: number;
  /** Budget of one GET, shared by every review that waits on it. */
  timeoutMs?: number;
  maxEntries?: number;
  /** GETs under way at once; more lookups fail at once (fail closed). */
  maxInFlight?: number;
  now?: () => number;
}

type Outcome = { ok: true; labels: NamespaceLabels } | { ok: false; reason: string; ttl: number };

interface Entry {
  expires: number;
  outcome: Promise<Outcome>;
}

/** Resolves with `fallback` once `signal` aborts, whatever `work` is still doing. */
function until<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  fallback: () => T,
): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve(fallback());
  return new Promise<T>((resolve) => {
    const onAbort = (): void => resolve(fallback());
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** `(namespace, signal?) → labels`, rejecting with a NamespaceLookupError. */
export type NamespaceLabelsLookup = (
  namespace: string,
  signal?: AbortSignal,
) => Promise<NamespaceLabels>;

/** Creates the lookup (policy-source.ts gives it the API client). */
export function createNamespaceLabels(options: NamespaceLabelsOptions): NamespaceLabelsLookup {
  const now = options.now ?? Date.now;
  const ttl = options.cacheTtlMs ?? 5_000;
  const missingTtl = Math.min(options.missingTtlMs ?? 1_000, ttl);
  const timeoutMs = options.timeoutMs ?? 2_000;
  const maxEntries = options.maxEntries ?? 1_000;
  const maxInFlight = options.maxInFlight ?? 16;
  const cache = new Map<string, Entry>();
  let inFlight = 0;

  const failure = (err: unknown, signal: AbortSignal): Outcome => {
    const status = httpStatus(err);
    if (status === 404) return { ok: false, reason: 'not found', ttl: missingTtl };
    if (status !== undefined) return { ok: false, reason: describeApiError(err), ttl: 0 };
    const reason = signal.aborted
      ? 'the API server did not answer in time'
      : 'the API server could not be reached';
    return { ok: false, reason, ttl: 0 };
  };

  function start(namespace: string): Entry {
    const entry = { expires: Infinity } as Entry;
    inFlight++;
    const signal = AbortSignal.timeout(timeoutMs);
    entry.outcome = options
      .read(namespace, signal)
      .then(
        (ns): Outcome => ({ ok: true, labels: Object.freeze({ ...(ns.labels ?? {}) }) }),
        (err: unknown) => failure(err, signal),
      )
      .then((outcome) => {
        inFlight--;
        entry.expires = now() + (outcome.ok ? ttl : outcome.ttl);
        if (entry.expires <= now() && cache.get(namespace) === entry) cache.delete(namespace);
        return outcome;
      });
    cache.delete(namespace);
    cache.set(namespace, entry);
    for (const oldest of cache.keys()) {
      if (cache.size <= maxEntries) break;
      cache.delete(oldest);
    }
    return entry;
  }

  return async (namespace, signal) => {
    let entry = cache.get(namespace);
    if (!entry || entry.expires <= now()) {
      if (inFlight >= maxInFlight)
        throw new NamespaceLookupError(`more than ${maxInFlight} namespace lookups are under way`);
      entry = start(namespace);
    }
    const outcome = await until(entry.outcome, signal, () => ({
      ok: false as const,
      reason: 'the review deadline passed first',
      ttl: 0,
    }));
    if (!outcome.ok) throw new NamespaceLookupError(outcome.reason);
    return outcome.labels;
  };
}
