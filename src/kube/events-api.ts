// The two Event calls of the recorder (events.ts) on client-node's events.k8s.io/v1 API. The body
// is sent as built: client-node would write a Date as three fractional digits, which the API
// server's MicroTime refuses, so times are strings (events.ts `microTime`).
import {
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
  type EventsV1Event,
  type KubeConfig,
} from '@kubernetes/client-node';
import { abortable } from './abortable.js';
import type { EventWriter } from './events.js';

/** Each call gets this long (the recorder writes one at a time; a stuck call must not stall it). */
const CALL_TIMEOUT_MS = 5_000;

/** An EventWriter on the cluster of `kubeConfig`. */
export function eventsApi(kubeConfig: KubeConfig): EventWriter {
  const api = kubeConfig.makeApiClient(EventsV1Api);
  const bounded = () => abortable(AbortSignal.timeout(CALL_TIMEOUT_MS));
  return {
    async create(namespace, event) {
      const body = event as EventsV1Event;
      const created = await api.createNamespacedEvent({ namespace, body }, bounded());
      return created.metadata?.name ?? '';
    },
    async patchSeries(namespace, name, series) {
      const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch, bounded());
      await api.patchNamespacedEvent({ namespace, name, body: { series } }, options);
    },
  };
}
