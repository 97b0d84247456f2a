// The policy step, before any registry traffic: which statement governs an image in a namespace,
// and what its admission fields are. An image no statement governs, or whose statement is not
// ready, is decided here (decision 4), with no network I/O at all (T-55).
import type { PolicyAdmission, PolicyRequirements, Snapshot } from '../config/snapshot.types.js';
import { selectTrustPolicy, type TrustPolicyStatement } from '../verify/index.js';
import { NO_POLICY, type ImageInput, type ImageVerdict } from './image-verdict.js';

const UNGOVERNED: Pick<PolicyAdmission, 'policy' | 'onError'> = {
  policy: NO_POLICY,
  onError: 'Deny',
};

/** A verdict the policy step reaches alone: denied (or warned), or let through by noMatch. */
export type PolicyVerdict<I extends ImageInput> = Extract<
  ImageVerdict<I>,
  { kind: 'failed' | 'skipped' }
>;

/** The statement that governs the image (with what it requires), or the image's verdict when none can. */
export type PolicyChoice<I extends ImageInput> =
  | {
      statement: TrustPolicyStatement;
      admission: PolicyAdmission;
      requirements: PolicyRequirements;
    }
  | { verdict: PolicyVerdict<I> };

/** A notation statement and nothing more: one group, itself, all required. */
export function singleStatement(statement: TrustPolicyStatement): PolicyRequirements {
  return {
    signers: [{ name: statement.name, statement }],
    signersRequired: 1,
    referrers: [],
    signedSubject: 'Index',
  };
}

/** An unreadable reference cannot be pulled either: a definitive failure, always denied. */
export function invalidReference<I extends ImageInput>(image: I, err: unknown): ImageVerdict<I> {
  const reason = err instanceof Error ? err.message : 'invalid image reference';
  const admission = { ...UNGOVERNED, action: 'Deny' as const, mutateDigest: false };
  return { kind: 'failed', image, admission, code: 'INVALID_REFERENCE', reason };
}

/** An image governed by no statement: decision 4, default deny. */
function noPolicy<I extends ImageInput>(
  image: I,
  snapshot: Snapshot,
  repository: string,
): PolicyVerdict<I> {
  const admission = { ...UNGOVERNED, mutateDigest: false };
  if (snapshot.noMatch === 'Allow')
    return { kind: 'skipped', image, admission: { ...admission, action: 'Audit' } };
  return {
    kind: 'failed',
    image,
    admission: { ...admission, action: snapshot.noMatch === 'Warn' ? 'Warn' : 'Deny' },
    code: 'NO_APPLICABLE_POLICY',
    reason: `no trust policy applies to ${repository}`,
  };
}

/**
 * The statement of `repository` (in normal form: `repositoryName` of the parsed reference) in
 * `namespace`'s view of the snapshot, or the verdict: a statement the source could not compile
 * for this repository denies (POLICY_NOT_READY), none applies (noMatch).
 */
export function choosePolicy<I extends ImageInput>(
  image: I,
  repository: string,
  view: { snapshot: Snapshot; namespace: string | undefined },
): PolicyChoice<I> {
  const { snapshot, namespace } = view;
  const blocked = snapshot.blocked?.(namespace, repository);
  if (blocked) {
    const admission = {
      ...UNGOVERNED,
      policy: blocked.policy,
      action: 'Deny' as const,
      mutateDigest: false,
    };
    return {
      verdict: {
        kind: 'failed',
        image,
        admission,
        code: 'POLICY_NOT_READY',
        reason: blocked.reason,
      },
    };
  }
  const statement = selectTrustPolicy(snapshot.documentFor(namespace), repository);
  if (!statement) return { verdict: noPolicy(image, snapshot, repository) };
  const requirements = snapshot.requirements?.(statement.name) ?? singleStatement(statement);
  return { statement, admission: snapshot.admission(statement.name), requirements };
}
