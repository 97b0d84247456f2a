// One verification of an image against everything its statement requires: the orchestration the
// service runs under its verdict cache (verify-image.ts) and the CLI runs once (cli-verify.ts).
// Each step is a file of its own; this one only says in which order they run.
import type { PolicyRequirements } from '../config/snapshot.types.js';
import { repositoryName, type RegistryClient } from '../registry/index.js';
import type { Descriptor } from '../verify/index.js';
import type { DctContext } from './dct-context.js';
import { withDct, type ComputedVerification } from './dct.js';
import { verifyBySubject } from './platforms.js';
import { withRequiredReferrers, type ListingRegistry } from './referrer-step.js';
import { verifyImageOnce, type VerifyOnceOptions } from './verify-once.js';

/** The registry calls of the referrer and platform steps (a test double may leave them out). */
type StepRegistry = ListingRegistry & Pick<RegistryClient, 'platforms'>;

export interface ComputeOptions extends VerifyOnceOptions {
  /** What the statement requires: choosePolicy's `requirements`. */
  requirements: PolicyRequirements;
  registry: VerifyOnceOptions['registry'] & Partial<StepRegistry>;
  /** Notary clients and TUF state, for a policy that accepts Docker Content Trust (dct.ts). */
  dct?: DctContext;
}

/** The step calls of the registry, bound; one the client lacks fails closed when called. */
function stepRegistry(r: ComputeOptions['registry']): StepRegistry {
  const missing = (name: string) => (): never => {
    throw new Error(`the registry client has no ${name}`);
  };
  return {
    listReferrers: r.listReferrers?.bind(r) ?? missing('listReferrers'),
    candidates: r.candidates?.bind(r) ?? missing('candidates'),
    fetchReferrer: r.fetchReferrer?.bind(r) ?? missing('fetchReferrer'),
    signatureCandidates: r.signatureCandidates.bind(r),
    platforms: r.platforms?.bind(r) ?? missing('platforms'),
  };
}

/**
 * Verifies one image: its subjects (the index, or its platforms: `signedSubject`), then on
 * each, from one listing of its referrers, the signer groups (verify-once.ts) and the required
 * referrers. Never rejects for what the registry did (the steps classify it); anything else
 * propagates for the caller to fail closed.
 */
export async function computeVerification(options: ComputeOptions): Promise<ComputedVerification> {
  const { requirements, ref } = options;
  const registry = stepRegistry(options.registry);
  const call = {
    signal: options.signal,
    deadline: options.deadline,
    ...(options.credentials && { credentials: options.credentials }),
  };
  // On each subject, from its one listing: the signer groups (verify-once.ts) and the required
  // referrers (referrer-step.ts), each signed as its group requires.
  const subject = (artifact: Descriptor | string) =>
    withRequiredReferrers(
      {
        registry,
        ref,
        artifact,
        repository: repositoryName(ref),
        requirements,
        trustStores: options.trustStores,
        now: options.now,
        call,
        ...(options.revocation && { revocation: options.revocation }),
        ...(options.maxSignatures !== undefined && { maxSignatures: options.maxSignatures }),
      },
      (listSignatures) =>
        verifyImageOnce({ ...options, artifact, ...(listSignatures && { listSignatures }) }),
    );
  // The subjects that must carry them (`signedSubject`, `platforms`): the image itself for
  // `Index`, the default, else its platform manifests (platforms.ts). Where that does not pass
  // and the policy still accepts Docker Content Trust, its trust data may (dct.ts).
  return withDct(options, () =>
    verifyBySubject({
      registry,
      ref,
      artifact: options.artifact,
      mode: requirements.signedSubject,
      ...(requirements.platforms && { platforms: requirements.platforms }),
      call,
      verify: subject,
    }),
  );
}
