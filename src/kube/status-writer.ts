// Writes TrustPolicy / TrustStore status through the status subresource (JSON merge patch with
// the object's resourceVersion as a precondition, so a status computed from an older object never
// lands on a newer one). One batch at a time; a batch that arrives meanwhile replaces any waiting
// one. A conflict or a deleted object is ignored: the watch brings the newer object, which is
// compiled and written again. Other failures are reported and retried after a backoff.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { CRD_GROUP, CRD_VERSION } from '../config/index.js';
import type {
  NAMESPACE_TRUST_POLICY_PLURAL,
  NAMESPACE_TRUST_STORE_PLURAL,
  TRUST_POLICY_EXCEPTION_PLURAL,
  TRUST_POLICY_PLURAL,
  TRUST_STORE_PLURAL,
} from '../config/index.js';
import { httpStatus } from './api-error.js';
import type { Backoff } from './backoff.js';
import type { Timers } from './debounce.js';
import { SourceError } from './informers.js';

export type StatusPlural =
  | typeof TRUST_POLICY_PLURAL
  | typeof TRUST_STORE_PLURAL
  // issue 17's namespaced kinds
  | typeof NAMESPACE_TRUST_POLICY_PLURAL
  | typeof NAMESPACE_TRUST_STORE_PLURAL
  | typeof TRUST_POLICY_EXCEPTION_PLURAL;

/** One status to write. */
export interface StatusWrite {
  plural: StatusPlural;
  /** The object's namespace (issue 17's kinds); absent for the cluster-scoped ones. */
  namespace?: string | undefined;
  name: string;
  /** The object's resourceVersion the status was computed from (the precondition). */
  resourceVersion: string | undefined;
  /** The object's status now (its top-level keys missing from `status` are removed). */
  current: unknown;
  status: object;
}

/** Sends one merge patch of the status subresource (injectable for tests). */
export type PatchStatus = (write: StatusWrite, body: object) => Promise<void>;

export interface StatusWriterOptions {
  patch: PatchStatus;
  backoff: Backoff;
  timers: Timers;
  onError: (err: SourceError) => void;
  /** Called after a backoff when a write failed, to write the statuses of the current objects. */
  retry: () => void;
}

export interface StatusWriter {
  /** Writes these statuses (after any batch in flight). */
  write(batch: readonly StatusWrite[]): void;
  /** Resolves when nothing is being written. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const KIND: Record<StatusPlural, string> = {
  trustpolicies: 'TrustPolicy',
  truststores: 'TrustStore',
  namespacetrustpolicies: 'NamespaceTrustPolicy',
  namespacetruststores: 'NamespaceTrustStore',
  trustpolicyexceptions: 'TrustPolicyException',
};

/** `plural/name` or `plural/namespace/name`: one key per object. */
const keyOf = (w: StatusWrite): string =>
  w.namespace === undefined ? `${w.plural}/${w.name}` : `${w.plural}/${w.namespace}/${w.name}`;

/** The merge patch body: the new status, with null for keys the old one has and it lacks. */
export function statusPatch(write: StatusWrite): object {
  const status: Record<string, unknown> = {};
  const current = write.current;
  if (typeof current === 'object' && current !== null && !Array.isArray(current))
    for (const key of Object.keys(current)) status[key] = null;
  Object.assign(status, write.status);
  if (write.resourceVersion === undefined) return { status };
  return { metadata: { resourceVersion: write.resourceVersion }, status };
}

/** client-node's status PATCH with `application/merge-patch+json`. */
export function customObjectsPatch(api: CustomObjectsApi): PatchStatus {
  const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return async (write, body) => {
    const target = {
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: write.plural,
      name: write.name,
    };
    if (write.namespace === undefined)
      await api.patchClusterCustomObjectStatus({ ...target, body }, options);
    else
      await api.patchNamespacedCustomObjectStatus(
        { ...target, namespace: write.namespace, body },
        options,
      );
  };
}

/** A serial writer of status batches. */
export function createStatusWriter(options: StatusWriterOptions): StatusWriter {
  const { timers, backoff } = options;
  let waiting: readonly StatusWrite[] | undefined;
  let running: Promise<void> | undefined;
  let retry: unknown;
  let closed = false;
  /** The delay before the retry of the current drain, taken at its first failure. */
  let delay: number | undefined;
  /**
   * `plural/name` → the resourceVersion the last successful write was computed from: until the
   * watch delivers the object it changed, a recompile would only write the same status again.
   */
  const written = new Map<string, string>();

  async function writeOne(write: StatusWrite): Promise<void> {
    const key = keyOf(write);
    if (write.resourceVersion !== undefined && written.get(key) === write.resourceVersion) return;
    try {
      await options.patch(write, statusPatch(write));
      if (write.resourceVersion !== undefined) written.set(key, write.resourceVersion);
    } catch (err) {
      const status = httpStatus(err);
      // 409: the object changed since; 404: it is gone. The watch says what is true now.
      if (status === 409 || status === 404 || closed) return;
      delay ??= backoff.next();
      const shown = write.namespace === undefined ? write.name : `${write.namespace}/${write.name}`;
      const what = `writing the status of ${KIND[write.plural]} "${shown}"`;
      options.onError(new SourceError(what, err, delay));
    }
  }

  async function drain(): Promise<void> {
    delay = undefined;
    while (waiting !== undefined && !closed) {
      const batch = waiting;
      waiting = undefined;
      for (const write of batch) if (!closed) await writeOne(write);
    }
    running = undefined;
    if (closed) return;
    if (delay === undefined) backoff.reset();
    else {
      timers.clearTimeout(retry);
      retry = timers.setTimeout(() => options.retry(), delay);
    }
  }

  return {
    write(batch) {
      if (closed || batch.length === 0) return;
      waiting = batch;
      running ??= drain();
    },
    idle: async () => {
      while (running) await running;
    },
    async close() {
      closed = true;
      timers.clearTimeout(retry);
      await running;
    },
  };
}
