// Required signed referrers (issue 14, item 3): for each requirement of the statement, a referrer
// of the image of that artifactType (an SBOM, a scan result …) whose own Notation signature the
// named signer group accepts, optionally no older than a maximum age. Everything is read from
// the image's one referrers listing and from each candidate's manifest fetched by digest: the
// manifest is what the referrer's signature signs, so its subject and created time are believed,
// the listing's descriptors (registry-asserted) only order the candidates.
import type {
  PolicyRequirements,
  ReferrerRequirement,
  SignerGroup,
} from '../config/snapshot.types.js';
import {
  CREATED_ANNOTATION,
  isRegistryError,
  parseCreated,
  type CallOptions,
  type FetchedReferrer,
  type ImageReference,
  type ReferrerDescriptor,
  type ReferrerListing,
  type RegistryClient,
} from '../registry/index.js';
import {
  DEFAULT_MAX_SIGNATURES,
  verifyGroups,
  type RevocationChecker,
  type SignatureCandidate,
  type TrustStores,
} from '../verify/index.js';
import { referrerFailure, type ReferrerCode, type ReferrerOutcome } from './referrer-verdict.js';

export type { ReferrerCode, ReferrerOutcome } from './referrer-verdict.js';

/**
 * Referrers of one required type looked at per image (decision 10: anyone who can push to the
 * repository can list more). Each costs two requests before any signature (its manifest and its
 * own signature listing, in parallel). Four, taken newest first by the listing's created
 * annotation — the distribution spec has registries copy a manifest's annotations into the
 * listing, and oras writes it into the tag schema's index — leaves room for a re-scan or two
 * behind the newest; a junk flood claiming to be newer can push the real one out, which fails
 * closed (as a signature flood does).
 */
export const MAX_REFERRER_CANDIDATES = 4;

/** A signed created time further ahead than this is not believed (clock skew allowed). */
export const CREATED_SKEW_MS = 5 * 60_000;

export type ReferrerRegistry = Pick<RegistryClient, 'fetchReferrer' | 'signatureCandidates'>;

/** What the subject step needs besides: one listing, partitioned, and candidates from it. */
export type ListingRegistry = ReferrerRegistry &
  Pick<RegistryClient, 'listReferrers' | 'candidates'>;

export interface ReferrerStepOptions {
  registry: ReferrerRegistry;
  ref: ImageReference;
  /** Fully qualified repository (scope selection of each group's statement). */
  repository: string;
  /** The image's one listing of referrers (`RegistryClient.listReferrers`). */
  listing: ReferrerListing;
  requirements: Pick<PolicyRequirements, 'referrers' | 'signers'>;
  trustStores: TrustStores;
  now: () => number;
  call: CallOptions;
  revocation?: RevocationChecker;
  /** Signatures evaluated per requirement, across its candidates (default DEFAULT_MAX_SIGNATURES). */
  maxSignatures?: number;
}

interface Candidate {
  listed: ReferrerDescriptor;
  referrer: FetchedReferrer;
  signatures: Promise<SignatureCandidate[]>;
}

const listedTime = (d: ReferrerDescriptor): number =>
  parseCreated(d.annotations?.[CREATED_ANNOTATION])?.getTime() ?? -Infinity;

/** Newest first by the unsigned listing hint, registry order otherwise; at most the cap. */
export function pickCandidates(listed: readonly ReferrerDescriptor[]): ReferrerDescriptor[] {
  return listed
    .map((d, i) => ({ d, i, t: listedTime(d) }))
    .sort((a, b) => b.t - a.t || a.i - b.i)
    .slice(0, MAX_REFERRER_CANDIDATES)
    .map((x) => x.d);
}

const isUnavailable = (err: unknown): boolean =>
  isRegistryError(err) && err.kind === 'availability';

/** Why a candidate does not count for its age, or undefined when it does. */
function ageProblem(r: FetchedReferrer, maxAgeSeconds: number | undefined, now: number) {
  if (maxAgeSeconds === undefined) return undefined;
  const created = r.created?.getTime();
  if (created === undefined) return `has no signed ${CREATED_ANNOTATION} (RFC 3339) for maxAge`;
  if (created > now + CREATED_SKEW_MS)
    return `was created in the future (${r.created!.toISOString()})`;
  if (created + maxAgeSeconds * 1000 <= now)
    return `was created ${r.created!.toISOString()}, more than ${maxAgeSeconds} s ago (maxAge)`;
  return undefined;
}

function expiryOf(r: FetchedReferrer, req: ReferrerRequirement, signed: Date | undefined) {
  const aged =
    req.maxAgeSeconds === undefined ? Infinity : r.created!.getTime() + req.maxAgeSeconds * 1000;
  const until = Math.min(aged, signed?.getTime() ?? Infinity);
  return until === Infinity ? undefined : new Date(until);
}

/** Fetches each picked candidate's manifest and lists its signatures, in parallel. */
async function fetchCandidates(o: ReferrerStepOptions, picked: readonly ReferrerDescriptor[]) {
  const candidates: Candidate[] = [];
  const failures: ReferrerOutcome['failures'] = [];
  const unavailable: unknown[] = [];
  await Promise.all(
    picked.map(async (listed) => {
      const signatures = o.registry.signatureCandidates(o.ref, listed.digest, o.call);
      signatures.catch(() => undefined); // judged by verifyGroups, or never needed
      try {
        candidates.push({
          listed,
          referrer: await o.registry.fetchReferrer(o.ref, listed, o.call),
          signatures,
        });
      } catch (err) {
        if (isUnavailable(err)) unavailable.push(err);
        else if (isRegistryError(err))
          failures.push({ digest: listed.digest, code: 'REFERRER_INVALID', message: err.message });
        else throw err;
      }
    }),
  );
  const newest = (c: Candidate) => c.referrer.created?.getTime() ?? -Infinity;
  candidates.sort((a, b) => newest(b) - newest(a));
  return { candidates, failures, unavailable };
}

/** What judging one candidate came to, and how many signatures it spent. */
type Judged =
  | { passed: NonNullable<ReferrerOutcome['passed']>; spent: number }
  | { failure: ReferrerOutcome['failures'][number]; spent: number }
  | { unavailable: unknown; spent: number };

/** One fresh candidate's own signatures under the named group, within `budget`. */
async function judgeCandidate(
  o: ReferrerStepOptions,
  at: { req: ReferrerRequirement; group: SignerGroup; now: number; budget: number },
  c: Candidate,
): Promise<Judged> {
  const digest = c.listed.digest;
  try {
    const result = await verifyGroups({
      repository: o.repository,
      artifact: c.referrer.descriptor,
      trustStores: o.trustStores,
      listSignatures: () => c.signatures,
      now: new Date(at.now),
      maxSignatures: at.budget,
      groups: [at.group],
      required: 1,
      ...(o.revocation && { revocation: o.revocation }),
    });
    const outcome = result.groups[0]!.outcome;
    const spent = outcome.failures.length + (outcome.verified ? 1 : 0);
    if (result.verified) {
      const validUntil = expiryOf(c.referrer, at.req, result.validUntil);
      const signature = outcome.signature?.digest ?? '';
      const created = c.referrer.created;
      return {
        passed: {
          digest,
          signature,
          ...(created && { created }),
          ...(validUntil && { validUntil }),
        },
        spent,
      };
    }
    const error = outcome.error;
    const message = error ? `${error.message} [${error.code}]` : 'no signature passed';
    return { failure: { digest, code: 'REFERRER_UNTRUSTED', message }, spent };
  } catch (err) {
    if (!isRegistryError(err)) throw err;
    if (isUnavailable(err)) return { unavailable: err, spent: 1 };
    const message = `${err.message} [${err.code}]`;
    return { failure: { digest, code: 'REFERRER_UNTRUSTED', message }, spent: 1 };
  }
}

/** One requirement: its candidates, newest first by their signed created time, until one passes. */
async function checkRequirement(
  o: ReferrerStepOptions,
  req: ReferrerRequirement,
): Promise<ReferrerOutcome> {
  const group = o.requirements.signers.find((g) => g.name === req.signer);
  // The compiler refuses a requirement naming no group: reaching here is a bug, failed closed.
  if (group === undefined)
    throw new Error(`required referrer names unknown signer group ${req.signer}`);
  const listed = o.listing.artifacts.get(req.artifactType) ?? [];
  if (listed.length === 0) return referrerFailure(req, 'REFERRER_NOT_FOUND', []);
  const { candidates, failures, unavailable } = await fetchCandidates(o, pickCandidates(listed));
  const now = o.now();
  let budget = o.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  for (const c of candidates) {
    const old = ageProblem(c.referrer, req.maxAgeSeconds, now);
    if (old !== undefined) {
      failures.push({ digest: c.listed.digest, code: 'REFERRER_TOO_OLD', message: old });
      continue;
    }
    if (budget <= 0) break;
    const judged = await judgeCandidate(o, { req, group, now, budget }, c);
    budget -= judged.spent;
    if ('passed' in judged)
      return { requirement: req, verified: true, passed: judged.passed, failures };
    if ('failure' in judged) failures.push(judged.failure);
    else unavailable.push(judged.unavailable);
  }
  // Nothing passed; a candidate the registry could not give might have: unknown, not "no".
  if (unavailable.length > 0) throw unavailable[0];
  return referrerFailure(req, worstCode(failures), failures);
}

/** The code of the candidate that got furthest: untrusted, else too old, else invalid. */
function worstCode(failures: ReferrerOutcome['failures']): ReferrerCode {
  for (const code of ['REFERRER_UNTRUSTED', 'REFERRER_TOO_OLD'] as const)
    if (failures.some((f) => f.code === code)) return code;
  return 'REFERRER_INVALID';
}

/**
 * Checks every required referrer of the statement against the image's one listing, the
 * requirements in parallel. Throws an availability RegistryError when nothing passed for a
 * requirement and some candidate could not be fetched or verified for that reason (the verdict
 * is then inconclusive); anything that is not a RegistryError propagates (fail closed).
 */
export function verifyReferrers(o: ReferrerStepOptions): Promise<ReferrerOutcome[]> {
  return Promise.all(o.requirements.referrers.map((req) => checkRequirement(o, req)));
}
