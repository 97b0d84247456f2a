// One TrustPolicy on its own: the verifier's validation of the statement it stands for (the same
// rules as a trustpolicy.json, D2 included), its admission fields and selector, and the
// TrustStores it names. Cross-policy conflicts are compile.ts's.
import {
  parseTrustPolicyDocument,
  validateTrustPolicyDocument,
  type TrustPolicyStatement,
} from '../../verify/index.js';
import {
  isPrefixScope,
  normaliseRepositoryName,
  normaliseRepositoryPrefix,
} from '../../names/index.js';
import { compileRequirements, hasSigners } from '../requirements.js';
import type { PolicyAdmission, PolicyRequirements } from '../snapshot.types.js';
import { withDctRoots, type StoreForDct } from './dct-store.js';
import type { Labels } from './selector.js';
import { toStatement } from './to-statement.js';
import type { ObjectVerdict, ReadyReason, StoreVerdict, TrustPolicyObject } from './types.js';

/** A TrustPolicy as the compiler sees it. */
export interface CheckedPolicy {
  name: string;
  verdict: ObjectVerdict;
  /**
   * The validated statement (trust stores de-duplicated; none with signers, whose groups carry
   * them); present when the checks passed.
   */
  statement?: TrustPolicyStatement;
  /** Its signer groups and other requirements; present with `statement`. */
  requirements?: PolicyRequirements;
  admission: PolicyAdmission;
  /** An invalid selector matches every namespace: a broken policy blocks wide, never narrow. */
  matches: (labels: Labels) => boolean;
  emptySelector: boolean;
  /** The string scopes the object lists, valid or not, in normal form (what it would govern). */
  scopes: string[];
}

export const READY_MESSAGE = 'the policy is valid and active';

const STATEMENT_PATH = /^trustPolicies\[0\](\.|$)/;
const GLOBAL_SCOPE = '*';

/** `trustPolicies[0].registryScopes[0]: …` → `spec.registryScopes[0]: …`; name → metadata.name. */
function specMessage(message: string): string {
  if (message.startsWith('trustPolicies[0].name')) return `metadata.name${message.slice(21)}`;
  return message.replace(STATEMENT_PATH, (_, dot: string) => (dot ? 'spec.' : 'spec'));
}

function notReady(
  reason: ReadyReason,
  problems: string[],
): Omit<ObjectVerdict, 'observedGeneration'> {
  return { ready: false, reason, message: problems.join('; ') };
}

/** Every `type:name` the policy uses, with where it is written: its own, or its signer groups'. */
function storeReferences(
  statement: TrustPolicyStatement,
  requirements: PolicyRequirements,
): { at: string; ref: string }[] {
  const own = statement.trustStores.map((ref) => ({ at: 'spec.trustStores', ref }));
  if (requirements.signers.length === 1 && requirements.signers[0]!.statement === statement)
    return own;
  return [
    ...own,
    ...requirements.signers.flatMap((g, i) =>
      g.statement.trustStores.map((ref) => ({ at: `spec.signers[${i}].trustStores`, ref })),
    ),
  ];
}

/** Problems of the `type:name` references: the TrustStore must exist, have that type, be Ready. */
function storeProblems(
  refs: readonly { at: string; ref: string }[],
  stores: ReadonlyMap<string, { type: unknown; verdict: StoreVerdict }>,
): Omit<ObjectVerdict, 'observedGeneration'> | undefined {
  const missing: string[] = [];
  const unready: string[] = [];
  refs.forEach(({ at, ref }) => {
    const [type, name] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
    const store = stores.get(name);
    if (!store) missing.push(`${at}: TrustStore "${name}" not found`);
    else if (store.type !== type)
      missing.push(`${at}: TrustStore "${name}" has type ${String(store.type)}, not ${type}`);
    else if (!store.verdict.ready)
      unready.push(`${at}: TrustStore "${name}" is not Ready (${store.verdict.reason})`);
  });
  if (missing.length > 0) return notReady('TrustStoreNotFound', [...missing, ...unready]);
  if (unready.length > 0) return notReady('TrustStoreNotReady', unready);
  return undefined;
}

/** A scope's normal form (repository or prefix), or the scope itself when it has none. */
function normalScope(scope: string): string {
  if (scope === GLOBAL_SCOPE) return scope;
  if (isPrefixScope(scope)) {
    const prefix = normaliseRepositoryPrefix(scope);
    return prefix.ok ? prefix.value.scope : scope;
  }
  const name = normaliseRepositoryName(scope);
  return name.ok ? name.value.name : scope;
}

/**
 * The string scopes the object lists, each in normal form where it has one (standing decision 9):
 * a policy refused for `Registry.Example.com/a` (or `Registry.Example.com/a/*`) still blocks
 * `registry.example.com/a` (or what is under it), which is what it would govern, rather than
 * letting a broader scope apply there.
 */
function rawScopes(spec: unknown): string[] {
  const scopes =
    typeof spec === 'object' && spec !== null
      ? (spec as Record<string, unknown>)['registryScopes']
      : undefined;
  if (!Array.isArray(scopes)) return [];
  return scopes.filter((s): s is string => typeof s === 'string').map(normalScope);
}

/** Checks one TrustPolicy against the compiled TrustStores (by metadata.name). */
export function checkPolicy(
  object: TrustPolicyObject,
  stores: ReadonlyMap<string, StoreForDct>,
): CheckedPolicy {
  const name = object.metadata.name;
  const translated = toStatement(object);
  const { selector } = translated;
  const base = {
    name,
    admission: translated.admission,
    matches: selector.ok ? selector.matches : () => true,
    emptySelector: selector.ok && selector.empty,
    scopes: rawScopes(object.spec),
  };
  const observedGeneration = object.metadata.generation ?? 0;
  const grouped = hasSigners(translated.fields);
  const own = translated.statement;
  // With signers the policy's own members are checked with a neutral trust; the groups' own.
  const document = { version: '1.0', trustPolicies: [grouped ? withNeutralTrust(own) : own] };
  const problems = [
    ...validateTrustPolicyDocument(document).map((e) => `${specMessage(e.message)} [${e.code}]`),
    ...(grouped ? ownTrustProblems(own) : []),
    ...translated.problems,
    ...(selector.ok ? [] : [selector.message]),
  ];
  const invalid = (list: string[]) => ({
    ...base,
    verdict: { ...notReady('InvalidSpec', list), observedGeneration },
  });
  if (problems.length > 0) return invalid(problems);
  const parsed = parseTrustPolicyDocument(document).trustPolicies[0]!;
  const compiled = compileRequirements(parsed, translated.fields, 'spec');
  if (compiled.problems.length > 0) return invalid(compiled.problems);
  const { statement } = compiled;
  const stored = storeProblems(storeReferences(statement, compiled.requirements), stores);
  if (stored) return { ...base, verdict: { ...stored, observedGeneration } };
  // Docker Content Trust's pins, from the notaryV1Root TrustStore `spec.dct` names (issue 18).
  const pinned = withDctRoots(compiled.requirements, stores);
  if ('problem' in pinned) return { ...base, verdict: { ...pinned.problem, observedGeneration } };
  const { requirements } = pinned;
  const verdict = { ready: true, reason: 'Valid', message: READY_MESSAGE, observedGeneration };
  return { ...base, statement, requirements, verdict };
}

/** A trust that always validates, standing in for the groups' while the policy's own members are checked. */
function withNeutralTrust(statement: Record<string, unknown>): Record<string, unknown> {
  const sv = statement['signatureVerification'];
  const skip =
    typeof sv === 'object' && sv !== null && (sv as { level?: unknown }).level === 'skip';
  return skip ? statement : { ...statement, trustStores: ['ca:signers'], trustedIdentities: ['*'] };
}

/** With signers the groups carry the trust: the policy's own would be silently unused. */
function ownTrustProblems(statement: Record<string, unknown>): string[] {
  return (['trustStores', 'trustedIdentities'] as const)
    .filter((key) => statement[key] !== undefined && statement[key] !== null)
    .map(
      (key) => `spec.${key}: must be absent when signers are given (each signer group has its own)`,
    );
}
