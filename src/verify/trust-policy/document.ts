// The OCI trust policy document (trust-store-trust-policy.md §"OCI Trust Policy"), validated the
// way notation-go validates it (oci.go Validate, trustpolicy.go validatePolicyCore) and stricter
// where noted. Any problem makes the whole document unusable, as in notation-go.
import { PolicyError, type ValidationType } from '../errors.js';
import type { TrustStoreType, ValidationAction, VerificationLevel } from '../types.js';
import { checkTrustedIdentities } from './identity.js';
import { checkSignatureVerification } from './levels.js';
import { checkRegistryScopes, duplicateScopeErrors, GLOBAL_SCOPE } from './scope.js';

export interface SignatureVerification {
  level: VerificationLevel;
  override?: Partial<Record<ValidationType, ValidationAction>>;
  verifyTimestamp?: 'always' | 'afterCertExpiry';
}

export interface TrustPolicyStatement {
  name: string;
  registryScopes: string[];
  signatureVerification: SignatureVerification;
  /** `type:name` references, de-duplicated; empty for level skip. */
  trustStores: string[];
  /** `"*"` alone, or `x509.subject: <DN>` entries; empty for level skip. */
  trustedIdentities: string[];
}

export interface TrustPolicyDocument {
  version: '1.0';
  trustPolicies: TrustPolicyStatement[];
}

const STATEMENT_KEYS = [
  'name',
  'registryScopes',
  'signatureVerification',
  'trustStores',
  'trustedIdentities',
];
const STORE_TYPES: readonly TrustStoreType[] = ['ca', 'signingAuthority', 'tsa'];
const STORE_NAME = /^[a-zA-Z0-9_.-]+$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isEmpty = (value: unknown): boolean =>
  value === undefined || value === null || (Array.isArray(value) && value.length === 0);

// notation-go's decoder ignores unknown members (and matches names case-insensitively). Here an
// unknown member is an error: a misspelt `Override` or a blob policy's `globalPolicy` would
// otherwise be silently dropped. No valid notation e2e policy has one.
function unknownMembers(object: Record<string, unknown>, allowed: string[], path: string) {
  return Object.keys(object)
    .filter((key) => !allowed.includes(key))
    .map(
      (key) => new PolicyError('POLICY_MALFORMED', path ? `${path}.${key}` : key, 'unknown member'),
    );
}

function checkTrustStores(raw: unknown, path: string): PolicyError[] {
  const bad = (message: string, at = path) =>
    new PolicyError('TRUST_STORE_REFERENCE_INVALID', at, message);
  if (isEmpty(raw)) return [bad('at least one trust store ("type:name") is required')];
  if (!Array.isArray(raw)) return [new PolicyError('POLICY_MALFORMED', path, 'must be an array')];
  return raw.flatMap((ref: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof ref !== 'string')
      return [new PolicyError('POLICY_MALFORMED', at, 'must be a string')];
    const colon = ref.indexOf(':');
    const type = ref.slice(0, Math.max(colon, 0));
    const name = ref.slice(colon + 1);
    if (colon < 0)
      return [bad(`"${ref}" must be "type:name" (type ca, signingAuthority or tsa)`, at)];
    if (!STORE_TYPES.includes(type as TrustStoreType)) {
      return [bad(`unknown trust store type "${type}" (expected ca, signingAuthority or tsa)`, at)];
    }
    if (!STORE_NAME.test(name))
      return [bad(`trust store name "${name}" must match [a-zA-Z0-9_.-]+`, at)];
    return [];
  });
}

/** Stores and identities: required unless skip, forbidden with skip (notation-go validatePolicyCore). */
function checkTrust(raw: Record<string, unknown>, level: unknown, path: string): PolicyError[] {
  if (level !== 'skip') {
    return [
      ...checkTrustStores(raw['trustStores'], `${path}.trustStores`),
      ...checkTrustedIdentities(raw['trustedIdentities'], `${path}.trustedIdentities`),
    ];
  }
  const errors: PolicyError[] = [];
  if (!isEmpty(raw['trustStores'])) {
    const message = 'a statement with level "skip" must not list trust stores';
    errors.push(new PolicyError('TRUST_STORE_REFERENCE_INVALID', `${path}.trustStores`, message));
  }
  if (!isEmpty(raw['trustedIdentities'])) {
    const message = 'a statement with level "skip" must not list trusted identities';
    errors.push(new PolicyError('IDENTITY_INVALID', `${path}.trustedIdentities`, message));
  }
  return errors;
}

function checkName(name: unknown, names: Set<string>, path: string): PolicyError[] {
  if (name !== undefined && name !== null && typeof name !== 'string') {
    return [new PolicyError('POLICY_MALFORMED', path, 'must be a string')];
  }
  if (!name) return [new PolicyError('POLICY_NAME_INVALID', path, 'every statement needs a name')];
  if (names.has(name)) {
    return [
      new PolicyError('POLICY_NAME_DUPLICATE', path, `name "${name}" is used by another statement`),
    ];
  }
  names.add(name);
  return [];
}

function checkStatement(raw: unknown, path: string, names: Set<string>): PolicyError[] {
  if (!isRecord(raw)) return [new PolicyError('POLICY_MALFORMED', path, 'must be an object')];
  const sv = raw['signatureVerification'];
  const level = isRecord(sv) ? sv['level'] : undefined;
  const scopes = raw['registryScopes'];
  const errors = [
    ...unknownMembers(raw, STATEMENT_KEYS, path),
    ...checkName(raw['name'], names, `${path}.name`),
    ...checkSignatureVerification(sv, `${path}.signatureVerification`).errors,
    ...checkTrust(raw, level, path),
    ...checkRegistryScopes(scopes, `${path}.registryScopes`),
  ];
  // D2: the spec forbids skip for the global scope; notation-go allows it (its e2e
  // skip_trustpolicy.json uses it). Refusing it means
  // a forgotten exact-scope statement can never turn verification off for every image.
  if (level === 'skip' && Array.isArray(scopes) && scopes.includes(GLOBAL_SCOPE)) {
    const message =
      'level "skip" cannot be used with the global scope "*"; list the repositories to skip';
    errors.push(new PolicyError('SKIP_WITH_GLOBAL_SCOPE', `${path}.registryScopes`, message));
  }
  return errors;
}

function documentErrors(input: unknown): PolicyError[] {
  if (!isRecord(input))
    return [new PolicyError('POLICY_MALFORMED', '', 'trust policy must be a JSON object')];
  const errors = unknownMembers(input, ['version', 'trustPolicies'], '');
  const { version, trustPolicies } = input;
  if (version !== undefined && typeof version !== 'string') {
    errors.push(new PolicyError('POLICY_MALFORMED', 'version', 'must be a string'));
  } else if (version !== '1.0') {
    const message = `unsupported version ${JSON.stringify(version) ?? '(missing)'}; only "1.0" is supported`;
    errors.push(new PolicyError('POLICY_VERSION_UNSUPPORTED', 'version', message));
  }
  if (!Array.isArray(trustPolicies) || trustPolicies.length === 0) {
    const message = 'must be a non-empty array of trust policy statements';
    return [...errors, new PolicyError('POLICY_MALFORMED', 'trustPolicies', message)];
  }
  const names = new Set<string>();
  const statements = trustPolicies.map((raw: unknown, i) => ({
    raw,
    path: `trustPolicies[${i}]`,
    scopes: isRecord(raw) ? raw['registryScopes'] : undefined,
  }));
  for (const { raw, path } of statements) errors.push(...checkStatement(raw, path, names));
  const scopePaths = statements.map((s) => ({
    scopes: s.scopes,
    path: `${s.path}.registryScopes`,
  }));
  return [...errors, ...duplicateScopeErrors(scopePaths)];
}

/** A JSON text is parsed first; anything else is taken as already-parsed JSON. */
function fromJson(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    throw new PolicyError('POLICY_MALFORMED', '', 'trust policy is not valid JSON');
  }
}

/** Every problem of a trust policy document (JSON text or parsed JSON), in document order. */
export function validateTrustPolicyDocument(input: unknown): PolicyError[] {
  try {
    return documentErrors(fromJson(input));
  } catch (error) {
    if (error instanceof PolicyError) return [error];
    throw error;
  }
}

/**
 * Parses and validates an OCI trust policy document: everything notation-go validates, plus
 * `skip` with the global scope (D2), unknown members and identities that could never match.
 * Throws the first problem as PolicyError (with its JSON path).
 */
export function parseTrustPolicyDocument(input: unknown): TrustPolicyDocument {
  const json = fromJson(input);
  const [first] = documentErrors(json);
  if (first) throw first;
  const statements = (json as { trustPolicies: Record<string, unknown>[] }).trustPolicies;
  return {
    version: '1.0',
    trustPolicies: statements.map((raw, i) => ({
      name: raw['name'] as string,
      registryScopes: [...(raw['registryScopes'] as string[])],
      signatureVerification: checkSignatureVerification(
        raw['signatureVerification'],
        `trustPolicies[${i}].signatureVerification`,
      ).value!,
      trustStores: [...new Set((raw['trustStores'] as string[] | null | undefined) ?? [])],
      trustedIdentities: [...((raw['trustedIdentities'] as string[] | null | undefined) ?? [])],
    })),
  };
}
