// What a trust policy statement requires beyond notation's single statement (issue 14), compiled
// into PolicyRequirements from a TrustPolicy spec or a `--config` statement entry: the signer
// groups (signers.ts) and, next to them, the required referrers and subjects.
import type { TrustPolicyStatement } from '../verify/index.js';
import { compileDct } from './dct.js';
import { compileSigners, withoutTrust } from './signers.js';
import type { PolicyRequirements } from './snapshot.types.js';
import { compileSubjectFields, SUBJECT_FIELDS } from './subject-requirements.js';

/** The members that carry requirements, in a TrustPolicy spec and a `policies.<name>` entry. */
export const REQUIREMENT_KEYS = [
  'signers',
  'signersRequired',
  'userMetadata',
  ...SUBJECT_FIELDS,
  'dct',
] as const;

export type RequirementFields = Partial<Record<(typeof REQUIREMENT_KEYS)[number], unknown>>;

/** The requirement members `raw` gives (absent or null ones left out). */
export function pickRequirementFields(raw: Readonly<Record<string, unknown>>): RequirementFields {
  const out: RequirementFields = {};
  for (const key of REQUIREMENT_KEYS)
    if (raw[key] !== undefined && raw[key] !== null) out[key] = raw[key];
  return out;
}

/** With signers, the policy's own trustStores and trustedIdentities are not used. */
export const hasSigners = (fields: RequirementFields): boolean => fields.signers !== undefined;

/** A notation statement and nothing more: one group, itself, all required (notation's meaning). */
export function singleStatement(statement: TrustPolicyStatement): PolicyRequirements {
  return {
    signers: [{ name: statement.name, statement }],
    signersRequired: 1,
    referrers: [],
    signedSubject: 'Index',
  };
}

export interface CompiledRequirements {
  /** The statement for the document: without trust of its own when the groups carry it. */
  statement: TrustPolicyStatement;
  requirements: PolicyRequirements;
  /** `spec.signers[1].trustStores[0]: … [TRUST_STORE_REFERENCE_INVALID]`-style; the policy is unusable unless empty. */
  problems: string[];
}

/**
 * Compiles the requirement fields of a validated statement (with signers: validated with any
 * trust, which the result leaves out). `where` prefixes messages: `spec`, or a config entry.
 */
export function compileRequirements(
  policy: TrustPolicyStatement,
  fields: RequirementFields,
  where: string,
): CompiledRequirements {
  const signers = compileSigners(policy, fields, where);
  const subject = compileSubjectFields(policy, fields, signers, where);
  const rest = {
    signers: signers.signers,
    signersRequired: signers.signersRequired,
    ...subject.fields,
  };
  const dct = compileDct(policy, fields.dct, rest, where);
  return {
    statement: hasSigners(fields) ? withoutTrust(policy) : policy,
    requirements: { ...rest, ...(dct.dct && { dct: dct.dct }) },
    problems: [...signers.problems, ...subject.problems, ...dct.problems],
  };
}
