// What the live source watches: the two cluster-scoped CRDs, every Namespace (for
// namespaceSelector), and the Secrets and ConfigMaps of the trust namespace only.
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import {
  CRD_GROUP,
  CRD_VERSION,
  TRUST_POLICY_PLURAL,
  TRUST_STORE_PLURAL,
} from '../config/index.js';
import type { CoreObject } from './state.js';

/** An object of any watched resource. */
export type Item = KubernetesObject & CoreObject;
type Lister = () => Promise<KubernetesListObject<Item>>;

/** Each watched resource, in the order the source reads them: kind, watch path, list call. */
export function resources(kubeConfig: KubeConfig, ns: string): [string, string, Lister][] {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const crd =
    (plural: string): Lister =>
    async () =>
      (await custom.listClusterCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural,
      })) as KubernetesListObject<Item>;
  const crdPath = (plural: string) => `/apis/${CRD_GROUP}/${CRD_VERSION}/${plural}`;
  const namespace = encodeURIComponent(ns);
  return [
    ['TrustPolicy', crdPath(TRUST_POLICY_PLURAL), crd(TRUST_POLICY_PLURAL)],
    ['TrustStore', crdPath(TRUST_STORE_PLURAL), crd(TRUST_STORE_PLURAL)],
    ['Namespace', '/api/v1/namespaces', () => core.listNamespace()],
    [
      'Secret',
      `/api/v1/namespaces/${namespace}/secrets`,
      () => core.listNamespacedSecret({ namespace: ns }),
    ],
    [
      'ConfigMap',
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => core.listNamespacedConfigMap({ namespace: ns }),
    ],
  ];
}
