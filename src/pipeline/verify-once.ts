// One verification of one artifact's signatures: list them, verify them under the trust policy
// (or under each of its signer groups, from the one listing), and classify the result. The
// service runs it under its verdict cache (verify-image.ts); the CLI runs it once, without a
// cache, and reports the full account.
import type { Outcome } from '../cache/index.js';
import type { PolicyRequirements, SignerGroup } from '../config/snapshot.types.js';
import {
  repositoryName,
  type CredentialLookup,
  type ImageReference,
  type RegistryClient,
} from '../registry/index.js';
import {
  verifyArtifact,
  verifyGroups,
  type ArtifactOutcome,
  type Descriptor,
  type GroupsOutcome,
  type RevocationChecker,
  type SignatureCandidate,
  type TrustPolicyDocument,
  type TrustStores,
} from '../verify/index.js';
import {
  classifyRegistryError,
  groupsVerdict,
  verdictOf,
  type CachedVerdict,
  type ClassifiedFailure,
} from './verdict.js';

export interface VerifyOnceOptions {
  registry: Pick<RegistryClient, 'signatureCandidates'>;
  ref: ImageReference;
  /** The resolved descriptor, or the digest of a digest reference (bound via each signature's subject). */
  artifact: Descriptor | string;
  /** Selects the statement when no `requirements` are given (notation's way). */
  document: TrustPolicyDocument;
  trustStores: TrustStores;
  signal: AbortSignal;
  /** Absolute ms (same clock as `now`) for every registry call. */
  deadline: number;
  now: () => number;
  /** Credentials asked first for the signatures (a pod's imagePullSecrets). */
  credentials?: CredentialLookup;
  revocation?: RevocationChecker;
  /**
   * Key/value pairs every accepted signature must carry (`notation verify --user-metadata`), on
   * top of what each signer group requires.
   */
  userMetadata?: Readonly<Record<string, string>>;
  /** Signatures evaluated (`--max-signatures`); src/verify's DEFAULT_MAX_SIGNATURES if absent. */
  maxSignatures?: number;
  /**
   * The statement's signer groups (choosePolicy's `requirements`): each judges the one listing
   * under its own trust; absent, the statement `document` selects is the only one.
   */
  requirements?: Pick<PolicyRequirements, 'signers' | 'signersRequired'>;
  /** The signatures when the caller listed the subject's referrers already (one listing each). */
  listSignatures?: () => Promise<SignatureCandidate[]>;
}

/**
 * The full account of one verification and its classified verdict: the verifier's `outcome`
 * (the statement and level, the signature that passed with every validation, logged failures
 * included, why each evaluated candidate failed), each signer group's when the policy has
 * groups, or why a registry error `stopped` it.
 */
export type ImageVerification =
  | { outcome: ArtifactOutcome; verdict: Outcome<CachedVerdict> }
  | { groups: GroupsOutcome; verdict: Outcome<CachedVerdict> }
  | { stopped: ClassifiedFailure; verdict: Outcome<CachedVerdict> };

/** A group with the caller's metadata added (the CLI's `--user-metadata`; the file source has no group metadata). */
function withMetadata(group: SignerGroup, extra: VerifyOnceOptions['userMetadata']): SignerGroup {
  if (extra === undefined || Object.keys(extra).length === 0) return group;
  return { ...group, userMetadata: { ...group.userMetadata, ...extra } };
}

/** The single-statement form: one group, the statement itself (named as it). */
const isSingleStatement = (r: NonNullable<VerifyOnceOptions['requirements']>): boolean =>
  r.signers.length === 1 && r.signers[0]!.name === r.signers[0]!.statement.name;

async function verifyOnce(
  options: VerifyOnceOptions,
  listSignatures: () => Promise<SignatureCandidate[]>,
): Promise<Exclude<ImageVerification, { stopped: unknown }>> {
  const { artifact, requirements, userMetadata } = options;
  const common = {
    repository: repositoryName(options.ref),
    artifact: typeof artifact === 'string' ? { digest: artifact } : artifact,
    trustStores: options.trustStores,
    listSignatures,
    now: new Date(options.now()),
    ...(options.revocation && { revocation: options.revocation }),
    ...(options.maxSignatures !== undefined && { maxSignatures: options.maxSignatures }),
  };
  if (requirements === undefined) {
    const outcome = await verifyArtifact({
      ...common,
      document: options.document,
      ...(userMetadata && Object.keys(userMetadata).length > 0 && { userMetadata }),
    });
    return { outcome, verdict: verdictOf(outcome) };
  }
  const groups = await verifyGroups({
    ...common,
    groups: requirements.signers.map((g) => withMetadata(g, userMetadata)),
    required: requirements.signersRequired,
  });
  if (isSingleStatement(requirements)) {
    const outcome = groups.groups[0]!.outcome;
    return { outcome, verdict: verdictOf(outcome) };
  }
  return { groups, verdict: groupsVerdict(groups) };
}

/**
 * Runs the verifier against the registry. Availability errors (network, deadline, 5xx, 429,
 * refused credentials) become an inconclusive verdict (shared with every coalesced caller, never
 * stored); a content or refused error that still got here is a failed verdict; anything else
 * propagates, so the caller fails closed and nothing is cached.
 */
export async function verifyImageOnce(options: VerifyOnceOptions): Promise<ImageVerification> {
  const { artifact, ref, registry } = options;
  const call = {
    signal: options.signal,
    deadline: options.deadline,
    ...(options.credentials && { credentials: options.credentials }),
  };
  const list = options.listSignatures ?? (() => registry.signatureCandidates(ref, artifact, call));
  try {
    return await verifyOnce(options, list);
  } catch (err) {
    const stopped = classifyRegistryError(err);
    if (stopped === undefined) throw err;
    return { stopped, verdict: { kind: stopped.result, verdict: stopped } };
  }
}
