// Evaluating the signature candidates of one artifact: the trusted-thumbprint ones first, with
// bounded concurrency, until one passes. Every promise is handled and nothing here rejects but a
// bug in the bookkeeping itself, which fails the whole verification (closed, never cached).
import {
  artifactInvalid,
  isUnavailable,
  orderCandidates,
  trustedThumbprints,
  type SignatureCandidate,
} from './candidates.js';
import { VerificationError } from './errors.js';
import type { TrustPolicyStatement } from './trust-policy/index.js';
import type { Descriptor } from './types.js';
import type { ArtifactDigest, ArtifactOutcome, StatementOptions } from './verify-artifact.js';
import { verifySignature, type Envelope, type SignatureOutcome } from './verify-signature.js';

/** An evaluated candidate: judged, or not judged because the registry could not be asked. */
type Evaluation = { outcome: SignatureOutcome } | { unavailable: unknown };

const failed = (error: VerificationError): Evaluation => ({
  outcome: { verified: false, results: [], error },
});

/** Never rejects: whatever goes wrong fails this candidate, unless the registry was unavailable. */
async function evaluate(
  candidate: SignatureCandidate,
  options: StatementOptions,
  policy: TrustPolicyStatement,
): Promise<Evaluation> {
  let envelope: Envelope;
  try {
    envelope = await candidate.load();
  } catch (err) {
    // Decision 3: only "could not ask" is inconclusive; what the registry answered is judged.
    return isUnavailable(err)
      ? { unavailable: err }
      : failed(artifactInvalid(candidate.digest, err));
  }
  const artifact = artifactFor(options.artifact, envelope);
  if (artifact instanceof VerificationError) return failed(artifact);
  try {
    return { outcome: await verifySignature({ ...options, artifact, envelope, policy }) };
  } catch (err) {
    return failed(unexpected(candidate.digest, err));
  }
}

/** verifySignature throwing (it should turn every failure into an outcome): fail closed. */
function unexpected(digest: string, err: unknown): VerificationError {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new VerificationError(
    'ENVELOPE_MALFORMED',
    'integrity',
    `signature ${digest} could not be evaluated: ${message.slice(0, 200)}`,
    { cause: err },
  );
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

export interface Evaluated {
  passed?: { digest: string; outcome: SignatureOutcome };
  failures: ArtifactOutcome['failures'];
  unavailable: unknown[];
}

/** Evaluates candidates with bounded concurrency and resolves as soon as one passes. */
function firstVerified(
  candidates: readonly SignatureCandidate[],
  options: StatementOptions,
  policy: TrustPolicyStatement,
): Promise<Evaluated> {
  const result: Evaluated = { failures: [], unavailable: [] };
  const limit = options.concurrency ?? 4;
  let next = 0;
  let running = 0;
  let done = false;
  return new Promise((resolve, reject) => {
    const settle = (candidate: SignatureCandidate, evaluation: Evaluation): void => {
      running--;
      if (done) return;
      if ('unavailable' in evaluation) result.unavailable.push(evaluation.unavailable);
      else if (evaluation.outcome.verified) {
        done = true;
        resolve({ ...result, passed: { digest: candidate.digest, outcome: evaluation.outcome } });
        return;
      } else {
        const error =
          evaluation.outcome.error ?? unexpected(candidate.digest, 'failed without a reason');
        result.failures.push({ digest: candidate.digest, error });
      }
      if (running === 0 && next >= candidates.length) resolve(result);
      else launch();
    };
    const launch = (): void => {
      while (!done && running < limit && next < candidates.length) {
        const candidate = candidates[next++]!;
        running++;
        // evaluate never rejects; should settle itself throw, the whole call fails (closed).
        evaluate(candidate, options, policy)
          .then((e) => settle(candidate, e))
          .catch((err: unknown) => {
            done = true;
            reject(err instanceof Error ? err : new Error(String(err)));
          });
      }
    };
    if (candidates.length === 0) resolve(result);
    else launch();
  });
}

/** The trusted-thumbprint candidates first; the rest only when none of those passed. */
export async function evaluateInOrder(
  all: readonly SignatureCandidate[],
  options: StatementOptions,
  policy: TrustPolicyStatement,
  max: number,
): Promise<Evaluated> {
  const trusted = trustedThumbprints(policy, options.trustStores);
  const { preferred, others } = orderCandidates(all, trusted, max);
  const first = await firstVerified(preferred, options, policy);
  if (first.passed || others.length === 0) return first;
  const rest = await firstVerified(others, options, policy);
  return {
    ...(rest.passed && { passed: rest.passed }),
    failures: [...first.failures, ...rest.failures],
    unavailable: [...first.unavailable, ...rest.unavailable],
  };
}
