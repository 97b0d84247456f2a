// Every running workload of the cluster, for the background verifier: Pods, and the pod templates
// of Deployments, StatefulSets, DaemonSets, Jobs and CronJobs (ReplicaSets are left out: their
// Deployment carries the same template). One informer per kind, cluster-wide, restarted with
// backoff like the policy source's; each object change is handed on as it arrives.
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { createBackoff, type BackoffOptions } from './backoff.js';
import { REAL_TIMERS } from './debounce.js';
import type { SourceError } from './informers.js';
import { watchResource, type InformerFactory, type WatchedResource } from './informers.js';

export const WORKLOAD_KINDS = [
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** A workload as the watch delivers it (only the fields the verifier reads are typed). */
export interface WorkloadObject extends KubernetesObject {
  spec?: unknown;
}

/** What a workload is, for reports and events. */
export interface WorkloadRef {
  apiVersion: string;
  kind: WorkloadKind;
  namespace: string;
  name: string;
  uid: string;
}

export interface WorkloadWatchOptions {
  kubeConfig: KubeConfig;
  onEvent: (type: 'add' | 'update' | 'delete', kind: WorkloadKind, object: WorkloadObject) => void;
  onError?: (err: SourceError) => void;
  backoff?: BackoffOptions;
  /** Tests: a fake informer. */
  makeInformer?: InformerFactory;
}

export interface WorkloadWatch {
  start(): void;
  /** True once every kind has listed once. */
  synced(): boolean;
  /** Every workload now known, with its kind. */
  list(): { kind: WorkloadKind; object: WorkloadObject }[];
  stop(): Promise<void>;
}

export const API_VERSION: Record<WorkloadKind, string> = {
  Pod: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};

type Lister = () => Promise<KubernetesListObject<WorkloadObject>>;

function listers(kubeConfig: KubeConfig): Record<WorkloadKind, [string, Lister]> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const list = (call: () => Promise<unknown>): Lister => call as Lister;
  return {
    Pod: ['/api/v1/pods', list(() => core.listPodForAllNamespaces())],
    Deployment: ['/apis/apps/v1/deployments', list(() => apps.listDeploymentForAllNamespaces())],
    StatefulSet: ['/apis/apps/v1/statefulsets', list(() => apps.listStatefulSetForAllNamespaces())],
    DaemonSet: ['/apis/apps/v1/daemonsets', list(() => apps.listDaemonSetForAllNamespaces())],
    Job: ['/apis/batch/v1/jobs', list(() => batch.listJobForAllNamespaces())],
    CronJob: ['/apis/batch/v1/cronjobs', list(() => batch.listCronJobForAllNamespaces())],
  };
}

/** `{ apiVersion, kind, namespace, name, uid }` of a watched object, or undefined without them. */
export function workloadRef(kind: WorkloadKind, object: WorkloadObject): WorkloadRef | undefined {
  const { namespace, name, uid } = object.metadata ?? {};
  if (!namespace || !name || !uid) return undefined;
  return { apiVersion: API_VERSION[kind], kind, namespace, name, uid };
}

/** Starts nothing until `start()`. */
export function watchWorkloads(options: WorkloadWatchOptions): WorkloadWatch {
  const all = listers(options.kubeConfig);
  const watches = WORKLOAD_KINDS.map((kind): [WorkloadKind, WatchedResource<WorkloadObject>] => {
    const [path, list] = all[kind];
    return [
      kind,
      watchResource<WorkloadObject>({
        kubeConfig: options.kubeConfig,
        resource: kind,
        path,
        list,
        backoff: createBackoff(options.backoff),
        timers: REAL_TIMERS,
        onChange: () => undefined,
        onEvent: (type, object) => options.onEvent(type, kind, object),
        onError: (err) => options.onError?.(err),
        ...(options.makeInformer && { makeInformer: options.makeInformer }),
      }),
    ];
  });
  return {
    start: () => watches.forEach(([, w]) => w.start()),
    synced: () => watches.every(([, w]) => w.synced()),
    list: () => watches.flatMap(([kind, w]) => w.list().map((object) => ({ kind, object }))),
    stop: async () => {
      await Promise.allSettled(watches.map(([, w]) => w.stop()));
    },
  };
}

/** The workloads as the background verifier consumes them (a fake in the bench). */
export interface WorkloadSource {
  start(onEvent: WorkloadWatchOptions['onEvent']): void;
  synced(): boolean;
  stop(): Promise<void>;
}

/** A WorkloadSource on the cluster: a fresh watch (and fresh lists) at each start. */
export function workloadSource(options: Omit<WorkloadWatchOptions, 'onEvent'>): WorkloadSource {
  let watch: WorkloadWatch | undefined;
  return {
    start(onEvent) {
      void watch?.stop();
      watch = watchWorkloads({ ...options, onEvent });
      watch.start();
    },
    synced: () => watch?.synced() ?? false,
    async stop() {
      const stopping = watch;
      watch = undefined;
      await stopping?.stop();
    },
  };
}
