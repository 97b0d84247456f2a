// One verification of one digest under one trust policy, classified for the cache: verified
// (stored until it may no longer be trusted), failed (stored briefly), inconclusive (never). Only
// a registry that could not be asked is inconclusive (architecture.md, decision 3): junk it did
// answer with fails the signature inside src/verify and never reaches a policy's onError.
import type { Outcome } from '../cache/index.js';
import { isRegistryError, type ImageReference, type RegistryClient } from '../registry/index.js';
import {
  verifyArtifact,
  type ArtifactOutcome,
  type Descriptor,
  type RevocationChecker,
  type TrustPolicyDocument,
  type TrustStores,
} from '../verify/index.js';

/**
 * What the cache holds: the verdict alone. The digest and policy are in the key, the image's
 * place in the object is the review's, so a clean pass is one shared object (100,000 cached
 * verdicts must stay under 50 MB: bench/README.md).
 */
export type CachedVerdict =
  | {
      result: 'verified';
      /** Validations that failed but were only logged at the policy's level (become warnings). */
      logged: readonly string[];
    }
  | { result: 'failed' | 'inconclusive'; code: string; reason: string };

/** The verdict of every signature that passed with nothing logged. */
export const CLEAN_VERDICT: CachedVerdict = Object.freeze({
  result: 'verified',
  logged: Object.freeze([]),
});

export interface ComputeVerdictOptions {
  registry: Pick<RegistryClient, 'signatureCandidates'>;
  ref: ImageReference;
  /** The resolved descriptor, or the digest of a digest reference (bound via each signature's subject). */
  artifact: Descriptor | string;
  document: TrustPolicyDocument;
  trustStores: TrustStores;
  signal: AbortSignal;
  deadline: number;
  now: () => number;
  revocation?: RevocationChecker;
  maxSignatures?: number;
}

function verified(outcome: ArtifactOutcome): Outcome<CachedVerdict> {
  const signature = outcome.signature;
  const logged = (signature?.results ?? [])
    .filter((r) => r.action === 'log' && r.error !== undefined)
    .map((r) => `${r.type} [${r.error!.code}]`);
  return {
    kind: 'verified',
    verdict: logged.length === 0 ? CLEAN_VERDICT : { result: 'verified', logged },
    validUntil: signature?.validUntil?.getTime() ?? Infinity,
  };
}

/**
 * Runs the verifier against the registry. Availability errors (network, deadline, 5xx, 429,
 * refused credentials) become an inconclusive verdict (shared with every coalesced caller, never
 * stored); a content error that still got here is a failed verdict; anything else propagates, so
 * the caller fails closed and nothing is cached.
 */
export async function computeVerdict(
  options: ComputeVerdictOptions,
): Promise<Outcome<CachedVerdict>> {
  const { artifact, ref, registry } = options;
  const digest = typeof artifact === 'string' ? artifact : artifact.digest;
  const call = { signal: options.signal, deadline: options.deadline };
  try {
    const outcome = await verifyArtifact({
      repository: `${ref.registry}/${ref.repository}`,
      artifact: typeof artifact === 'string' ? { digest } : artifact,
      document: options.document,
      trustStores: options.trustStores,
      listSignatures: () => registry.signatureCandidates(ref, artifact, call),
      now: new Date(options.now()),
      ...(options.revocation && { revocation: options.revocation }),
      ...(options.maxSignatures !== undefined && { maxSignatures: options.maxSignatures }),
    });
    if (outcome.verified) return verified(outcome);
    const error = outcome.error!;
    return {
      kind: 'failed',
      verdict: { result: 'failed', code: error.code, reason: error.message },
    };
  } catch (err) {
    if (!isRegistryError(err)) throw err;
    const result = err.kind === 'availability' ? 'inconclusive' : 'failed';
    return { kind: result, verdict: { result, code: err.code, reason: err.message } };
  }
}
