// Several signer groups over one artifact (issue 14): the signatures are listed once, each
// candidate's envelope is fetched and read at most once whichever groups evaluate it, and every
// group judges the shared candidates under its own statement (stores, identities, level) and
// required user metadata, in parallel. The image passes when at least `required` groups do.
import {
  DEFAULT_MAX_SIGNATURES,
  isCallersToClassify,
  pooledCandidates,
  trustedThumbprints,
  type SignatureCandidate,
} from './candidates.js';
import { VerificationError, type FailureStage } from './errors.js';
import type { TrustPolicyStatement } from './trust-policy/index.js';
import {
  judgeCandidates,
  listFailed,
  verifyUnderStatement,
  type ArtifactOutcome,
  type StatementOptions,
} from './verify-artifact.js';
import type { Envelope, EnvelopeMemo } from './verify-signature.js';

/** One signer group as the verifier sees it: a notation statement of its own. */
export interface SignerGroupStatement {
  name: string;
  statement: TrustPolicyStatement;
  /** Key/value pairs every signature of this group must carry in its signed user metadata. */
  userMetadata?: Readonly<Record<string, string>>;
}

export interface VerifyGroupsOptions extends Omit<StatementOptions, 'userMetadata'> {
  /** At least one, names unique. */
  groups: readonly SignerGroupStatement[];
  /** How many groups must pass: 1..groups.length. */
  required: number;
}

/** One group's account; `unavailable` when none of its signatures passed and some could not be fetched. */
export interface GroupOutcome {
  name: string;
  outcome: ArtifactOutcome;
  unavailable?: unknown;
}

export interface GroupsOutcome {
  verified: boolean;
  required: number;
  /** Every group, in the policy's order. */
  groups: GroupOutcome[];
  /** Until when the verdict holds: while `required` of the passing groups' signatures do. */
  validUntil?: Date;
}

/** How far a failed signature got under a group: past its trust store, past its identities too. */
function reach(error: VerificationError): number {
  if (error.code === 'IDENTITY_UNTRUSTED') return 1;
  const later: readonly FailureStage[] = ['expiry', 'authenticTimestamp', 'revocation', 'metadata'];
  return later.includes(error.stage) ? 2 : 0;
}

/**
 * A group's reason names the failure of the signature that came closest to passing (its own
 * signer's, with the wrong metadata or expired), wherever the registry listed it: other groups'
 * signatures fail every group's trust store first, which would say nothing about this one.
 */
function closest(outcome: ArtifactOutcome): ArtifactOutcome {
  const best = outcome.failures.reduce<(typeof outcome.failures)[number] | undefined>(
    (top, f) => (reach(f.error) > (top ? reach(top.error) : 0) ? f : top),
    undefined,
  );
  if (!best || outcome.failures.length === 1) return outcome;
  const others = outcome.failures.length - 1;
  const error = new VerificationError(
    best.error.code,
    best.error.stage,
    `${best.error.message} (${others} other signature${others === 1 ? '' : 's'} failed too)`,
    { cause: best.error },
  );
  return { ...outcome, error };
}

/** A candidate whose `load()` runs once, however many groups ask for its envelope. */
function loadOnce(candidate: SignatureCandidate): SignatureCandidate {
  let loaded: Promise<Envelope> | undefined;
  return { ...candidate, load: () => (loaded ??= candidate.load()) };
}

/** The instant `required` of the passing groups still hold until (the required-th latest). */
function heldUntil(passed: readonly GroupOutcome[], required: number): Date | undefined {
  const times = passed
    .map((g) => g.outcome.signature?.validUntil?.getTime() ?? Infinity)
    .sort((a, b) => b - a);
  const until = times[required - 1];
  return until === undefined || until === Infinity ? undefined : new Date(until);
}

/** A `skip` group passes without a signature (the policy compiler refuses one; kept notation's). */
const skipped = (g: SignerGroupStatement): GroupOutcome => ({
  name: g.name,
  outcome: { verified: true, policy: g.statement, level: 'skip', failures: [] },
});

const checkGroups = (options: VerifyGroupsOptions): void => {
  const { groups, required } = options;
  if (
    groups.length === 0 ||
    !Number.isInteger(required) ||
    required < 1 ||
    required > groups.length
  )
    throw new RangeError(`required must be 1..${groups.length} signer groups (got ${required})`);
};

/**
 * Verifies the artifact under several signer groups. With one group it is exactly
 * verifyUnderStatement (verifyArtifact without the selection). Rejections of `listSignatures`
 * and `load()` mean what RetrievalFailure says; an availability error is thrown only when it
 * could change the verdict: fewer than `required` groups passed, and the groups whose signatures
 * could not all be fetched would make up the difference. Otherwise the verdict is definitive.
 */
export async function verifyGroups(options: VerifyGroupsOptions): Promise<GroupsOutcome> {
  checkGroups(options);
  const { groups, required } = options;
  if (groups.length === 1) {
    const [only] = groups as [SignerGroupStatement];
    const outcome = await verifyUnderStatement(only.statement, withMetadata(options, only));
    const validUntil = outcome.signature?.validUntil;
    return {
      verified: outcome.verified,
      required,
      groups: [{ name: only.name, outcome }],
      ...(validUntil && { validUntil }),
    };
  }
  const judged = groups.filter((g) => g.statement.signatureVerification.level !== 'skip');
  const results = judged.length === 0 ? groups.map(skipped) : await judgeGroups(options, judged);
  const passed = results.filter((g) => g.outcome.verified);
  if (passed.length >= required) {
    const validUntil = heldUntil(passed, required);
    return { verified: true, required, groups: results, ...(validUntil && { validUntil }) };
  }
  const open = results.filter((g) => !g.outcome.verified && g.unavailable !== undefined);
  if (passed.length + open.length >= required) throw open[0]!.unavailable;
  return { verified: false, required, groups: results };
}

const withMetadata = (options: VerifyGroupsOptions, group: SignerGroupStatement) => {
  const { userMetadata } = group;
  const has = userMetadata !== undefined && Object.keys(userMetadata).length > 0;
  return { ...options, ...(has && { userMetadata }) };
};

/** Lists once, pools the candidates under one cap, and judges every group against the pool. */
async function judgeGroups(
  options: VerifyGroupsOptions,
  judged: readonly SignerGroupStatement[],
): Promise<GroupOutcome[]> {
  const digest = options.artifact.digest;
  const byName = new Map<string, GroupOutcome>();
  let all: SignatureCandidate[] | undefined;
  try {
    all = await options.listSignatures();
  } catch (err) {
    if (isCallersToClassify(err)) throw err;
    for (const g of judged)
      byName.set(g.name, { name: g.name, outcome: listFailed(g.statement, digest, err) });
  }
  if (all !== undefined) {
    const max = options.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
    const trusted = judged.map((g) => trustedThumbprints(g.statement, options.trustStores));
    // One cap for all groups: the distinct envelopes loaded stay within `max`.
    const pool = pooledCandidates(all, trusted, max).map(loadOnce);
    const memo: EnvelopeMemo = new WeakMap();
    const listed = all.length;
    const outcomes = await Promise.all(
      judged.map((g) =>
        judgeCandidates(g.statement, { ...withMetadata(options, g), memo }, pool, listed),
      ),
    );
    judged.forEach((g, i) => {
      const { outcome, unavailable } = outcomes[i]!;
      const named = { name: g.name, outcome: closest(outcome) };
      byName.set(g.name, unavailable === undefined ? named : { ...named, unavailable });
    });
  }
  return options.groups.map((g) => byName.get(g.name) ?? skipped(g));
}
