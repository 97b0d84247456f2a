// The subject step of required referrers: one listing of the subject's referrers serves its
// signatures (the caller's signer groups) and every required referrer, checked in parallel, and
// their verdicts are folded into one.
import type { Outcome } from '../cache/index.js';
import type { RegistryClient } from '../registry/index.js';
import type { Descriptor, SignatureCandidate } from '../verify/index.js';
import { withReferrersVerdict } from './referrer-verdict.js';
import {
  verifyReferrers,
  type ReferrerOutcome,
  type ReferrerRegistry,
  type ReferrerStepOptions,
} from './referrers.js';
import { classifyRegistryError, type CachedVerdict, type ClassifiedFailure } from './verdict.js';

/** The registry calls of the step: one listing, partitioned, candidates from it, each referrer. */
export type ListingRegistry = ReferrerRegistry &
  Pick<RegistryClient, 'listReferrers' | 'candidates'>;

/** What the step needs: the referrer step's options with the subject instead of a listing. */
export interface SubjectStepOptions extends Omit<ReferrerStepOptions, 'listing' | 'registry'> {
  registry: ListingRegistry;
  artifact: Descriptor | string;
}

/**
 * One listing of the subject's referrers serves its signatures (handed to `verifySignatures`,
 * which classifies its own registry errors and never rejects for them) and every required
 * referrer, checked in parallel. Without required referrers it is `verifySignatures()` alone,
 * with the caller's own (artifactType-filtered) listing.
 */
export async function withRequiredReferrers<T extends { verdict: Outcome<CachedVerdict> }>(
  o: SubjectStepOptions,
  verifySignatures: (list?: () => Promise<SignatureCandidate[]>) => Promise<T>,
): Promise<(T & { referrers?: ReferrerOutcome[] }) | Stopped> {
  if (o.requirements.referrers.length === 0) return verifySignatures();
  const listing = o.registry.listReferrers(o.ref, o.artifact, o.call);
  const fromListing = async () => o.registry.candidates(o.ref, (await listing).signatures, o.call);
  // The referrers' chain is the longer one (their manifests and own listings, then each one's
  // signature): started first, it goes out first when the listing arrives.
  const referrers = listing.then((l) => verifyReferrers({ ...o, listing: l }));
  const [signed, referred] = await Promise.allSettled([verifySignatures(fromListing), referrers]);
  if (signed.status === 'rejected') throw signed.reason;
  if (referred.status === 'fulfilled') {
    const verdict = withReferrersVerdict(signed.value.verdict, referred.value);
    return { ...signed.value, verdict, referrers: referred.value };
  }
  // The referrers could not be checked: a definitive failure of the signatures still denies.
  const stopped = classifyRegistryError(referred.reason);
  if (stopped === undefined) throw referred.reason;
  if (signed.value.verdict.kind === 'failed') return signed.value;
  const reason = `the required referrers of ${digestOf(o.artifact)} cannot be checked: ${stopped.reason}`;
  const failure: ClassifiedFailure = { ...stopped, reason };
  return { stopped: failure, verdict: { kind: failure.result, verdict: failure } };
}

type Stopped = { stopped: ClassifiedFailure; verdict: Outcome<CachedVerdict> };

const digestOf = (a: Descriptor | string): string => (typeof a === 'string' ? a : a.digest);
