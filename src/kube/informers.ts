// One watched resource: a client-node informer (list, then watch) that marks itself synced after
// its first successful list and, when the list or the watch fails, restarts after a backoff. The
// informer keeps its cache across a restart, so the last known objects stay in force meanwhile.
import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { describeApiError, httpStatus } from './api-error.js';
import type { Backoff } from './backoff.js';
import type { Timers } from './debounce.js';

/** A failed call to the API server (list, watch, status write), retried after `retryInMs`. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  /** What failed: `watching TrustPolicy objects`, `writing the status of TrustStore "x"`. */
  readonly operation: string;
  /** The HTTP status, when the API server answered. */
  readonly status: number | undefined;
  /** Undefined when nothing is retried (the previous snapshot simply stays in force). */
  readonly retryInMs: number | undefined;

  constructor(operation: string, cause: unknown, retryInMs?: number) {
    const retry =
      retryInMs === undefined ? '' : `; retrying in ${Math.round(retryInMs / 100) / 10}s`;
    super(`${operation} failed (${describeApiError(cause)})${retry}`, { cause });
    this.operation = operation;
    this.status = httpStatus(cause);
    this.retryInMs = retryInMs;
  }
}

export type InformerFactory = <T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
) => Informer<T> & ObjectCache<T>;

export interface WatchedResourceOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** The kind, for messages. */
  resource: string;
  /** The watch path (`/api/v1/namespaces`). */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  backoff: Backoff;
  timers: Timers;
  /** Something changed: an object, or a (re)list completed. */
  onChange: () => void;
  /** Each object added, updated or deleted, as the watch delivered it (after `onChange`). */
  onEvent?: (type: 'add' | 'update' | 'delete', object: T) => void;
  onError: (err: SourceError) => void;
  /** Default client-node's makeInformer (tests inject a fake). */
  makeInformer?: InformerFactory;
}

export interface WatchedResource<T> {
  readonly resource: string;
  /** True once a list succeeded (it stays true: the cache is kept through later failures). */
  synced(): boolean;
  /** The objects as last seen. */
  list(): readonly T[];
  start(): void;
  stop(): Promise<void>;
}

/** Starts nothing until `start()`; `stop()` cancels a pending restart and ends the watch. */
export function watchResource<T extends KubernetesObject>(
  options: WatchedResourceOptions<T>,
): WatchedResource<T> {
  const { backoff, timers, resource } = options;
  let synced = false;
  let stopped = true;
  let retry: unknown;

  const list = async (): Promise<KubernetesListObject<T>> => {
    const result = await options.list();
    synced = true;
    backoff.reset();
    // The informer fills its cache right after this resolves; onChange only schedules a compile
    // on a timer, which runs after that.
    options.onChange();
    return result;
  };
  const factory = options.makeInformer ?? makeInformer;
  const informer = factory<T>(options.kubeConfig, options.path, list);

  const run = (): void => {
    informer.start().catch(failed);
  };
  function failed(err: unknown): void {
    if (stopped) return;
    const delay = backoff.next();
    options.onError(new SourceError(`watching ${resource} objects`, err, delay));
    timers.clearTimeout(retry);
    retry = timers.setTimeout(() => {
      retry = undefined;
      if (!stopped) run();
    }, delay);
  }
  const changed =
    (type: 'add' | 'update' | 'delete') =>
    (object: T): void => {
      backoff.reset();
      options.onChange();
      options.onEvent?.(type, object);
    };
  informer.on('add', changed('add'));
  informer.on('update', changed('update'));
  informer.on('delete', changed('delete'));
  informer.on('error', failed);

  return {
    resource,
    synced: () => synced,
    list: () => informer.list(),
    start() {
      if (!stopped) return;
      stopped = false;
      run();
    },
    async stop() {
      stopped = true;
      timers.clearTimeout(retry);
      retry = undefined;
      await informer.stop();
    },
  };
}
