// What the live source watches: the two cluster-scoped CRDs, every Namespace (for
// namespaceSelector), the Secrets and ConfigMaps of the trust namespace only, and issue 17's
// namespaced kinds in every namespace.
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
  NAMESPACE_TRUST_POLICY_PLURAL,
  NAMESPACE_TRUST_STORE_PLURAL,
  TRUST_POLICY_EXCEPTION_PLURAL,
  TRUST_POLICY_PLURAL,
  TRUST_STORE_PLURAL,
} from '../config/index.js';
import { httpStatus } from './api-error.js';
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
  /**
   * Issue 17's kinds: every namespace's objects in one list. A CRD not installed yet (404: a
   * chart upgrade that did not apply the new CRDs) holds no object, so it lists as empty; the
   * watch then fails and is retried with backoff until the CRD exists. Any other failure (403:
   * RBAC) keeps the service unready: a team's policy it cannot read could deny more.
   */
  const namespaced =
    (plural: string): Lister =>
    async () => {
      try {
        return (await custom.listCustomObjectForAllNamespaces({
          group: CRD_GROUP,
          version: CRD_VERSION,
          plural,
        })) as KubernetesListObject<Item>;
      } catch (err) {
        if (httpStatus(err) !== 404) throw err;
        return { apiVersion: `${CRD_GROUP}/${CRD_VERSION}`, kind: 'List', metadata: {}, items: [] };
      }
    };
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
    [
      'NamespaceTrustPolicy',
      crdPath(NAMESPACE_TRUST_POLICY_PLURAL),
      namespaced(NAMESPACE_TRUST_POLICY_PLURAL),
    ],
    [
      'NamespaceTrustStore',
      crdPath(NAMESPACE_TRUST_STORE_PLURAL),
      namespaced(NAMESPACE_TRUST_STORE_PLURAL),
    ],
    [
      'TrustPolicyException',
      crdPath(TRUST_POLICY_EXCEPTION_PLURAL),
      namespaced(TRUST_POLICY_EXCEPTION_PLURAL),
    ],
  ];
}
