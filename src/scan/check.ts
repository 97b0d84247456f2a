// One background verification of one task: within the host's registry budget, in the task's
// namespace view, with the workload's own credentials when `--pull-secrets` is on, through the
// admission pipeline and cache. Resolves to the task's new result and when its verdict ends.
import type { Snapshot } from '../config/index.js';
import type { VerifyImage } from '../pipeline/index.js';
import { parseReference, type CredentialLookup } from '../registry/index.js';
import type { RegistryBudget } from './budget.js';
import { snapshotFor, type NamespaceLookup } from './namespace-view.js';
import type { ObservedCache } from './observed-cache.js';
import { judged, type JudgedImage } from './results.js';
import type { Task } from './tracked.js';
import type { PullIdentity } from './workload-images.js';

export interface CheckParts {
  verify: VerifyImage;
  observed: Pick<ObservedCache<unknown>, 'noting' | 'validUntil'>;
  budget: RegistryBudget;
  timeoutMs: number;
  now: () => number;
  namespaceLabels?: NamespaceLookup;
  credentialsFor?: (
    namespace: string,
    pull: PullIdentity,
    signal: AbortSignal,
  ) => Promise<CredentialLookup | undefined>;
}

export interface Checked {
  judged: JudgedImage;
  /** When the verdict behind it stops holding (undefined: not known, or never). */
  validUntil?: number;
}

/** The registry host of an image, or undefined when the reference does not parse. */
function hostOf(image: string): string | undefined {
  try {
    return parseReference(image).registry;
  } catch {
    return undefined;
  }
}

/** Verifies `task` under `snapshot`; rejects only when `signal` aborts (or on a bug). */
export async function checkTask(
  parts: CheckParts,
  task: Task,
  snapshot: Snapshot,
  signal: AbortSignal,
): Promise<Checked> {
  const host = hostOf(task.image);
  const release = host === undefined ? () => undefined : await parts.budget.acquire(host, signal);
  try {
    const scopeSignal = AbortSignal.any([signal, AbortSignal.timeout(parts.timeoutMs)]);
    const view = await snapshotFor(snapshot, task.namespace, parts.namespaceLabels, scopeSignal);
    if ('unknown' in view)
      return {
        judged: {
          result: 'error',
          policy: '(unknown)',
          code: 'NAMESPACE_UNKNOWN',
          message: `${view.unknown} [NAMESPACE_UNKNOWN]`,
        },
      };
    const credentials = await parts.credentialsFor?.(task.namespace, task.pull, scopeSignal);
    const { value, note } = await parts.observed.noting(() =>
      parts.verify(
        { image: task.image },
        {
          snapshot: view.snapshot,
          namespace: task.namespace,
          signal: scopeSignal,
          deadline: parts.now() + parts.timeoutMs,
          ...(credentials && { credentials }),
        },
      ),
    );
    signal.throwIfAborted();
    const validUntil = parts.observed.validUntil(note);
    return { judged: judged(value), ...(validUntil !== undefined && { validUntil }) };
  } finally {
    release();
  }
}
