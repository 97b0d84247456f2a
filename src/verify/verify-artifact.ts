import {
  DEFAULT_MAX_SIGNATURES,
  isCallersToClassify,
  listInvalid,
  type SignatureCandidate,
} from './candidates.js';
import { VerificationError } from './errors.js';
import { evaluateInOrder } from './evaluate.js';
import type { RevocationChecker } from './steps.js';
import {
  selectTrustPolicy,
  type TrustPolicyDocument,
  type TrustPolicyStatement,
} from './trust-policy/index.js';
import type { Descriptor, TrustStores, ValidationResult, VerificationLevel } from './types.js';

export type { SignatureCandidate } from './candidates.js';

/** An artifact known by its digest only (a digest reference that was not resolved). */
export interface ArtifactDigest {
  digest: string;
}

export interface VerifyArtifactOptions {
  /** Fully qualified repository of the image (`registry/namespace/repo`), for scope selection. */
  repository: string;
  /**
   * The artifact: a resolved descriptor, or only the digest of a digest reference. Then each
   * signature is bound to the size and media type its manifest's `subject` gives (no resolve
   * round trip); those are registry-asserted either way, and the digest is what is signed.
   */
  artifact: Descriptor | ArtifactDigest;
  document: TrustPolicyDocument;
  trustStores: TrustStores;
  /**
   * Called only when the policy level is not `skip`: no registry traffic for skipped images.
   * Rejects, like each candidate's `load()`, as RetrievalFailure (candidates.ts) says.
   */
  listSignatures: () => Promise<SignatureCandidate[]>;
  now: Date;
  revocation?: RevocationChecker;
  userMetadata?: Record<string, string>;
  /** At most this many signatures are evaluated (default DEFAULT_MAX_SIGNATURES). */
  maxSignatures?: number;
  /** How many are evaluated at once (default 4). */
  concurrency?: number;
}

export interface ArtifactOutcome {
  verified: boolean;
  /** The statement that governed the artifact; absent when none applies. */
  policy?: TrustPolicyStatement;
  level?: VerificationLevel;
  /** The signature that passed, with its validation results (logged failures become warnings). */
  signature?: { digest: string; results: ValidationResult[]; validUntil?: Date };
  /** Why each evaluated signature failed, when none passed. */
  failures: { digest: string; error: VerificationError }[];
  /** The reason for the verdict when not verified. */
  error?: VerificationError;
}

function summarise(failures: ArtifactOutcome['failures']): VerificationError {
  if (failures.length === 1) return failures[0]!.error;
  const first = failures[0]!.error;
  const detail = failures
    .map((f) => `${f.digest.slice(0, 19)}: ${f.error.message} [${f.error.code}]`)
    .join('; ');
  return new VerificationError(
    first.code,
    first.stage,
    `no signature passed (${failures.length} tried): ${detail}`,
  );
}

/**
 * Verifies an artifact the Notary Project way: select the trust policy by repository, honour
 * `skip` before any registry call, then succeed on the first signature that passes (those whose
 * thumbprint annotation names a trusted certificate are tried first; at most `maxSignatures`).
 *
 * A rejection of `listSignatures` or of a candidate's `load` that says the registry was
 * unavailable is thrown as it is when no signature passed: the result is inconclusive, which the
 * caller must never read as "unsigned" or "verified". A listing refused by our own address rules
 * (`kind: 'refused'`) is thrown as it is too, for the caller to deny with its code. Any other
 * rejection is a failed listing or signature (SIGNATURE_LIST_INVALID, SIGNATURE_ARTIFACT_INVALID),
 * never inconclusive.
 */
export async function verifyArtifact(options: VerifyArtifactOptions): Promise<ArtifactOutcome> {
  const policy = selectTrustPolicy(options.document, options.repository);
  if (!policy) {
    return {
      verified: false,
      failures: [],
      error: new VerificationError(
        'NO_APPLICABLE_POLICY',
        'policy',
        `no trust policy applies to ${options.repository}`,
      ),
    };
  }
  const level = policy.signatureVerification.level;
  if (level === 'skip') return { verified: true, policy, level, failures: [] };
  const digest = options.artifact.digest;
  let all: SignatureCandidate[];
  try {
    all = await options.listSignatures();
  } catch (err) {
    if (isCallersToClassify(err)) throw err;
    return { verified: false, policy, level, failures: [], error: listInvalid(digest, err) };
  }
  if (all.length === 0) {
    const error = new VerificationError(
      'SIGNATURE_NOT_FOUND',
      'retrieval',
      `no signature is associated with ${digest}`,
    );
    return { verified: false, policy, level, failures: [], error };
  }
  const max = options.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  const { passed, failures, unavailable } = await evaluateInOrder(all, options, policy, max);
  if (passed) {
    const { results, validUntil } = passed.outcome;
    return {
      verified: true,
      policy,
      level,
      failures,
      signature: { digest: passed.digest, results, ...(validUntil && { validUntil }) },
    };
  }
  // Not verified and the registry could not be asked for some signature: unknown, not "no".
  if (unavailable.length > 0) throw unavailable[0];
  const error =
    all.length > max
      ? new VerificationError(
          'MAX_SIGNATURES_EXCEEDED',
          'retrieval',
          `none of the first ${max} of ${all.length} signatures passed: ${summarise(failures).message}`,
        )
      : summarise(failures);
  return { verified: false, policy, level, failures, error };
}
