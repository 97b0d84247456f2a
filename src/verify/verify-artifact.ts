import { VerificationError } from './errors.js';
import type { RevocationChecker } from './steps.js';
import {
  selectTrustPolicy,
  type TrustPolicyDocument,
  type TrustPolicyStatement,
} from './trust-policy/index.js';
import type { Descriptor, TrustStores, ValidationResult, VerificationLevel } from './types.js';
import { verifySignature, type Envelope, type SignatureOutcome } from './verify-signature.js';

/** An artifact known by its digest only (a digest reference that was not resolved). */
export interface ArtifactDigest {
  digest: string;
}

/** One signature found for the artifact; its envelope is fetched only when it is evaluated. */
export interface SignatureCandidate {
  /** Digest of the signature manifest, to name it in results. */
  digest: string;
  load(): Promise<Envelope>;
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
  /** Called only when the policy level is not `skip`: no registry traffic for skipped images. */
  listSignatures: () => Promise<SignatureCandidate[]>;
  now: Date;
  revocation?: RevocationChecker;
  userMetadata?: Record<string, string>;
  /** At most this many signatures are evaluated (default 10). */
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

/** An evaluated candidate: judged, or not judged because its envelope could not be fetched. */
type Evaluation = { outcome: SignatureOutcome } | { unavailable: unknown };

async function evaluate(
  candidate: SignatureCandidate,
  options: VerifyArtifactOptions,
  policy: TrustPolicyStatement,
): Promise<Evaluation> {
  let envelope: Envelope;
  try {
    envelope = await candidate.load();
  } catch (err) {
    // A registry error is inconclusive, never a verdict on the signature: keep it as it is.
    return { unavailable: err };
  }
  const artifact = artifactFor(options.artifact, envelope);
  if (artifact instanceof VerificationError)
    return { outcome: { verified: false, results: [], error: artifact } };
  return { outcome: await verifySignature({ ...options, artifact, envelope, policy }) };
}

/** The descriptor a signature must name: the resolved one, else its manifest's subject of the same digest. */
function artifactFor(
  artifact: Descriptor | ArtifactDigest,
  envelope: Envelope,
): Descriptor | VerificationError {
  if ('mediaType' in artifact && 'size' in artifact) return artifact;
  const subject = envelope.subject;
  if (subject?.digest === artifact.digest) return subject;
  const named = subject ? `names ${subject.digest}` : 'names no subject';
  return new VerificationError(
    'PAYLOAD_MISMATCH',
    'integrity',
    `the signature manifest ${named}, not ${artifact.digest}`,
  );
}

interface Evaluated {
  passed?: { digest: string; outcome: SignatureOutcome };
  failures: ArtifactOutcome['failures'];
  unavailable: unknown[];
}

/** Evaluates candidates with bounded concurrency and resolves as soon as one passes. */
function firstVerified(
  candidates: SignatureCandidate[],
  options: VerifyArtifactOptions,
  policy: TrustPolicyStatement,
): Promise<Evaluated> {
  const result: Evaluated = { failures: [], unavailable: [] };
  const limit = options.concurrency ?? 4;
  let next = 0;
  let running = 0;
  let done = false;
  return new Promise((resolve) => {
    const settle = (candidate: SignatureCandidate, evaluation: Evaluation): void => {
      running--;
      if (done) return;
      if ('unavailable' in evaluation) result.unavailable.push(evaluation.unavailable);
      else if (evaluation.outcome.verified) {
        done = true;
        resolve({ ...result, passed: { digest: candidate.digest, outcome: evaluation.outcome } });
        return;
      } else result.failures.push({ digest: candidate.digest, error: evaluation.outcome.error! });
      if (running === 0 && next >= candidates.length) resolve(result);
      else launch();
    };
    const launch = (): void => {
      while (!done && running < limit && next < candidates.length) {
        const candidate = candidates[next++]!;
        running++;
        void evaluate(candidate, options, policy).then((e) => settle(candidate, e));
      }
    };
    if (candidates.length === 0) resolve(result);
    else launch();
  });
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
 * `skip` before any registry call, then succeed on the first signature that passes.
 *
 * Errors of `listSignatures` and of a candidate's `load` (registry, network, deadline) are
 * thrown as they are when no signature passed: they make the result inconclusive, which the
 * caller must never read as "unsigned" or "verified".
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
  const all = await options.listSignatures();
  if (all.length === 0) {
    const error = new VerificationError(
      'SIGNATURE_NOT_FOUND',
      'retrieval',
      `no signature is associated with ${options.artifact.digest}`,
    );
    return { verified: false, policy, level, failures: [], error };
  }
  const max = options.maxSignatures ?? 10;
  const { passed, failures, unavailable } = await firstVerified(all.slice(0, max), options, policy);
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
  // Not verified and some signature could not even be fetched: the answer is unknown, not "no".
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
