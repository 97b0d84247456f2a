// The namespace layer of one namespace (issue 17): its NamespaceTrustPolicies, checked one by one
// (namespace-policy.ts) and against each other (a scope may belong to one of them), compiled into
// a Snapshot of their own with buildClusterSnapshot, as a cluster whose every policy selects this
// namespace and where what none governs is let through (the cluster layer decided it already).
// Its revision covers the namespace's name, so no two namespaces ever share a verdict key.
import { createHash } from 'node:crypto';
import type { CrlBundle, TrustStore } from '../../verify/index.js';
import { canonicalJson } from '../revision.js';
import type { Snapshot } from '../snapshot.types.js';
import { buildClusterSnapshot } from './cluster-snapshot.js';
import { checkNamespacePolicy, qualifiedName, type StoreLookup } from './namespace-policy.js';
import type { CheckedPolicy } from './policy-check.js';
import { DEFAULT_ADMISSION } from '../snapshot.types.js';
import { MAX_NAMESPACE_POLICIES, type NamespaceTrustPolicyObject } from './tenancy-types.js';

/** Bumped when what a layer revision covers changes. */
const FORMAT = 'notary-admission/namespace-layer/v1';

export interface LayerStores extends StoreLookup {
  /** A Ready store by the reference a policy writes (`ca:x`, `ca:team-a/x`). */
  store(ref: string): { store: TrustStore; crls?: CrlBundle } | undefined;
}

export interface CompiledLayer {
  snapshot: Snapshot;
  /** Each policy's verdict by `<namespace>/<name>`. */
  policies: ReadonlyMap<string, CheckedPolicy['verdict']>;
}

/** Ready policies sharing a scope are both left out (ScopeConflict), as cluster ones are. */
function withoutConflicts(checked: readonly CheckedPolicy[]): CheckedPolicy[] {
  const clash = new Map<string, string[]>();
  const ready = checked.filter((p) => p.verdict.ready && p.statement);
  ready.forEach((a, i) => {
    for (const b of ready.slice(i + 1)) {
      const shared = a.statement!.registryScopes.find((s) =>
        b.statement!.registryScopes.includes(s),
      );
      if (shared === undefined) continue;
      const note = (p: CheckedPolicy, other: CheckedPolicy) =>
        clash.set(p.name, [
          ...(clash.get(p.name) ?? []),
          `registry scope "${shared}" is also claimed by NamespaceTrustPolicy "${other.name}"`,
        ]);
      note(a, b);
      note(b, a);
    }
  });
  return checked.map((p) => {
    const list = clash.get(p.name);
    if (!list) return p;
    const message = `${list.slice(0, 3).join('; ')}; a scope may belong to one policy per namespace`;
    const { name, admission, matches, emptySelector, scopes } = p;
    const verdict = { ...p.verdict, ready: false, reason: 'ScopeConflict', message };
    return { name, admission, matches, emptySelector, scopes, verdict };
  });
}

/** Over the bound: one stand-in policy that blocks every image of the namespace. */
function overLimit(namespace: string, count: number): CheckedPolicy {
  const message = `namespace "${namespace}" has ${count} NamespaceTrustPolicies, more than the ${MAX_NAMESPACE_POLICIES} allowed; remove some`;
  return {
    name: qualifiedName(namespace, '*'),
    admission: { policy: qualifiedName(namespace, '*'), ...DEFAULT_ADMISSION },
    matches: () => true,
    emptySelector: true,
    scopes: ['*'],
    verdict: { ready: false, reason: 'TooManyObjects', message, observedGeneration: 0 },
  };
}

/** The layer as a Snapshot: its own revision, and its blocked policies named by their kind. */
function asLayer(namespace: string, inner: Snapshot): Snapshot {
  const revision = createHash('sha256')
    .update(canonicalJson({ format: FORMAT, namespace, inner: inner.revision }))
    .digest('hex');
  return Object.freeze({
    ...inner,
    revision,
    source: `kubernetes:namespace/${namespace}`,
    blocked: (ns: string | undefined, repository: string) => {
      const found = inner.blocked?.(ns, repository);
      return (
        found && {
          ...found,
          reason: found.reason.replace(/^TrustPolicy /, 'NamespaceTrustPolicy '),
        }
      );
    },
  });
}

/** Compiles the NamespaceTrustPolicies of `namespace` (sorted by name) into its layer. */
export function compileLayer(
  namespace: string,
  objects: readonly NamespaceTrustPolicyObject[],
  stores: LayerStores,
): CompiledLayer {
  const tooMany = objects.length > MAX_NAMESPACE_POLICIES;
  const checked = tooMany
    ? [overLimit(namespace, objects.length)]
    : withoutConflicts(objects.map((o) => checkNamespacePolicy(o, stores)));
  const refs = new Set(
    checked.flatMap((p) => [
      ...(p.statement?.trustStores ?? []),
      ...(p.requirements?.signers.flatMap((g) => g.statement.trustStores) ?? []),
    ]),
  );
  const found = [...refs].flatMap((ref) => {
    const entry = stores.store(ref);
    return entry ? [[ref, entry] as const] : [];
  });
  const inner = buildClusterSnapshot({
    policies: checked,
    stores: new Map(found.map(([ref, e]) => [ref, e.store])),
    crls: new Map(found.flatMap(([ref, e]) => (e.crls ? [[ref, e.crls] as const] : []))),
    namespaces: new Map(),
    // What no policy of the namespace governs is the cluster layer's alone.
    noMatch: 'Allow',
  });
  const policies = tooMany
    ? new Map(
        objects.map((o) => [
          qualifiedName(namespace, o.metadata.name),
          { ...checked[0]!.verdict, observedGeneration: o.metadata.generation ?? 0 },
        ]),
      )
    : new Map(checked.map((p) => [p.name, p.verdict]));
  return { snapshot: asLayer(namespace, inner), policies };
}
