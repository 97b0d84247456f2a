// The verdict mapping, shared by every caller: what the verifier returned or the registry threw,
// classified as verified (cached until it may no longer be trusted), failed (cached briefly) or
// inconclusive (never cached). Only a registry that could not be asked is inconclusive
// (architecture.md, decision 3): junk it did answer with fails the signature inside src/verify,
// and never reaches a policy's onError.
import type { Outcome } from '../cache/index.js';
import { isRegistryError } from '../registry/index.js';
import type {
  ArtifactOutcome,
  GroupOutcome,
  GroupsOutcome,
  ValidationResult,
} from '../verify/index.js';
import type { DctPass } from './image-verdict.js';
import { joinClauses } from './referrer-verdict.js';

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
      /** Docker Content Trust passed it, not Notation (issue 18, dct.ts). */
      dct?: DctPass;
    }
  | ClassifiedFailure;

/** A verdict that is not a pass: failed (definitive) or inconclusive (the registry was not asked). */
export interface ClassifiedFailure {
  result: 'failed' | 'inconclusive';
  code: string;
  reason: string;
}

/** The verdict of every signature that passed with nothing logged. */
export const CLEAN_VERDICT: CachedVerdict = Object.freeze({
  result: 'verified',
  logged: Object.freeze([]),
});

/** The passing signature's validations that failed but were only logged at the policy's level. */
export function loggedFailures(outcome: ArtifactOutcome): ValidationResult[] {
  return (outcome.signature?.results ?? []).filter(
    (r) => r.action === 'log' && r.error !== undefined,
  );
}

/** What the verifier returned, as the cache keeps it. */
export function verdictOf(outcome: ArtifactOutcome): Outcome<CachedVerdict> {
  if (!outcome.verified) {
    const error = outcome.error!;
    return {
      kind: 'failed',
      verdict: { result: 'failed', code: error.code, reason: error.message },
    };
  }
  const logged = loggedFailures(outcome).map((r) => `${r.type} [${r.error!.code}]`);
  return {
    kind: 'verified',
    verdict: logged.length === 0 ? CLEAN_VERDICT : { result: 'verified', logged },
    validUntil: outcome.signature?.validUntil?.getTime() ?? Infinity,
  };
}

/** A group that did not pass, as its clause reads: `org: <why> [CERT_CHAIN_UNTRUSTED]`. */
function groupClause(g: GroupOutcome): { code: string; reason: string } {
  const error = g.outcome.error;
  if (error) return { code: error.code, reason: `${g.name}: ${error.message}` };
  // None of its signatures could be fetched (a verdict reached without it: it could not pass).
  const failure = classifyRegistryError(g.unavailable);
  if (failure)
    return { code: failure.code, reason: `${g.name}: could not be verified: ${failure.reason}` };
  return { code: 'SIGNATURE_ARTIFACT_INVALID', reason: `${g.name}: no signature passed` };
}

/**
 * The verdict of several signer groups: verified while `required` of them hold (the logged
 * failures of each passing group named by it); else one clause per group that did not pass,
 * in the policy's order, each with its code (the last one's is the verdict's, which the denial
 * appends), after how many passed when only some are required.
 */
export function groupsVerdict(outcome: GroupsOutcome): Outcome<CachedVerdict> {
  const passed = outcome.groups.filter((g) => g.outcome.verified);
  if (outcome.verified) {
    const logged = passed.flatMap((g) =>
      loggedFailures(g.outcome).map((r) => `${g.name}: ${r.type} [${r.error!.code}]`),
    );
    return {
      kind: 'verified',
      verdict: logged.length === 0 ? CLEAN_VERDICT : { result: 'verified', logged },
      validUntil: outcome.validUntil?.getTime() ?? Infinity,
    };
  }
  const { code, reason } = joinClauses(
    outcome.groups.filter((g) => !g.outcome.verified).map(groupClause),
  );
  const some =
    outcome.required < outcome.groups.length
      ? `${passed.length} of the ${outcome.required} required signer groups passed; `
      : '';
  return { kind: 'failed', verdict: { result: 'failed', code, reason: `${some}${reason}` } };
}

/**
 * A registry error, classified: kind `availability` (network, deadline, 5xx, 429, refused
 * credentials) is inconclusive; `content` (it answered with junk or a 404) and `refused` (our
 * own address rules) are definitive failures. Undefined for anything else: a bug, which the
 * caller must fail closed on and never cache.
 */
export function classifyRegistryError(err: unknown): ClassifiedFailure | undefined {
  if (!isRegistryError(err)) return undefined;
  const result = err.kind === 'availability' ? 'inconclusive' : 'failed';
  return { result, code: err.code, reason: err.message };
}
