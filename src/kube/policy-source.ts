// The live PolicySource: informers on TrustPolicy, TrustStore, Namespaces and the trust
// namespace's Secrets and ConfigMaps. Every change recompiles the whole cluster view (a burst of
// events is coalesced for at most `debounceMs`) into a new immutable snapshot, then writes the
// objects' status. Until every informer has listed once there is no snapshot (the service is not
// ready); after that a failing informer is restarted with backoff while its last known objects,
// and the snapshot compiled from them, stay in force.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  compileCluster,
  DEFAULT_MAX_EXCEPTION_MS,
  nextDctTransition,
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
import { compileTenancyOf, type TenancyCompile } from './tenancy-source.js';
import { tenancyStatusWrites } from './tenancy-statuses.js';

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
  /** Issue 17: the longest a TrustPolicyException may run (`--max-exception-duration`; 24 h). */
  maxExceptionMs?: number;
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
  let latest:
    { state: ClusterState; compiled: CompiledCluster; tenancy: TenancyCompile } | undefined;
  /** Issue 17: the tenancy key of `active` (a change to it is adopted with the same revision). */
  let activeTenancy: string | undefined;
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
      writer.write([
        ...statusWrites(latest.state, latest.compiled, now()),
        ...tenancyStatusWrites(latest.tenancy.state, latest.tenancy.compiled, now()),
      ]);
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

  function adopt(next: Snapshot, tenancy: string): void {
    const changed = next.revision !== active?.revision;
    // A namespace layer or an exception changed alone: reviews must see it (listeners need not).
    if (changed || tenancy !== activeTenancy) [active, activeTenancy] = [next, tenancy];
    safely(options.onReload, next);
    if (changed) for (const listener of [...listeners]) safely(listener, next);
    settle?.resolve(next);
    settle = undefined;
  }

  function compile(): void {
    if (closed || !isReady()) return;
    const [policies, stores, namespaces, secrets, configMaps, ntps, ntss, exceptions] = watches.map(
      (w) => w.list(),
    );
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
    let tenancy: TenancyCompile;
    try {
      tenancy = compileTenancyOf(
        { policies: ntps!, stores: ntss!, exceptions: exceptions! },
        { state, snapshot: compiled.snapshot },
        { now: now(), maxExceptionMs, trustNamespace: options.trustNamespace },
      );
    } catch (err) {
      report(new SourceError('compiling the namespaced trust objects', err));
      return;
    }
    latest = { state, compiled, tenancy };
    adopt(tenancy.snapshot, tenancy.key);
    writeStatuses();
    scheduleExpiry(tenancy.compiled.nextExpiry);
    scheduleDctTransition(state);
  }

  // A TrustPolicy's DCT window conditions change with time alone (issue 18): recompile then,
  // so status says so 14 days before `until` and at it. One timer; at most a day ahead (timers
  // cannot wait longer than 24.8 days, and a day is cheap).
  let dctTimer: unknown;
  function scheduleDctTransition(state: ClusterState): void {
    timers.clearTimeout(dctTimer);
    dctTimer = undefined;
    const next = nextDctTransition(state.policies, now());
    if (next === undefined || closed) return;
    const wait = Math.min(Math.max(next.getTime() - now().getTime(), 0) + 1_000, 86_400_000);
    dctTimer = timers.setTimeout(() => compiler.schedule(), wait);
  }

  // Issue 17: an exception's status says Expired from its instant on (reviews stop honouring it
  // at that instant by themselves): compile again then. At most a day ahead, as above.
  const maxExceptionMs = options.maxExceptionMs ?? DEFAULT_MAX_EXCEPTION_MS;
  let expiryTimer: unknown;
  function scheduleExpiry(at: number | undefined): void {
    timers.clearTimeout(expiryTimer);
    expiryTimer = undefined;
    if (at === undefined || closed) return;
    const wait = Math.min(Math.max(at - now().getTime(), 0) + 1, 86_400_000);
    expiryTimer = timers.setTimeout(() => compiler.schedule(), wait);
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
      timers.clearTimeout(dctTimer);
      timers.clearTimeout(expiryTimer);
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
