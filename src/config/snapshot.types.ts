// The compiled trust configuration the webhook reads on every review: immutable, with a revision
// that changes whenever anything a verdict depends on changes (architecture decision 6).
import type {
  CrlBundle,
  TrustPolicyDocument,
  TrustPolicyStatement,
  TrustStores,
} from '../verify/index.js';

/** What admission does when verification fails definitively (decision 2). */
export type AdmissionAction = 'Deny' | 'Warn' | 'Audit';

/** What admission does when verification is inconclusive (decision 3). */
export type OnError = 'Deny' | 'Allow';

/** What happens to an image no trust policy governs (decision 4). */
export type NoMatchAction = 'Deny' | 'Warn' | 'Allow';

/** The admission fields of one trust policy statement (the TrustPolicy CRD's, or defaults). */
export interface PolicyAdmission {
  /** The statement's name, shown in messages. */
  policy: string;
  action: AdmissionAction;
  onError: OnError;
  /** Whether /mutate pins this policy's tags to digests (default true). */
  mutateDigest: boolean;
}

/** Admission settings of one statement as a config file gives them (all optional). */
export type AdmissionOverrides = Partial<Omit<PolicyAdmission, 'policy'>>;

export const DEFAULT_ADMISSION: Omit<PolicyAdmission, 'policy'> = {
  action: 'Deny',
  onError: 'Deny',
  mutateDigest: true,
};

/**
 * One signer group as src/verify evaluates it: a notation statement of its own (the group's trust
 * stores, identities and level; the policy's scopes; named `<policy>/<group>` for messages).
 */
export interface SignerGroup {
  name: string;
  statement: TrustPolicyStatement;
  /** Key/value pairs every signature of this group must carry in its signed user metadata. */
  userMetadata?: Readonly<Record<string, string>>;
}

/** A referrer (SBOM, scan result …) the image must have, signed by the named group. */
export interface ReferrerRequirement {
  artifactType: string;
  /** A signer group's name (with a single-statement policy: the policy's own name). */
  signer: string;
  /** Counted from the signed referrer manifest's `org.opencontainers.image.created`. */
  maxAgeSeconds?: number;
}

/** What must carry the signatures of a multi-arch image. */
export type SignedSubject = 'Index' | 'EachPlatform' | 'Either';

/**
 * Docker Content Trust (Notary v1) accepted instead of the Notation signature during a migration
 * window (issue 18): the image passes when the Notary server's trust data, from the pinned root
 * through one of `roles`, signs its digest (under its tag when the reference has no digest) —
 * until `until`, after which only Notation counts.
 */
export interface DctAlternative {
  /** The Notary server's origin (`https://notary.example.com`). */
  server: string;
  /** ISO 8601 UTC instant: from then on DCT no longer counts. */
  until: string;
  /** The notaryV1Root trust store's name. */
  trustStore: string;
  /** Its PEM blocks: the pinned root certificates or public keys (never empty once compiled). */
  roots: readonly string[];
  /** The targets roles whose signatures count, in precedence order. */
  roles: readonly string[];
}

/**
 * Everything a statement requires of an image beyond notation's single statement (issue 14). A
 * notation statement with nothing more compiles to one group named after the statement, all
 * groups required, no referrers, `Index`: exactly what it meant before.
 */
export interface PolicyRequirements {
  /** At least one. */
  signers: readonly SignerGroup[];
  /** 1..signers.length (default: all of them). */
  signersRequired: number;
  referrers: readonly ReferrerRequirement[];
  signedSubject: SignedSubject;
  /** `os/arch[/variant]` filter for EachPlatform and Either (absent: every platform). */
  platforms?: readonly string[];
  /** Docker Content Trust accepted instead of the signers' Notation signature, in a window. */
  dct?: DctAlternative;
}

export interface Snapshot {
  /**
   * Hex SHA-256 over the canonical policy document, the admission settings and the DER of every
   * trust store certificate: part of every cache key.
   */
  readonly revision: string;
  /** Where it came from, for logs (`file:/etc/notation/trustpolicy.json`). */
  readonly source: string;
  /** The trust policy statements that apply in `namespace` (the file source ignores it). */
  documentFor(namespace: string | undefined): TrustPolicyDocument;
  readonly trustStores: TrustStores;
  /**
   * CRLs supplied to the cluster (`--crl-bundle`, TrustStore `crlsFrom`; issue 15): consulted
   * instead of fetching for the CAs they belong to. Covered by `revision`.
   */
  readonly crls?: CrlBundle;
  /** The admission fields of the statement named `policy` (defaults when none were given). */
  admission(policy: string): PolicyAdmission;
  /**
   * What the statement named `policy` requires (issue 14). Covered by `revision`. Undefined (or
   * a snapshot without the method) means the single-statement meaning: one group, the statement.
   */
  requirements?(policy: string): PolicyRequirements | undefined;
  readonly noMatch: NoMatchAction;
  /**
   * A policy that would govern `repository` in `namespace` but is not active (invalid, naming a
   * missing store, overlapping another): its images are denied, never left to another policy.
   * The file source never has one (an invalid file is refused whole).
   */
  blocked?(namespace: string | undefined, repository: string): BlockedPolicy | undefined;
  /**
   * Kubernetes source: true when which policies apply in `namespace` depends on its labels and
   * this snapshot does not know them (the Namespace informer has not seen it yet). The review
   * then reads them (`PolicySource.namespaceLabels`) and judges with `withNamespace`; it never
   * takes such a namespace for an unlabelled one.
   */
  needsNamespace?(namespace: string): boolean;
  /** This snapshot with `namespace` known to carry `labels` (the same revision). */
  withNamespace?(namespace: string, labels: NamespaceLabels): Snapshot;
  /**
   * Issue 17: the namespace layer of `namespace`, its NamespaceTrustPolicies compiled as a
   * snapshot of their own (statements named `<namespace>/<name>`, a revision of its own), which
   * every image admitted there must pass as well; undefined when it has none. Not covered by
   * `revision`: a team's edit never invalidates the cluster's or another namespace's verdicts.
   */
  namespaceLayer?(namespace: string): Snapshot | undefined;
  /**
   * Issue 17: the TrustPolicyExceptions of `namespace` that were valid when compiled; each one's
   * expiry is checked on every review, never cached. Not covered by `revision`.
   */
  exceptions?(namespace: string): readonly PolicyException[];
}

/** One image a TrustPolicyException names: by digest (in any or one repository), or repository and tag. */
export interface ExceptedImage {
  /** In normal form; absent only with a digest (then any repository). */
  repository?: string;
  tag?: string;
  digest?: string;
}

/** A break-glass TrustPolicyException (issue 17), compiled. */
export interface PolicyException {
  namespace: string;
  name: string;
  uid?: string;
  images: readonly ExceptedImage[];
  /** Whether it covers a Pod (or a pod template) with these labels. */
  covers(labels: NamespaceLabels): boolean;
  reason: string;
  /** Epoch ms: from this instant on it applies no more. */
  expiresAt: number;
}

/** A namespace's labels as the API server has them. */
export type NamespaceLabels = Readonly<Record<string, string>>;

/** Why a policy is out of the active set, for the denial message. */
export interface BlockedPolicy {
  policy: string;
  reason: string;
}

/** Where snapshots come from (files now, TrustPolicy / TrustStore objects with the CRD issue). */
export interface PolicySource {
  /** The active snapshot; undefined until the first load succeeded (the service is not ready). */
  current(): Snapshot | undefined;
  /** Called after every successful reload with the new snapshot; returns an unsubscribe. */
  onChange(listener: (snapshot: Snapshot) => void): () => void;
  close(): Promise<void>;
  /**
   * Kubernetes source: the labels of a namespace, read from the API server for a review in a
   * namespace the informer has not seen yet (cached briefly, shared, bounded). Rejects with a
   * NamespaceLookupError whose message is safe to show.
   */
  namespaceLabels?(namespace: string, signal?: AbortSignal): Promise<NamespaceLabels>;
}
