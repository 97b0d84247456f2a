// PolicyReport calls: server-side apply of a namespace's whole report (its result list is atomic,
// so stale results go with each apply), delete, and listing ours (by the managed-by label).
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { abortable } from './abortable.js';
import { httpStatus } from './api-error.js';
import {
  MANAGED_BY,
  REPORT_GROUP,
  REPORT_NAME,
  REPORT_PLURAL,
  REPORT_SOURCE,
  REPORT_VERSION,
} from './policy-reports.js';

const CALL_TIMEOUT_MS = 10_000;
const FIELD_MANAGER = 'notary-admission';

export interface ReportStore {
  /** Creates or replaces `namespace`'s report with this body (reportBody). */
  apply(namespace: string, body: object): Promise<void>;
  /** Deletes `namespace`'s report; a report already gone is fine. */
  remove(namespace: string): Promise<void>;
  /** Our reports (every namespace, or one). */
  list(namespace?: string): Promise<unknown[]>;
}

const base = { group: REPORT_GROUP, version: REPORT_VERSION, plural: REPORT_PLURAL };

/** A ReportStore on the cluster of `kubeConfig`. */
export function policyReportsApi(kubeConfig: KubeConfig): ReportStore {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const bounded = () => abortable(AbortSignal.timeout(CALL_TIMEOUT_MS));
  const labelSelector = `${MANAGED_BY}=${REPORT_SOURCE}`;
  return {
    async apply(namespace, body) {
      const options = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply, bounded());
      await api.patchNamespacedCustomObject(
        { ...base, namespace, name: REPORT_NAME, body, fieldManager: FIELD_MANAGER, force: true },
        options,
      );
    },
    async remove(namespace) {
      try {
        await api.deleteNamespacedCustomObject(
          { ...base, namespace, name: REPORT_NAME },
          bounded(),
        );
      } catch (err) {
        if (httpStatus(err) !== 404) throw err;
      }
    },
    async list(namespace) {
      const list = (
        namespace === undefined
          ? await api.listClusterCustomObject({ ...base, labelSelector }, bounded())
          : await api.listNamespacedCustomObject({ ...base, namespace, labelSelector }, bounded())
      ) as { items?: unknown[] };
      return list.items ?? [];
    },
  };
}
