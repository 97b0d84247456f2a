// One NamespaceTrustPolicy on its own (issue 17): the cluster TrustPolicy's checks (policy-check.ts)
// on the same members, plus what keeps a team's policy from weakening anything: no level skip, no
// onError but Deny, no namespaceSelector or mutateDigest, and trust stores that are cluster
// TrustStores (`type:name`) or NamespaceTrustStores of its own namespace (`type:<ns>/<name>`).
// A reference to another namespace's store is refused (CrossNamespaceReference).
import type { PolicyRequirements } from '../snapshot.types.js';
import { checkPolicy, type CheckedPolicy } from './policy-check.js';
import type { NamespaceTrustPolicyObject } from './tenancy-types.js';
import type { ObjectVerdict, StoreVerdict, TrustPolicyObject } from './types.js';

/** A store as a reference finds it: its type and verdict. */
export interface StoreEntry {
  type: unknown;
  verdict: StoreVerdict;
}

/** Where a NamespaceTrustPolicy's references are looked up. */
export interface StoreLookup {
  /** A cluster TrustStore by name. */
  cluster(name: string): StoreEntry | undefined;
  /** A NamespaceTrustStore of the policy's namespace by name. */
  own(name: string): StoreEntry | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Members a team's policy must not have: each could weaken or widen it. */
const FORBIDDEN: readonly [string, string][] = [
  ['namespaceSelector', 'a NamespaceTrustPolicy applies in its own namespace only'],
  ['mutateDigest', 'tags are pinned as the cluster decides'],
  ['dct', 'Docker Content Trust alternatives are the cluster TrustPolicy’s alone'],
];

/** The statement name of a namespaced policy: unique cluster-wide, never a TrustPolicy's. */
export const qualifiedName = (namespace: string, name: string): string => `${namespace}/${name}`;

/** `ca:team-a/x` → notation's grammar for validation (`ca:team-a_x`: `_` is in no object name). */
const encode = (ref: string): string => ref.replace('/', '_');

function weakening(spec: Record<string, unknown>): string[] {
  const problems = FORBIDDEN.filter(([key]) => spec[key] !== undefined && spec[key] !== null).map(
    ([key, why]) => `spec.${key}: not allowed (${why})`,
  );
  const onError = spec['onError'];
  if (onError !== undefined && onError !== null && onError !== 'Deny')
    problems.push(
      `spec.onError: ${JSON.stringify(onError)} is not allowed: a NamespaceTrustPolicy never admits on error (Deny only)`,
    );
  const sv = spec['signatureVerification'];
  if (isRecord(sv) && sv['level'] === 'skip')
    problems.push(
      'spec.signatureVerification.level: skip is not allowed in a NamespaceTrustPolicy',
    );
  return problems;
}

/** Every trust store reference with where it is written. */
function references(spec: Record<string, unknown>): { at: string; ref: string }[] {
  const list = (raw: unknown, at: string) =>
    Array.isArray(raw)
      ? raw.flatMap((ref: unknown) => (typeof ref === 'string' ? [{ at, ref }] : []))
      : [];
  const signers = Array.isArray(spec['signers']) ? (spec['signers'] as unknown[]) : [];
  return [
    ...list(spec['trustStores'], 'spec.trustStores'),
    ...signers.flatMap((g, i) =>
      isRecord(g) ? list(g['trustStores'], `spec.signers[${i}].trustStores`) : [],
    ),
  ];
}

interface RefCheck {
  verdict?: Omit<ObjectVerdict, 'observedGeneration'>;
  /** Each written reference's entry as the cluster check sees it (encoded name → entry). */
  entries: Map<string, StoreEntry>;
}

type RefProblem = { list: 'foreign' | 'missing' | 'unready'; message: string };

/** One reference: its problem, if any, and the entry it found. */
function checkReference(
  at: string,
  ref: string,
  namespace: string,
  lookup: StoreLookup,
): { problem?: RefProblem; entry?: StoreEntry } {
  const [type, name] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
  const slash = name.indexOf('/');
  const owner = slash < 0 ? undefined : name.slice(0, slash);
  if (owner !== undefined && owner !== namespace)
    return {
      problem: {
        list: 'foreign',
        message: `${at}: "${ref}" names a trust store of namespace "${owner}"; only this namespace's NamespaceTrustStores and cluster TrustStores are in reach`,
      },
    };
  const local = owner === undefined ? name : name.slice(slash + 1);
  const kind = owner === undefined ? 'TrustStore' : 'NamespaceTrustStore';
  const entry = owner === undefined ? lookup.cluster(local) : lookup.own(local);
  if (!entry)
    return { problem: { list: 'missing', message: `${at}: ${kind} "${local}" not found` } };
  if (entry.type !== type)
    return {
      entry,
      problem: {
        list: 'missing',
        message: `${at}: ${kind} "${local}" has type ${String(entry.type)}, not ${type}`,
      },
    };
  if (!entry.verdict.ready)
    return {
      entry,
      problem: {
        list: 'unready',
        message: `${at}: ${kind} "${local}" is not Ready (${entry.verdict.reason})`,
      },
    };
  return { entry };
}

/** The stores the references name must exist in reach, have that type and be Ready. */
function checkReferences(
  refs: readonly { at: string; ref: string }[],
  namespace: string,
  lookup: StoreLookup,
): RefCheck {
  const found: Record<RefProblem['list'], string[]> = { foreign: [], missing: [], unready: [] };
  const entries = new Map<string, StoreEntry>();
  for (const { at, ref } of refs) {
    if (!ref.includes(':')) continue; // the statement check reports the grammar
    const { problem, entry } = checkReference(at, ref, namespace, lookup);
    if (problem) found[problem.list].push(problem.message);
    // The cluster check then finds every reference, Ready, by its encoded name.
    const type = ref.slice(0, ref.indexOf(':'));
    if (entry)
      entries.set(encode(ref.slice(ref.indexOf(':') + 1)), {
        type,
        verdict: { ...entry.verdict, ready: true },
      });
  }
  const fail = (reason: string, list: string[]) => ({
    verdict: { ready: false, reason, message: list.join('; ') },
    entries,
  });
  if (found.foreign.length > 0) return fail('CrossNamespaceReference', found.foreign);
  if (found.missing.length > 0)
    return fail('TrustStoreNotFound', [...found.missing, ...found.unready]);
  if (found.unready.length > 0) return fail('TrustStoreNotReady', found.unready);
  return { entries };
}

/** The spec with `type:<ns>/<name>` references in notation's grammar. */
function encodedSpec(spec: Record<string, unknown>): Record<string, unknown> {
  const refs = (raw: unknown) =>
    Array.isArray(raw) ? raw.map((r: unknown) => (typeof r === 'string' ? encode(r) : r)) : raw;
  const out: Record<string, unknown> = { ...spec };
  if (out['trustStores'] !== undefined) out['trustStores'] = refs(out['trustStores']);
  if (Array.isArray(out['signers']))
    out['signers'] = (out['signers'] as unknown[]).map((g) =>
      isRecord(g) && g['trustStores'] !== undefined
        ? { ...g, trustStores: refs(g['trustStores']) }
        : g,
    );
  return out;
}

/**
 * Without signer groups a referrer requirement names the policy itself (`metadata.name`, as the
 * CRD checks it), whose statement is `<namespace>/<name>` here.
 */
function ownSigner(
  spec: Record<string, unknown>,
  local: string,
  qualified: string,
): Record<string, unknown> {
  const list = spec['requiredReferrers'];
  if (spec['signers'] !== undefined || !Array.isArray(list)) return spec;
  const requiredReferrers = (list as unknown[]).map((r) =>
    isRecord(r) && r['signer'] === local ? { ...r, signer: qualified } : r,
  );
  return { ...spec, requiredReferrers };
}

/** The compiled statement and groups with the references as written (`ca:team-a/x`). */
function restored(p: CheckedPolicy, written: ReadonlyMap<string, string>): CheckedPolicy {
  const back = (refs: readonly string[]) => refs.map((r) => written.get(r) ?? r);
  const statement = p.statement && { ...p.statement, trustStores: back(p.statement.trustStores) };
  const single =
    p.requirements?.signers.length === 1 && p.requirements.signers[0]!.statement === p.statement;
  const requirements: PolicyRequirements | undefined = p.requirements && {
    ...p.requirements,
    signers: p.requirements.signers.map((g) => ({
      ...g,
      statement:
        single && statement
          ? statement
          : { ...g.statement, trustStores: back(g.statement.trustStores) },
    })),
  };
  return {
    ...p,
    ...(statement && { statement }),
    ...(requirements && { requirements }),
  };
}

/** Checks one NamespaceTrustPolicy; its name in the result is `<namespace>/<name>`. */
export function checkNamespacePolicy(
  object: NamespaceTrustPolicyObject,
  lookup: StoreLookup,
): CheckedPolicy {
  const { namespace } = object.metadata;
  const name = qualifiedName(namespace, object.metadata.name);
  const spec: Record<string, unknown> = isRecord(object.spec) ? object.spec : {};
  const observedGeneration = object.metadata.generation ?? 0;
  const refs = references(spec);
  const stores = checkReferences(refs, namespace, lookup);
  const asCluster = {
    apiVersion: object.apiVersion,
    kind: 'TrustPolicy',
    metadata: { ...object.metadata, name },
    spec: ownSigner(encodedSpec(spec), object.metadata.name, name),
  } as unknown as TrustPolicyObject;
  const checked = checkPolicy(asCluster, stores.entries);
  // The selector is the namespace itself: every check below sees it as empty.
  const base = { ...checked, matches: () => true, emptySelector: true };
  const problems = weakening(spec);
  if (problems.length > 0 || (!checked.verdict.ready && checked.verdict.reason === 'InvalidSpec')) {
    const all = [...problems, ...(checked.verdict.ready ? [] : [checked.verdict.message])];
    return notReady(base, { reason: 'InvalidSpec', message: all.join('; '), observedGeneration });
  }
  if (stores.verdict) return notReady(base, { ...stores.verdict, observedGeneration });
  if (!checked.verdict.ready) return base;
  const written = new Map(refs.map(({ ref }) => [encode(ref), ref]));
  return restored(base, written);
}

/** Not Ready: without its statement it is out of every document and blocks what it covers. */
function notReady(p: CheckedPolicy, verdict: Omit<ObjectVerdict, 'ready'>): CheckedPolicy {
  const { name, admission, matches, emptySelector, scopes } = p;
  return { name, admission, matches, emptySelector, scopes, verdict: { ...verdict, ready: false } };
}
