// What the referrer step found, per requirement, and how it reads in a denial: one clause per
// requirement that failed, naming its artifact type and signer group, ending in its code.
import type { Outcome } from '../cache/index.js';
import type { ReferrerRequirement } from '../config/snapshot.types.js';
import type { CachedVerdict } from './verdict.js';

/** Codes of a required referrer that did not count (src/webhook/codes/admission.ts). */
export type ReferrerCode =
  'REFERRER_NOT_FOUND' | 'REFERRER_INVALID' | 'REFERRER_TOO_OLD' | 'REFERRER_UNTRUSTED';

export interface ReferrerOutcome {
  requirement: ReferrerRequirement;
  verified: boolean;
  /** The referrer that counted: its digest, signed created time, signature, and until when. */
  passed?: { digest: string; created?: Date; signature: string; validUntil?: Date };
  /** Why each candidate looked at did not count (code: a ReferrerCode). */
  failures: { digest: string; code: ReferrerCode; message: string }[];
  code?: ReferrerCode;
  reason?: string;
}

/** Candidate failures named in one clause (the rest are counted). */
const MAX_NAMED = 2;

const short = (digest: string): string => digest.slice(0, 19);

/** `referrer application/spdx+json signed by org`: the piece a denial names. */
export const pieceOf = (r: ReferrerRequirement): string =>
  `referrer ${r.artifactType} signed by ${r.signer}${r.maxAgeSeconds !== undefined ? ` (maxAge ${r.maxAgeSeconds} s)` : ''}`;

export function referrerFailure(
  requirement: ReferrerRequirement,
  code: ReferrerCode,
  failures: ReferrerOutcome['failures'],
): ReferrerOutcome {
  const named = failures
    .slice(0, MAX_NAMED)
    .map((f) => `${short(f.digest)} ${f.message}`)
    .join('; ');
  const more = failures.length > MAX_NAMED ? ` (and ${failures.length - MAX_NAMED} more)` : '';
  const why =
    code === 'REFERRER_NOT_FOUND'
      ? `the image has no referrer of type ${requirement.artifactType}`
      : `none of its ${requirement.artifactType} referrers counts: ${named}${more}`;
  return {
    requirement,
    verified: false,
    failures,
    code,
    reason: `${pieceOf(requirement)}: ${why}`,
  };
}

/** A requirement that did not hold, as a denial names it (the code apart, for the caller to place). */
export interface ReferrerClause {
  code: ReferrerCode;
  reason: string;
}

/** All requirements together: until when they all hold, or a clause per requirement that failed. */
export function referrersVerdict(
  outcomes: readonly ReferrerOutcome[],
): { verified: true; validUntil?: Date } | { verified: false; failed: ReferrerClause[] } {
  const failed = outcomes.flatMap((o) =>
    o.verified || o.code === undefined ? [] : [{ code: o.code, reason: o.reason ?? '' }],
  );
  if (failed.length > 0) return { verified: false, failed };
  const until = Math.min(...outcomes.map((o) => o.passed?.validUntil?.getTime() ?? Infinity));
  return until === Infinity ? { verified: true } : { verified: true, validUntil: new Date(until) };
}

/**
 * Several failed pieces as one verdict: the code is the last clause's, which the denial appends
 * (in brackets); every other clause keeps its own code inline, so each piece reads with its code.
 */
export function joinClauses(clauses: readonly { code: string; reason: string }[]): {
  code: string;
  reason: string;
} {
  const last = clauses[clauses.length - 1]!;
  const before = clauses.slice(0, -1).map((c) => `${c.reason} [${c.code}]`);
  return { code: last.code, reason: [...before, last.reason].join('; ') };
}

/** A verdict that is not a pass, as a clause (verified cannot reach here). */
const clauseOf = (v: Outcome<CachedVerdict>) =>
  v.verdict.result === 'verified'
    ? { code: 'INTERNAL_ERROR', reason: 'a passing verdict read as a failure' }
    : { code: v.verdict.code, reason: v.verdict.reason };

/**
 * The signatures' verdict with the referrers' folded in: verified while both hold (until the
 * earlier of the two); else failed, a clause per piece that did not hold, when either side
 * failed definitively (even if the other could not be asked: it could not admit the image);
 * else the signatures' own verdict (inconclusive).
 */
export function withReferrersVerdict(
  signatures: Outcome<CachedVerdict>,
  referrers: readonly ReferrerOutcome[],
): Outcome<CachedVerdict> {
  const r = referrersVerdict(referrers);
  if (r.verified) {
    if (signatures.kind !== 'verified') return signatures;
    const until = Math.min(signatures.validUntil, r.validUntil?.getTime() ?? Infinity);
    return { ...signatures, validUntil: until };
  }
  const clauses = [...(signatures.kind === 'verified' ? [] : [clauseOf(signatures)]), ...r.failed];
  const { code, reason } = joinClauses(clauses);
  return { kind: 'failed', verdict: { result: 'failed', code, reason } };
}
