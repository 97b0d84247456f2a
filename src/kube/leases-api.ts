// The Lease calls of the elector (leases.ts) on client-node's coordination.k8s.io/v1 API. Times
// are MicroTime strings, sent as built (see events-api.ts).
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { abortable } from './abortable.js';
import { httpStatus } from './api-error.js';
import { microTime } from './events.js';
import type { LeaseApi, LeaseRecord } from './leases.js';

const CALL_TIMEOUT_MS = 5_000;

/** A LeaseApi for the Lease `namespace/name` on the cluster of `kubeConfig`. */
export function leaseApi(kubeConfig: KubeConfig, namespace: string, name: string): LeaseApi {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  const bounded = () => abortable(AbortSignal.timeout(CALL_TIMEOUT_MS));
  const body = (spec: LeaseRecord, resourceVersion?: string) =>
    ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace, ...(resourceVersion !== undefined && { resourceVersion }) },
      spec,
    }) as unknown as V1Lease;
  return {
    async read() {
      try {
        const lease = await api.readNamespacedLease({ name, namespace }, bounded());
        const spec = (lease.spec ?? {}) as Record<string, unknown>;
        // client-node turns MicroTime into Date objects; the elector compares strings.
        const time = (v: unknown) => (v instanceof Date ? microTime(v.getTime()) : (v as string));
        return {
          spec: {
            ...(spec as LeaseRecord),
            ...(spec['renewTime'] !== undefined && { renewTime: time(spec['renewTime']) }),
            ...(spec['acquireTime'] !== undefined && { acquireTime: time(spec['acquireTime']) }),
          },
          resourceVersion: lease.metadata?.resourceVersion ?? '',
        };
      } catch (err) {
        if (httpStatus(err) === 404) return undefined;
        throw err;
      }
    },
    async create(spec) {
      await api.createNamespacedLease({ namespace, body: body(spec) }, bounded());
    },
    async replace(spec, resourceVersion) {
      await api.replaceNamespacedLease(
        { name, namespace, body: body(spec, resourceVersion) },
        bounded(),
      );
    },
  };
}
