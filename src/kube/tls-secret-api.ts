// The self-managed TLS Secret through the API: the keeper's read and merge patch (the Lease
// holder), and the watch every replica serves from. The Secret is never created here: RBAC
// cannot limit `create` to one name, so the chart renders it empty and the service only patches
// it (`patch` limited by resourceNames).
import {
  CoreV1Api,
  ListWatch,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Secret,
} from '@kubernetes/client-node';
import { abortable } from './abortable.js';
import { httpStatus } from './api-error.js';
import { createBackoff } from './backoff.js';
import { tlsStatePatch, readTlsState, type TlsState } from './ca-material.js';
import type { TlsSecretStore } from './ca-keeper.js';
import { REAL_TIMERS } from './debounce.js';
import { watchResource, type SourceError } from './informers.js';

const CALL_TIMEOUT_MS = 5_000;
const FIELD_MANAGER = 'notary-admission';

export interface TlsSecretRef {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
}

const stateOf = (secret: V1Secret): TlsState =>
  readTlsState(secret.data, secret.metadata?.annotations);

/** The keeper's store on the Secret `namespace/name`. */
export function tlsSecretStore({ kubeConfig, namespace, name }: TlsSecretRef): TlsSecretStore {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const bounded = () => abortable(AbortSignal.timeout(CALL_TIMEOUT_MS));
  return {
    async read() {
      try {
        const secret = await api.readNamespacedSecret({ name, namespace }, bounded());
        return { state: stateOf(secret), resourceVersion: secret.metadata?.resourceVersion ?? '' };
      } catch (err) {
        if (httpStatus(err) === 404) return undefined;
        throw err;
      }
    },
    async write(before, after, resourceVersion) {
      const { data, annotations } = tlsStatePatch(before, after);
      // The resourceVersion makes the patch conditional: a 409 when another write came between.
      const body = { metadata: { resourceVersion, annotations }, data };
      const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch, bounded());
      await api.patchNamespacedSecret(
        { name, namespace, body, fieldManager: FIELD_MANAGER },
        options,
      );
    },
  };
}

export interface TlsSecretWatchOptions extends TlsSecretRef {
  /** The Secret's state on every change (undefined: deleted or not there). */
  onState: (state: TlsState | undefined) => void;
  onError: (err: SourceError) => void;
}

export interface TlsSecretWatch {
  start(): void;
  stop(): Promise<void>;
}

/** Watches the one Secret (a field selector on its name), restarting with backoff on failure. */
export function watchTlsSecret(options: TlsSecretWatchOptions): TlsSecretWatch {
  const { kubeConfig, namespace, name } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const watched = watchResource<V1Secret>({
    kubeConfig,
    resource: `Secret ${namespace}/${name}`,
    path,
    list: () => core.listNamespacedSecret({ namespace, fieldSelector }),
    backoff: createBackoff(),
    timers: REAL_TIMERS,
    onChange: () => undefined,
    onEvent: (type, secret) => options.onState(type === 'delete' ? undefined : stateOf(secret)),
    onError: options.onError,
    makeInformer: <T extends KubernetesObject>(
      kc: KubeConfig,
      at: string,
      list: () => Promise<KubernetesListObject<T>>,
    ) => new ListWatch<T>(at, new Watch(kc), list, false, undefined, fieldSelector),
  });
  return { start: () => watched.start(), stop: () => watched.stop() };
}
