// TypeScript shapes of the TrustPolicy and TrustStore custom resources; they mirror the schemas in
// charts/notary-admission/crds/. Objects come from the API server, so the compiler still checks
// every value it relies on (a CRD may be older than this code, or its schema edited).
import type {
  TrustStoreType,
  ValidationAction,
  ValidationType,
  VerificationLevel,
} from '../../verify/index.js';
import type { AdmissionAction, OnError } from '../snapshot.types.js';

export const CRD_GROUP = 'notary-admission.dev';
export const CRD_VERSION = 'v1alpha1';
export const CRD_API_VERSION = 'notary-admission.dev/v1alpha1';
export const TRUST_POLICY_PLURAL = 'trustpolicies';
export const TRUST_STORE_PLURAL = 'truststores';

export interface ObjectMeta {
  name: string;
  generation?: number;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
}

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** metav1.LabelSelector: requirements ANDed; empty (or absent) selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** One notation trust policy statement (its `name` is metadata.name) plus admission fields. */
export interface TrustPolicySpec {
  registryScopes: string[];
  signatureVerification: {
    level: VerificationLevel;
    override?: Partial<Record<ValidationType, ValidationAction>>;
    verifyTimestamp?: 'always' | 'afterCertExpiry';
  };
  /** `type:name`, the name being a TrustStore object's; absent for level skip. */
  trustStores?: string[];
  /** `"*"` alone or `x509.subject: <DN>` entries; absent for level skip. */
  trustedIdentities?: string[];
  /** Required signed user metadata (single-statement form; with `signers`, per group). */
  userMetadata?: Record<string, string>;
  /** Several signer groups, each its own trust (then no top-level trustStores, trustedIdentities). */
  signers?: SignerGroupSpec[];
  /** How many of the signer groups must pass (default: all). */
  signersRequired?: number;
  /** Namespaces this policy applies in (absent or empty: all). */
  namespaceSelector?: LabelSelector;
  /** Default Deny (the API server applies it). */
  action?: AdmissionAction;
  /** Default Deny. */
  onError?: OnError;
  /** Default true. */
  mutateDigest?: boolean;
  /** Referrers (SBOMs, scan results …) the image must have, signed by a signer group. */
  requiredReferrers?: { artifactType: string; signer: string; maxAge?: string }[];
  /** What must carry the signatures of a multi-arch image (default Index). */
  signedSubject?: 'Index' | 'EachPlatform' | 'Either';
  /** `os/arch[/variant]` filter for EachPlatform and Either. */
  platforms?: string[];
  /** Docker Content Trust accepted instead of the Notation signature until `until` (issue 18). */
  dct?: DctSpec;
}

/** A TrustPolicy's Docker Content Trust window (src/config/dct.ts). */
export interface DctSpec {
  /** The Notary server's URL (`https://notary.example.com`). */
  server: string;
  /** RFC 3339: from then on DCT no longer counts. */
  until: string;
  /** A TrustStore of type notaryV1Root: the pinned root certificates or public keys. */
  trustStore: string;
  /** The roles whose signatures count (default targets/releases, then targets). */
  roles?: string[];
}

/** One signer group of a TrustPolicy: a notation statement's trust, under the policy's scopes. */
export interface SignerGroupSpec {
  /** A DNS label, named in denials (`org: … [CERT_CHAIN_UNTRUSTED]`). */
  name: string;
  trustStores: string[];
  trustedIdentities: string[];
  /** Default: the policy's signatureVerification. */
  signatureVerification?: TrustPolicySpec['signatureVerification'];
  userMetadata?: Record<string, string>;
}

export interface Condition {
  /** Ready; a TrustPolicy with `dct` also DCTWindowClosing and DCTWindowClosed (issue 18). */
  type: 'Ready' | 'DCTWindowClosing' | 'DCTWindowClosed';
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration: number;
}

export interface TrustPolicyStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** How many signer groups the spec has (for the printer column). */
  signerGroups?: number;
  /** How many signed referrers the spec requires (for the printer column). */
  referrerRequirements?: number;
}

export interface TrustPolicyObject {
  apiVersion: 'notary-admission.dev/v1alpha1';
  kind: 'TrustPolicy';
  metadata: ObjectMeta;
  spec: TrustPolicySpec;
  status?: TrustPolicyStatus;
}

/** A key of a Secret or ConfigMap in the trust namespace (the service's own). */
export interface KeyRef {
  name: string;
  key: string;
}

/** Exactly one of the two. */
export interface CertificateSource {
  secretKeyRef?: KeyRef;
  configMapKeyRef?: KeyRef;
}

export interface TrustStoreSpec {
  /** notation's store types, or notaryV1Root: Docker Content Trust's pinned roots (issue 18). */
  type: TrustStoreType | 'notaryV1Root';
  /** Inline PEM, each entry one or more certificates. */
  certificates?: string[];
  certificatesFrom?: CertificateSource[];
  /**
   * CRLs (PEM or DER) published into the cluster (issue 15): consulted instead of fetching for
   * the CAs they belong to. Keys of Secrets or ConfigMaps in the trust namespace.
   */
  crlsFrom?: CertificateSource[];
}

/** One CRL a TrustStore supplies, as its status lists it. */
export interface CrlStatus {
  /** The CRL's issuer DN. */
  issuer: string;
  /** Lower-case hex SHA-256 of the DER. */
  sha256Fingerprint: string;
  /** RFC 3339. */
  thisUpdate: string;
  /** RFC 3339; past it, the CRL no longer vouches for anything (revocation unknown). */
  nextUpdate?: string;
}

export interface CertificateStatus {
  subject: string;
  /** Lower-case hex SHA-256 of the DER. */
  sha256Fingerprint: string;
  /** RFC 3339. */
  notAfter: string;
}

export interface TrustStoreStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  certificates?: CertificateStatus[];
  /** How many certificates the store holds (for the printer column). */
  certificateCount?: number;
  /** The CRLs of `crlsFrom` (the first 64). */
  crls?: CrlStatus[];
}

export interface TrustStoreObject {
  apiVersion: 'notary-admission.dev/v1alpha1';
  kind: 'TrustStore';
  metadata: ObjectMeta;
  spec: TrustStoreSpec;
  status?: TrustStoreStatus;
}

/** Everything the compiler reads, as the live source's informers hold it. */
export interface ClusterState {
  policies: readonly TrustPolicyObject[];
  stores: readonly TrustStoreObject[];
  /** Secrets of the trust namespace by name: key → decoded bytes. */
  secrets: ReadonlyMap<string, Readonly<Record<string, Uint8Array>>>;
  configMaps: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Namespace name → labels (must include kubernetes.io/metadata.name). */
  namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/**
 * Why an object is (not) Ready. Reasons: Valid | InvalidSpec | TrustStoreNotFound |
 * TrustStoreNotReady | ScopeConflict | CertificateInvalid | CrlInvalid | SourceNotFound.
 */
export interface ObjectVerdict {
  ready: boolean;
  reason: string;
  message: string;
  observedGeneration: number;
}

export type StoreVerdict = ObjectVerdict & {
  certificates: CertificateStatus[];
  /** The CRLs of `crlsFrom`; absent when it names none. */
  crls?: CrlStatus[];
};

export type ReadyReason =
  | 'Valid'
  | 'InvalidSpec'
  | 'TrustStoreNotFound'
  | 'TrustStoreNotReady'
  | 'ScopeConflict'
  | 'CertificateInvalid'
  | 'CrlInvalid'
  | 'SourceNotFound';
