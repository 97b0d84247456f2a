import {
  DEFAULT_MAX_SIGNATURES,
  isCallersToClassify,
  listInvalid,
  type SignatureCandidate,
} from './candidates.js';
import { VerificationError } from './errors.js';
import { evaluateInOrder } from './evaluate.js';
import type { RevocationChecker } from './steps.js';
import type { EnvelopeMemo } from './verify-signature.js';
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
  /** Key/value pairs the signed payload's annotations must carry (`--user-metadata`). */
  userMetadata?: Readonly<Record<string, string>>;
  /** Shares each envelope's parse between signer groups (verify-groups.ts sets it). */
  memo?: EnvelopeMemo;
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
  return verifyUnderStatement(policy, options);
}

/** verifyArtifact's options once the statement is known (no document to select from). */
export type StatementOptions = Omit<VerifyArtifactOptions, 'document'>;

/** verifyArtifact under a statement already chosen: the same steps, errors and throws. */
export async function verifyUnderStatement(
  policy: TrustPolicyStatement,
  options: StatementOptions,
): Promise<ArtifactOutcome> {
  const level = policy.signatureVerification.level;
  if (level === 'skip') return { verified: true, policy, level, failures: [] };
  let all: SignatureCandidate[];
  try {
    all = await options.listSignatures();
  } catch (err) {
    if (isCallersToClassify(err)) throw err;
    return listFailed(policy, options.artifact.digest, err);
  }
  const judged = await judgeCandidates(policy, options, all, all.length);
  // Not verified and the registry could not be asked for some signature: unknown, not "no".
  if ('unavailable' in judged) throw judged.unavailable;
  return judged.outcome;
}

/** The outcome of a listing the registry answered with junk (SIGNATURE_LIST_INVALID). */
export function listFailed(
  policy: TrustPolicyStatement,
  digest: string,
  err: unknown,
): ArtifactOutcome {
  const { level } = policy.signatureVerification;
  return { verified: false, policy, level, failures: [], error: listInvalid(digest, err) };
}

/**
 * Judges listed candidates under one statement (not `skip`): `listed` is how many the registry
 * listed (more than `candidates` when a caller capped them already). Never throws for what the
 * registry did: `unavailable` is the first availability error when no signature passed and some
 * could not be fetched (the verdict is then open).
 */
export async function judgeCandidates(
  policy: TrustPolicyStatement,
  options: StatementOptions,
  candidates: readonly SignatureCandidate[],
  listed: number,
): Promise<{ outcome: ArtifactOutcome; unavailable?: unknown }> {
  const level = policy.signatureVerification.level;
  const digest = options.artifact.digest;
  if (listed === 0) {
    const error = new VerificationError(
      'SIGNATURE_NOT_FOUND',
      'retrieval',
      `no signature is associated with ${digest}`,
    );
    return { outcome: { verified: false, policy, level, failures: [], error } };
  }
  const max = options.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  const { passed, failures, unavailable } = await evaluateInOrder(candidates, options, policy, max);
  if (passed) {
    const { results, validUntil } = passed.outcome;
    const signature = { digest: passed.digest, results, ...(validUntil && { validUntil }) };
    return { outcome: { verified: true, policy, level, failures, signature } };
  }
  // Every candidate unavailable: no failure to name; the caller reports the unavailability.
  if (failures.length === 0)
    return { outcome: { verified: false, policy, level, failures }, unavailable: unavailable[0] };
  const error =
    listed > max
      ? new VerificationError(
          'MAX_SIGNATURES_EXCEEDED',
          'retrieval',
          `none of the first ${max} of ${listed} signatures passed: ${summarise(failures).message}`,
        )
      : summarise(failures);
  const outcome: ArtifactOutcome = { verified: false, policy, level, failures, error };
  return unavailable.length > 0 ? { outcome, unavailable: unavailable[0] } : { outcome };
}
