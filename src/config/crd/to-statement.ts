// A TrustPolicy object is one notation trust policy statement (its name is metadata.name) plus
// the admission fields. Both directions are one to one: `toStatement` feeds the verifier's own
// validation, `fromNotationStatement` turns an existing trustpolicy.json into objects.
import type { TrustPolicyDocument, TrustPolicyStatement } from '../../verify/index.js';
import { ADMISSION_ACTIONS, ON_ERROR_ACTIONS } from '../admission.js';
import { ConfigError } from '../errors.js';
import { pickRequirementFields, type RequirementFields } from '../requirements.js';
import { DEFAULT_ADMISSION, type PolicyAdmission } from '../snapshot.types.js';
import { compileSelector, type SelectorResult } from './selector.js';
import { CRD_API_VERSION, type TrustPolicyObject, type TrustPolicySpec } from './types.js';

/** The notation members of a statement besides `name`, in notation's order. */
const STATEMENT_FIELDS = [
  'registryScopes',
  'signatureVerification',
  'trustStores',
  'trustedIdentities',
] as const;

export interface TranslatedPolicy {
  /** The notation statement as the object states it, not yet validated. */
  statement: Record<string, unknown>;
  /** The requirement fields it gives (signers, signersRequired, userMetadata …), unchecked. */
  fields: RequirementFields;
  /** Resolved (defaults filled in); only meaningful when `problems` is empty. */
  admission: PolicyAdmission;
  selector: SelectorResult;
  /** Problems of the admission fields (`spec.action: …`). */
  problems: string[];
}

/** The admission fields the object sets, in the spec's own words. */
export type AdmissionFields = Pick<
  TrustPolicySpec,
  'namespaceSelector' | 'action' | 'onError' | 'mutateDigest'
>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const present = (value: unknown): boolean => value !== undefined && value !== null;

function admissionOf(name: string, spec: Record<string, unknown>) {
  const problems: string[] = [];
  const pick = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = spec[key];
    if (!present(value)) return fallback;
    const found = allowed.find((a) => a === value);
    if (found === undefined)
      problems.push(`spec.${key}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    return found ?? fallback;
  };
  const action = pick('action', ADMISSION_ACTIONS, DEFAULT_ADMISSION.action);
  const onError = pick('onError', ON_ERROR_ACTIONS, DEFAULT_ADMISSION.onError);
  const rawMutate = spec['mutateDigest'];
  if (present(rawMutate) && typeof rawMutate !== 'boolean')
    problems.push('spec.mutateDigest: must be true or false');
  const mutateDigest = typeof rawMutate === 'boolean' ? rawMutate : DEFAULT_ADMISSION.mutateDigest;
  return { admission: { policy: name, action, onError, mutateDigest }, problems };
}

/**
 * Splits a TrustPolicy into its notation statement, requirement fields, admission fields and
 * namespace selector.
 */
export function toStatement(object: TrustPolicyObject): TranslatedPolicy {
  const name = object.metadata.name;
  const spec: Record<string, unknown> = isRecord(object.spec) ? object.spec : {};
  const statement: Record<string, unknown> = { name };
  for (const field of STATEMENT_FIELDS) if (present(spec[field])) statement[field] = spec[field];
  const { admission, problems } = admissionOf(name, spec);
  if (!isRecord(object.spec)) problems.push('spec: must be an object');
  const selector = compileSelector(spec['namespaceSelector']);
  return { statement, fields: pickRequirementFields(spec), admission, selector, problems };
}

/**
 * The TrustPolicy object for a notation statement: the same members under `spec`, the name as
 * metadata.name, plus any admission fields given. An empty `verifyTimestamp` (notation reads it
 * as the default) is left out. A member TrustPolicy has no field for (a blob policy's
 * `globalPolicy`) is refused rather than dropped.
 * @throws ConfigError CONFIG_INVALID
 */
export function fromNotationStatement(
  statement: TrustPolicyStatement | Record<string, unknown>,
  admission: AdmissionFields = {},
): TrustPolicyObject {
  const raw = statement as Record<string, unknown>;
  const known: readonly string[] = ['name', ...STATEMENT_FIELDS];
  const unknown = Object.keys(raw).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const message = `statement ${JSON.stringify(raw['name'])}: ${unknown.join(', ')} cannot be expressed as a TrustPolicy (OCI trust policy statements only)`;
    throw new ConfigError('CONFIG_INVALID', message);
  }
  const spec: Record<string, unknown> = {};
  for (const field of STATEMENT_FIELDS)
    if (present(raw[field])) spec[field] = structuredClone(raw[field]);
  const sv = spec['signatureVerification'];
  if (isRecord(sv) && sv['verifyTimestamp'] === '') delete sv['verifyTimestamp'];
  Object.assign(spec, structuredClone(admission));
  return {
    apiVersion: CRD_API_VERSION,
    kind: 'TrustPolicy',
    metadata: { name: typeof raw['name'] === 'string' ? raw['name'] : '' },
    spec: spec as unknown as TrustPolicySpec,
  };
}

/** One TrustPolicy object per statement of a notation document. @throws ConfigError */
export function fromNotationDocument(document: TrustPolicyDocument): TrustPolicyObject[] {
  return document.trustPolicies.map((statement) => fromNotationStatement(statement));
}
