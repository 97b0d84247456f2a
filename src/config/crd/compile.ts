// The cluster's TrustPolicy and TrustStore objects (with the Secrets, ConfigMaps and Namespaces
// they reach) → one immutable Snapshot plus the Ready verdict of every object. Pure: the live
// source calls it on every change and writes the verdicts to status.
import type { NoMatchAction, Snapshot } from '../snapshot.types.js';
import { buildClusterSnapshot } from './cluster-snapshot.js';
import { checkPolicy, type CheckedPolicy } from './policy-check.js';
import { compileTrustStore, type CompiledStore } from './trust-store-object.js';
import type { ClusterState, ObjectVerdict, StoreVerdict } from './types.js';

export interface CompileOptions {
  noMatch: NoMatchAction;
  now: Date;
  /** The service's own namespace: the only one whose Secrets and ConfigMaps stores may name. */
  trustNamespace: string;
}

export interface CompiledCluster {
  snapshot: Snapshot;
  policies: ReadonlyMap<string, ObjectVerdict>;
  stores: ReadonlyMap<string, StoreVerdict>;
}

/** At most this many conflicts are named in one message (the rest are counted). */
const MAX_NAMED = 3;

const byName = <T extends { metadata: { name: string } }>(a: T, b: T): number =>
  a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;

/** Where two policies could both apply: every namespace, one namespace, or nowhere. */
function overlap(
  a: CheckedPolicy,
  b: CheckedPolicy,
  namespaces: ClusterState['namespaces'],
): string | undefined {
  if (a.emptySelector && b.emptySelector) return 'in every namespace';
  for (const [name, labels] of namespaces)
    if (a.matches(labels) && b.matches(labels)) return `in namespace "${name}"`;
  return undefined;
}

/**
 * Two otherwise Ready policies sharing a scope where both apply are both left out (ScopeConflict):
 * neither may win silently, and what they cover is denied until one is fixed.
 */
function conflicts(
  candidates: readonly CheckedPolicy[],
  namespaces: ClusterState['namespaces'],
): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const note = (policy: CheckedPolicy, what: string) =>
    found.set(policy.name, [...(found.get(policy.name) ?? []), what]);
  candidates.forEach((a, i) => {
    for (const b of candidates.slice(i + 1)) {
      const shared = a.statement!.registryScopes.filter((s) =>
        b.statement!.registryScopes.includes(s),
      );
      const where = shared.length > 0 ? overlap(a, b, namespaces) : undefined;
      if (where === undefined) continue;
      const scope = `registry scope "${shared[0]}"`;
      note(a, `${scope} is also claimed by TrustPolicy "${b.name}" ${where}`);
      note(b, `${scope} is also claimed by TrustPolicy "${a.name}" ${where}`);
    }
  });
  return found;
}

function conflictMessage(list: string[]): string {
  const named = list.slice(0, MAX_NAMED).join('; ');
  const more = list.length > MAX_NAMED ? ` (and ${list.length - MAX_NAMED} more)` : '';
  return `${named}${more}; a scope may belong to one policy per namespace`;
}

/**
 * Compiles the cluster state. Every policy and store gets a verdict; only Ready policies reach
 * the snapshot's documents, and every policy that is not Ready blocks what it would govern.
 * Never throws for bad objects: they are reported not Ready.
 */
export function compileCluster(state: ClusterState, options: CompileOptions): CompiledCluster {
  const storeSources = { ...state, trustNamespace: options.trustNamespace, now: options.now };
  const compiledStores = new Map<string, CompiledStore & { type: unknown }>();
  for (const object of [...state.stores].sort(byName)) {
    const type: unknown = (object.spec as { type?: unknown } | undefined)?.type;
    compiledStores.set(object.metadata.name, { ...compileTrustStore(object, storeSources), type });
  }
  const checked = [...state.policies].sort(byName).map((p) => checkPolicy(p, compiledStores));
  const clashes = conflicts(
    checked.filter((p) => p.verdict.ready),
    state.namespaces,
  );
  const policies = checked.map((p): CheckedPolicy => {
    const list = clashes.get(p.name);
    if (!list) return p;
    const message = conflictMessage(list);
    const verdict = { ...p.verdict, ready: false, reason: 'ScopeConflict', message };
    // Without its statement it is out of every document and blocks what it covers.
    const { name, admission, matches, emptySelector, scopes } = p;
    return { name, admission, matches, emptySelector, scopes, verdict };
  });
  const snapshot = buildClusterSnapshot({
    policies,
    stores: new Map(
      [...compiledStores].flatMap(([, s]) =>
        s.store ? [[`${s.store.type}:${s.store.name}`, s.store]] : [],
      ),
    ),
    crls: new Map(
      [...compiledStores].flatMap(([, s]) =>
        s.store && s.crls ? [[`${s.store.type}:${s.store.name}`, s.crls]] : [],
      ),
    ),
    namespaces: state.namespaces,
    noMatch: options.noMatch,
  });
  return {
    snapshot,
    policies: new Map(policies.map((p) => [p.name, p.verdict])),
    stores: new Map([...compiledStores].map(([name, s]) => [name, s.verdict])),
  };
}
