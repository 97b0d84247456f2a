// The live PolicySource: informers on TrustPolicy, TrustStore, Namespaces and the trust
// namespace's Secrets and ConfigMaps. Every change recompiles the whole cluster view (a burst of
// events is coalesced for at most `debounceMs`) into a new immutable snapshot, then writes the
// objects' status. Until every informer has listed once there is no snapshot (the service is not
// ready); after that a failing informer is restarted with backoff while its last known objects,
// and the snapshot compiled from them, stay in force.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  compileCluster,
  type ClusterState,
  type CompiledCluster,
  type NoMatchAction,
  type PolicySource,
  type Snapshot,
} from '../config/index.js';
import { abortable } from './abortable.js';
import { createBackoff, type BackoffOptions } from './backoff.js';
import { coalesce, REAL_TIMERS, type Timers } from './debounce.js';
import {
  SourceError,
  watchResource,
  type InformerFactory,
  type WatchedResource,
} from './informers.js';
import { createNamespaceLabels, type NamespaceLabelsOptions } from './namespace-labels.js';
import { resources, type Item } from './resources.js';
import { assembleState } from './state.js';
import { createStatusWriter, customObjectsPatch, type PatchStatus } from './status-writer.js';
import { statusWrites } from './statuses.js';

export { SourceError } from './informers.js';

export interface KubernetesSourceOptions {
  kubeConfig: KubeConfig;
  /** The service's own namespace: the only one whose Secrets and ConfigMaps are read. */
  trustNamespace: string;
  noMatch: NoMatchAction;
  now?: () => Date;
  /** Longest wait between a change and its snapshot (events meanwhile are compiled together). */
  debounceMs?: number;
  /** A list, watch, compile or status write failed (the active snapshot stays in force). */
  onError?: (err: SourceError) => void;
  /** A compile succeeded (called even when the revision did not change). */
  onReload?: (snapshot: Snapshot) => void;
  /** Write `status` of TrustPolicy and TrustStore objects; default true. */
  writeStatus?: boolean;
  /** Restart delays of a failed informer or status write; default 1 s doubling to 30 s. */
  backoff?: BackoffOptions;
  /** Reads of namespaces the informer has not seen yet (cache, budget, bounds; tests: `read`). */
  namespaceLookup?: Partial<NamespaceLabelsOptions>;
  /** Tests: fake timers, informers, status patches. */
  timers?: Timers;
  makeInformer?: InformerFactory;
  patchStatus?: PatchStatus;
}

export interface KubernetesSource extends PolicySource {
  /** True once every informer has listed once (then it stays true). */
  ready(): boolean;
  /** Resolves with the first snapshot; rejects if the source is closed before it. */
  whenReady(): Promise<Snapshot>;
  /** Compiles the informers' objects now (no re-list); resolves to the active snapshot. */
  resync(): Promise<Snapshot>;
  /** The same as resync (the file source's name for it). */
  reload(): Promise<Snapshot>;
  namespaceLabels: NonNullable<PolicySource['namespaceLabels']>;
}

/** Calls a caller's callback; its bug must not stop the source. */
function safely<T>(callback: ((value: T) => void) | undefined, value: T): void {
  try {
    callback?.(value);
  } catch {
    // ignored: the source keeps serving the active snapshot
  }
}

/** Starts the informers and returns at once; not ready (no snapshot) until they have listed. */
export function openKubernetesSource(options: KubernetesSourceOptions): KubernetesSource {
  const timers = options.timers ?? REAL_TIMERS;
  const now = options.now ?? (() => new Date());
  const listeners = new Set<(snapshot: Snapshot) => void>();
  let active: Snapshot | undefined;
  let closed = false;
  let latest: { state: ClusterState; compiled: CompiledCluster } | undefined;
  let settle: { resolve(s: Snapshot): void; reject(e: Error): void } | undefined;
  const ready = new Promise<Snapshot>((resolve, reject) => (settle = { resolve, reject }));
  ready.catch(() => undefined);

  const report = (err: SourceError): void => safely(options.onError, err);
  const writer = createStatusWriter({
    patch:
      options.patchStatus ?? customObjectsPatch(options.kubeConfig.makeApiClient(CustomObjectsApi)),
    backoff: createBackoff(options.backoff),
    timers,
    onError: report,
    retry: () => writeStatuses(),
  });
  function writeStatuses(): void {
    if (latest && options.writeStatus !== false && !closed)
      writer.write(statusWrites(latest.state, latest.compiled, now()));
  }

  const compiler = coalesce(() => compile(), options.debounceMs ?? 100, timers);
  const watches: WatchedResource<Item>[] = resources(
    options.kubeConfig,
    options.trustNamespace,
  ).map(([resource, path, list]) =>
    watchResource<Item>({
      kubeConfig: options.kubeConfig,
      resource,
      path,
      list,
      backoff: createBackoff(options.backoff),
      timers,
      onChange: () => compiler.schedule(),
      onError: report,
      ...(options.makeInformer && { makeInformer: options.makeInformer }),
    }),
  );
  const isReady = (): boolean => watches.every((w) => w.synced());
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const namespaceLabels = createNamespaceLabels({
    read: async (name, signal) =>
      (await core.readNamespace({ name }, abortable(signal))).metadata ?? {},
    ...options.namespaceLookup,
  });

  function adopt(next: Snapshot): void {
    const changed = next.revision !== active?.revision;
    if (changed) active = next;
    safely(options.onReload, next);
    if (changed) for (const listener of [...listeners]) safely(listener, next);
    settle?.resolve(next);
    settle = undefined;
  }

  function compile(): void {
    if (closed || !isReady()) return;
    const [policies, stores, namespaces, secrets, configMaps] = watches.map((w) => w.list());
    const state = assembleState({
      policies: policies!,
      stores: stores!,
      namespaces: namespaces!,
      secrets: secrets!,
      configMaps: configMaps!,
    });
    let compiled: CompiledCluster;
    try {
      compiled = compileCluster(state, {
        noMatch: options.noMatch,
        now: now(),
        trustNamespace: options.trustNamespace,
      });
    } catch (err) {
      report(new SourceError('compiling the TrustPolicy and TrustStore objects', err));
      return;
    }
    latest = { state, compiled };
    adopt(compiled.snapshot);
    writeStatuses();
  }

  for (const watch of watches) watch.start();

  const resync = async (): Promise<Snapshot> => {
    if (!isReady()) return ready;
    compiler.cancel();
    compile();
    return active ?? ready;
  };
  return {
    current: () => active,
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    ready: () => active !== undefined,
    whenReady: () => ready,
    namespaceLabels,
    resync,
    reload: resync,
    async close() {
      if (closed) return;
      closed = true;
      compiler.cancel();
      listeners.clear();
      settle?.reject(new Error('the Kubernetes policy source was closed before it was ready'));
      settle = undefined;
      await Promise.allSettled(watches.map((w) => w.stop()));
      await writer.close();
    },
  };
}

/**
 * Starts the informers and resolves once every one has listed and the first snapshot is
 * compiled (the readiness of the service). Errors before that are reported through `onError`
 * and retried; the promise rejects only if the source is closed first.
 */
export async function createKubernetesSource(
  options: KubernetesSourceOptions,
): Promise<KubernetesSource> {
  const source = openKubernetesSource(options);
  await source.whenReady();
  return source;
}
