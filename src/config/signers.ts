// The signer fields of a trust policy (issue 14): `signers` (several groups, each a notation
// statement of its own trust stores, identities and level), `signersRequired` and the required
// signed `userMetadata`, as a TrustPolicy spec or a `--config` statement entry gives them.
// Each group is checked by the verifier's own statement validation, so a group means exactly
// what a notation statement with its members would mean.
import {
  parseTrustPolicyDocument,
  validateTrustPolicyDocument,
  type TrustPolicyStatement,
} from '../verify/index.js';
import type { SignerGroup } from './snapshot.types.js';

/** Groups per policy, and pairs of user metadata per policy or group. */
export const MAX_SIGNER_GROUPS = 8;
export const MAX_USER_METADATA = 32;
/** A group's name: a DNS label, shown in denials (`org: … [CERT_CHAIN_UNTRUSTED]`). */
const GROUP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const GROUP_KEYS = [
  'name',
  'trustStores',
  'trustedIdentities',
  'signatureVerification',
  'userMetadata',
];

/** The signer fields as written (unchecked). */
export interface SignerFields {
  signers?: unknown;
  signersRequired?: unknown;
  userMetadata?: unknown;
}

export interface CompiledSigners {
  signers: SignerGroup[];
  signersRequired: number;
  problems: string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A policy's or a group's required user metadata: string values under non-empty keys. */
export function parseUserMetadata(
  raw: unknown,
  where: string,
  problems: string[],
): Record<string, string> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) {
    problems.push(`${where}: must be an object of key/value strings`);
    return undefined;
  }
  const entries = Object.entries(raw);
  if (entries.length > MAX_USER_METADATA)
    problems.push(`${where}: at most ${MAX_USER_METADATA} pairs (got ${entries.length})`);
  for (const [key, value] of entries) {
    if (key === '') problems.push(`${where}: a key must not be empty`);
    if (typeof value !== 'string') problems.push(`${where}.${key}: must be a string`);
  }
  // fromEntries defines own members: a key "__proto__" stays data.
  return Object.fromEntries(entries.filter(([, v]) => typeof v === 'string')) as Record<
    string,
    string
  >;
}

/** `trustPolicies[0].trustStores[0]: …` of a group's own statement → `spec.signers[1].trustStores[0]: …`. */
const groupMessage = (message: string, at: string): string =>
  message.replace(/^trustPolicies\[0\]\.?/, `${at}.`).replace(/\.:/, ':');

/** A group's members and name, before its statement is checked. */
function groupShape(raw: Record<string, unknown>, at: string, problems: string[]): void {
  for (const key of Object.keys(raw))
    if (!GROUP_KEYS.includes(key))
      problems.push(`${at}.${key}: unknown member (expected ${GROUP_KEYS.join(', ')})`);
  const name = raw['name'];
  if (typeof name !== 'string' || !GROUP_NAME.test(name))
    problems.push(`${at}.name: must be a DNS label (lower-case letters, digits, "-"; at most 63)`);
}

/** One group checked as a notation statement of the policy's scopes and (default) level. */
function compileGroup(
  raw: unknown,
  at: string,
  policy: TrustPolicyStatement,
  problems: string[],
): SignerGroup | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: must be an object with name, trustStores and trustedIdentities`);
    return undefined;
  }
  const before = problems.length;
  groupShape(raw, at, problems);
  const signatureVerification = raw['signatureVerification'] ?? policy.signatureVerification;
  if (isRecord(signatureVerification) && signatureVerification['level'] === 'skip') {
    problems.push(`${at}.signatureVerification.level: a signer group cannot skip`);
    return undefined;
  }
  const statement = {
    name: `${policy.name}/${String(raw['name'])}`,
    registryScopes: policy.registryScopes,
    signatureVerification,
    trustStores: raw['trustStores'],
    trustedIdentities: raw['trustedIdentities'],
  };
  const document = { version: '1.0', trustPolicies: [statement] };
  for (const e of validateTrustPolicyDocument(document))
    problems.push(`${groupMessage(e.message, at)} [${e.code}]`);
  const userMetadata = parseUserMetadata(raw['userMetadata'], `${at}.userMetadata`, problems);
  if (problems.length > before) return undefined;
  return {
    name: raw['name'] as string,
    statement: parseTrustPolicyDocument(document).trustPolicies[0]!,
    ...(userMetadata && Object.keys(userMetadata).length > 0 && { userMetadata }),
  };
}

function requiredOf(raw: unknown, groups: number, where: string, problems: string[]): number {
  if (raw === undefined || raw === null) return groups;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > groups) {
    problems.push(`${where}.signersRequired: must be a whole number from 1 to ${groups}`);
    return groups;
  }
  return raw;
}

/** The single-statement form: the policy itself, with any required metadata. */
function single(
  policy: TrustPolicyStatement,
  fields: SignerFields,
  where: string,
  problems: string[],
): CompiledSigners {
  const metadata = parseUserMetadata(fields.userMetadata, `${where}.userMetadata`, problems);
  const hasMetadata = metadata !== undefined && Object.keys(metadata).length > 0;
  if (fields.signersRequired !== undefined && fields.signersRequired !== null)
    problems.push(`${where}.signersRequired: is only meaningful with signers`);
  if (policy.signatureVerification.level === 'skip' && hasMetadata)
    problems.push(`${where}.userMetadata: a policy with level skip verifies no metadata`);
  const only = {
    name: policy.name,
    statement: policy,
    ...(hasMetadata && { userMetadata: metadata }),
  };
  return { signers: [only], signersRequired: 1, problems };
}

/** Problems of the policy around its groups: skip, metadata of its own, duplicate names. */
function aroundGroups(
  raw: readonly unknown[],
  fields: SignerFields,
  policy: TrustPolicyStatement,
  where: string,
): string[] {
  const problems: string[] = [];
  if (policy.signatureVerification.level === 'skip')
    problems.push(`${where}.signers: a policy with level skip has no signers`);
  if (fields.userMetadata !== undefined && fields.userMetadata !== null)
    problems.push(`${where}.userMetadata: with signers, give userMetadata per signer group`);
  const names = raw.map((g) => (isRecord(g) ? g['name'] : undefined));
  names.forEach((name, i) => {
    if (typeof name === 'string' && names.indexOf(name) !== i)
      problems.push(`${where}.signers[${i}].name: "${name}" is the name of another signer group`);
  });
  return problems;
}

/**
 * The signer groups of a validated policy statement. Without `signers` it is one group named as
 * the policy: the statement itself, plus any required `userMetadata` (the single-statement form,
 * exactly notation's meaning). With `signers` each group is its own statement
 * (`<policy>/<group>`, the policy's scopes, its own or the policy's level); the caller leaves
 * the policy's own trust out of the document. `where` prefixes messages (`spec`).
 */
export function compileSigners(
  policy: TrustPolicyStatement,
  fields: SignerFields,
  where: string,
): CompiledSigners {
  const problems: string[] = [];
  if (fields.signers === undefined || fields.signers === null)
    return single(policy, fields, where, problems);
  const raw = fields.signers;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_SIGNER_GROUPS) {
    problems.push(`${where}.signers: must list 1 to ${MAX_SIGNER_GROUPS} signer groups`);
    return { signers: [], signersRequired: 1, problems };
  }
  problems.push(...aroundGroups(raw, fields, policy, where));
  const signers = raw.flatMap((g: unknown, i) => {
    const group = compileGroup(g, `${where}.signers[${i}]`, policy, problems);
    return group ? [group] : [];
  });
  const signersRequired = requiredOf(fields.signersRequired, raw.length, where, problems);
  return { signers, signersRequired, problems };
}

/** The statement a policy with signers puts in the document: its scopes and level, no trust of its own. */
export const withoutTrust = (policy: TrustPolicyStatement): TrustPolicyStatement => ({
  ...policy,
  trustStores: [],
  trustedIdentities: [],
});

/** Every trust store reference of the groups (for existence checks and the reachable stores). */
export const groupStores = (signers: readonly SignerGroup[]): string[] => [
  ...new Set(signers.flatMap((g) => g.statement.trustStores)),
];
