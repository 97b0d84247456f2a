// One verification of one digest under one trust policy, classified for the cache: verified
// (stored until it may no longer be trusted), failed (stored briefly), inconclusive (never).
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

/** What the cache holds: everything but where the image sits in the object under review. */
export type CachedVerdict =
  | {
      result: 'verified';
      digest: string;
      /** Validations that failed but were only logged at the policy's level (become warnings). */
      logged: string[];
      /** The signature manifest that passed. */
      signature: string;
    }
  | { result: 'failed' | 'inconclusive'; digest: string; code: string; reason: string };

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

function verified(outcome: ArtifactOutcome, digest: string): Outcome<CachedVerdict> {
  const signature = outcome.signature;
  const logged = (signature?.results ?? [])
    .filter((r) => r.action === 'log' && r.error !== undefined)
    .map((r) => `${r.type} [${r.error!.code}]`);
  return {
    kind: 'verified',
    verdict: { result: 'verified', digest, logged, signature: signature?.digest ?? '' },
    validUntil: signature?.validUntil?.getTime() ?? Infinity,
  };
}

/**
 * Runs the verifier against the registry. Registry, network and deadline errors become an
 * inconclusive verdict (shared with every coalesced caller, never stored); anything else
 * propagates, so the caller fails closed and nothing is cached.
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
    if (outcome.verified) return verified(outcome, digest);
    const error = outcome.error!;
    return {
      kind: 'failed',
      verdict: { result: 'failed', digest, code: error.code, reason: error.message },
    };
  } catch (err) {
    if (!isRegistryError(err)) throw err;
    return {
      kind: 'inconclusive',
      verdict: { result: 'inconclusive', digest, code: err.code, reason: err.message },
    };
  }
}
