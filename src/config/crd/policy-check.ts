// One TrustPolicy on its own: the verifier's validation of the statement it stands for (the same
// rules as a trustpolicy.json, D2 included), its admission fields and selector, and the
// TrustStores it names. Cross-policy conflicts are compile.ts's.
import {
  parseTrustPolicyDocument,
  validateTrustPolicyDocument,
  type TrustPolicyStatement,
} from '../../verify/index.js';
import { normaliseRepositoryName } from '../../names/index.js';
import type { PolicyAdmission } from '../snapshot.types.js';
import type { Labels } from './selector.js';
import { toStatement } from './to-statement.js';
import type { ObjectVerdict, ReadyReason, StoreVerdict, TrustPolicyObject } from './types.js';

/** A TrustPolicy as the compiler sees it. */
export interface CheckedPolicy {
  name: string;
  verdict: ObjectVerdict;
  /** The validated statement (trust stores de-duplicated); present when the checks passed. */
  statement?: TrustPolicyStatement;
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

/** Problems of the `type:name` references: the TrustStore must exist, have that type, be Ready. */
function storeProblems(
  statement: TrustPolicyStatement,
  stores: ReadonlyMap<string, { type: unknown; verdict: StoreVerdict }>,
): Omit<ObjectVerdict, 'observedGeneration'> | undefined {
  const missing: string[] = [];
  const unready: string[] = [];
  statement.trustStores.forEach((ref) => {
    const [type, name] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
    const store = stores.get(name);
    if (!store) missing.push(`spec.trustStores: TrustStore "${name}" not found`);
    else if (store.type !== type)
      missing.push(
        `spec.trustStores: TrustStore "${name}" has type ${String(store.type)}, not ${type}`,
      );
    else if (!store.verdict.ready)
      unready.push(`spec.trustStores: TrustStore "${name}" is not Ready (${store.verdict.reason})`);
  });
  if (missing.length > 0) return notReady('TrustStoreNotFound', [...missing, ...unready]);
  if (unready.length > 0) return notReady('TrustStoreNotReady', unready);
  return undefined;
}

/**
 * The string scopes the object lists, each in normal form where it has one (standing decision 9):
 * a policy refused for `Registry.Example.com/a` still blocks `registry.example.com/a`, which is
 * what it would govern, rather than letting `*` apply there.
 */
function rawScopes(spec: unknown): string[] {
  const scopes =
    typeof spec === 'object' && spec !== null
      ? (spec as Record<string, unknown>)['registryScopes']
      : undefined;
  if (!Array.isArray(scopes)) return [];
  return scopes
    .filter((s): s is string => typeof s === 'string')
    .map((s) => {
      const normal = s === GLOBAL_SCOPE ? undefined : normaliseRepositoryName(s);
      return normal?.ok ? normal.value.name : s;
    });
}

/** Checks one TrustPolicy against the compiled TrustStores (by metadata.name). */
export function checkPolicy(
  object: TrustPolicyObject,
  stores: ReadonlyMap<string, { type: unknown; verdict: StoreVerdict }>,
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
  const document = { version: '1.0', trustPolicies: [translated.statement] };
  const problems = [
    ...validateTrustPolicyDocument(document).map((e) => `${specMessage(e.message)} [${e.code}]`),
    ...translated.problems,
    ...(selector.ok ? [] : [selector.message]),
  ];
  if (problems.length > 0)
    return { ...base, verdict: { ...notReady('InvalidSpec', problems), observedGeneration } };
  const statement = parseTrustPolicyDocument(document).trustPolicies[0]!;
  const stored = storeProblems(statement, stores);
  if (stored) return { ...base, verdict: { ...stored, observedGeneration } };
  const verdict = { ready: true, reason: 'Valid', message: READY_MESSAGE, observedGeneration };
  return { ...base, statement, verdict };
}
