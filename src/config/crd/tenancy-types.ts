// TypeScript shapes of the namespaced kinds of issue 17 (many teams, one cluster): a team's
// NamespaceTrustPolicy (evaluated in addition to the cluster's TrustPolicy, so it can only add
// denials), its NamespaceTrustStore, and the break-glass TrustPolicyException. They mirror the
// schemas in charts/notary-admission/crds/; the compiler still checks every value it relies on.
import type {
  Condition,
  LabelSelector,
  TrustPolicySpec,
  TrustPolicyStatus,
  TrustStoreStatus,
} from './types.js';

export const NAMESPACE_TRUST_POLICY_PLURAL = 'namespacetrustpolicies';
export const NAMESPACE_TRUST_STORE_PLURAL = 'namespacetruststores';
export const TRUST_POLICY_EXCEPTION_PLURAL = 'trustpolicyexceptions';

/** At most this many of each kind count in one namespace (decision 10); beyond, none does. */
export const MAX_NAMESPACE_POLICIES = 32;
export const MAX_NAMESPACE_STORES = 32;
export const MAX_NAMESPACE_EXCEPTIONS = 32;
/** Images one exception may name. */
export const MAX_EXCEPTED_IMAGES = 16;
/** The cluster-set maximum lifetime of an exception when none is given (`--max-exception-duration`). */
export const DEFAULT_MAX_EXCEPTION_MS = 24 * 3_600_000;

export interface NamespacedMeta {
  name: string;
  namespace: string;
  generation?: number;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
}

/**
 * A TrustPolicy's requirement fields, without what could weaken the cluster's: no
 * namespaceSelector (it applies in its own namespace), no mutateDigest, onError only Deny, no
 * level skip. `trustStores` entries are `type:name` (a cluster TrustStore) or
 * `type:<namespace>/<name>` (a NamespaceTrustStore of the policy's own namespace).
 */
export type NamespaceTrustPolicySpec = Omit<
  TrustPolicySpec,
  'namespaceSelector' | 'mutateDigest' | 'onError'
> & { onError?: 'Deny' };

export interface NamespaceTrustPolicyObject {
  apiVersion: 'notary-admission.dev/v1alpha1';
  kind: 'NamespaceTrustPolicy';
  metadata: NamespacedMeta;
  spec: NamespaceTrustPolicySpec;
  status?: TrustPolicyStatus;
}

/** Inline certificates only: the service reads Secrets of no namespace but its own. */
export interface NamespaceTrustStoreSpec {
  type: 'ca' | 'signingAuthority' | 'tsa';
  certificates: string[];
}

export interface NamespaceTrustStoreObject {
  apiVersion: 'notary-admission.dev/v1alpha1';
  kind: 'NamespaceTrustStore';
  metadata: NamespacedMeta;
  spec: NamespaceTrustStoreSpec;
  status?: TrustStoreStatus;
}

/** One excepted image: by digest (optionally in one repository), or by repository and tag. */
export interface ExceptedImageSpec {
  repository?: string;
  tag?: string;
  digest?: string;
}

export interface TrustPolicyExceptionSpec {
  images: ExceptedImageSpec[];
  /** The Pods (or pod templates) of the namespace it covers, by their labels; `{}`: all. */
  podSelector: LabelSelector;
  reason: string;
  /** RFC 3339; no later than creationTimestamp + the cluster-set maximum. */
  expiresAt: string;
}

export interface TrustPolicyExceptionStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface TrustPolicyExceptionObject {
  apiVersion: 'notary-admission.dev/v1alpha1';
  kind: 'TrustPolicyException';
  metadata: NamespacedMeta;
  spec: TrustPolicyExceptionSpec;
  status?: TrustPolicyExceptionStatus;
}

/** The namespaced objects the tenancy compiler reads, as the informers hold them. */
export interface TenancyState {
  policies: readonly NamespaceTrustPolicyObject[];
  stores: readonly NamespaceTrustStoreObject[];
  exceptions: readonly TrustPolicyExceptionObject[];
}
