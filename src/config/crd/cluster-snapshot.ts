// The Snapshot of compiled TrustPolicies: one document per namespace view (the Ready policies
// whose selector matches), shared by every namespace with the same view and built once; the
// policies that are not Ready block what they would govern; one revision over all of it.
import { createHash } from 'node:crypto';
import {
  mergeCrlBundles,
  statementSpecificity,
  type CrlBundle,
  type TrustPolicyDocument,
  type TrustPolicyStatement,
  type TrustStore,
  type TrustStores,
} from '../../verify/index.js';
import { resolveAdmission } from '../admission.js';
import { canonicalJson, computeRevision } from '../revision.js';
import { groupStores } from '../signers.js';
import type {
  BlockedPolicy,
  NamespaceLabels,
  NoMatchAction,
  PolicyAdmission,
  Snapshot,
} from '../snapshot.types.js';
import type { CheckedPolicy } from './policy-check.js';
import type { ClusterState } from './types.js';

export interface ClusterSnapshotParts {
  /** Every policy, sorted by name; those with a statement are active. */
  policies: readonly CheckedPolicy[];
  /** Every Ready TrustStore by `type:name`. */
  stores: ReadonlyMap<string, TrustStore>;
  /** The CRLs of every Ready TrustStore that supplies some (`crlsFrom`), by `type:name`. */
  crls?: ReadonlyMap<string, CrlBundle>;
  namespaces: ClusterState['namespaces'];
  noMatch: NoMatchAction;
}

/** Bumped when what the revision covers changes, so old and new can never collide. */
const FORMAT = 'notary-admission/crd-revision/v1';
/** Longest policy message quoted in a denial. */
const MAX_REASON = 300;

type Active = CheckedPolicy & { statement: TrustPolicyStatement };

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

const clip = (text: string): string =>
  text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 3)}...` : text;

/** The whole clause of a `[POLICY_NOT_READY]` denial: which policy, and why it is not Ready. */
function blockedReason(p: CheckedPolicy): BlockedPolicy {
  const reason =
    `TrustPolicy "${p.name}" applies to this image but is not Ready ` +
    `(${p.verdict.reason}: ${clip(p.verdict.message)}), so the image is denied until it is fixed`;
  return { policy: p.name, reason };
}

/** Only the stores an active policy (or one of its signer groups) names: a change to an unused store changes nothing. */
function reachableStores(
  active: readonly Active[],
  stores: ReadonlyMap<string, TrustStore>,
): TrustStores {
  const out = new Map<string, TrustStore>();
  for (const p of active)
    for (const ref of [...p.statement.trustStores, ...groupStores(p.requirements?.signers ?? [])]) {
      const store = stores.get(ref);
      if (store) out.set(ref, store);
    }
  return out;
}

/** The CRLs of the reachable stores, as one bundle (none: undefined, the revision as before). */
function reachableCrls(
  trustStores: TrustStores,
  crls: ReadonlyMap<string, CrlBundle> | undefined,
): CrlBundle | undefined {
  const bundles = [...trustStores.keys()].flatMap((ref) => {
    const bundle = crls?.get(ref);
    return bundle ? [bundle] : [];
  });
  return bundles.length === 0 ? undefined : mergeCrlBundles(bundles);
}

interface RevisionParts {
  active: readonly Active[];
  broken: readonly CheckedPolicy[];
  trustStores: TrustStores;
  crls: CrlBundle | undefined;
  admission: ReadonlyMap<string, PolicyAdmission>;
  views: ReadonlyMap<string, string[]>;
  defaultView: string[];
  parts: ClusterSnapshotParts;
}

const sortedEntries = <T>(map: ReadonlyMap<string, T>): [string, T][] =>
  [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * computeRevision over every active statement, admission, noMatch and reachable certificate, then
 * hashed with who sees what: the namespace views and the blocked policies. A namespace that
 * behaves as an unknown one (default view, blocked by every broken policy) is left out, so
 * creating an ordinary namespace does not invalidate every cached verdict.
 */
function revisionOf(r: RevisionParts): string {
  const base = computeRevision({
    document: { version: '1.0', trustPolicies: r.active.map((p) => p.statement) },
    trustStores: r.trustStores,
    admission: Object.fromEntries(r.admission),
    noMatch: r.parts.noMatch,
    requirements: Object.fromEntries(
      r.active.flatMap((p) => (p.requirements ? [[p.name, p.requirements]] : [])),
    ),
    ...(r.crls && { crls: r.crls }),
  });
  const defaultKey = r.defaultView.join('\n');
  const allBroken = r.broken.map((p) => p.name).join('\n');
  const blockedIn = new Map<string, string[]>();
  for (const [ns, labels] of r.parts.namespaces) {
    const names = r.broken.filter((p) => p.matches(labels)).map((p) => p.name);
    if (names.join('\n') !== allBroken) blockedIn.set(ns, names);
  }
  const views = new Map([...r.views].filter(([, v]) => v.join('\n') !== defaultKey));
  const hashed = {
    format: FORMAT,
    base,
    defaultView: r.defaultView,
    views: sortedEntries(views),
    blocked: r.broken.map((p) => ({ ...blockedReason(p), scopes: p.scopes })),
    blockedIn: sortedEntries(blockedIn),
  };
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex');
}

/** Builds the frozen snapshot (source `kubernetes`). */
export function buildClusterSnapshot(parts: ClusterSnapshotParts): Snapshot {
  const active = deepFreeze(
    parts.policies.filter((p): p is Active => p.verdict.ready && p.statement !== undefined),
  );
  const broken = parts.policies.filter((p) => !p.verdict.ready);
  const trustStores = reachableStores(active, parts.stores);
  const crls = reachableCrls(trustStores, parts.crls);
  const admission = new Map<string, PolicyAdmission>(
    active.map((p) => [p.name, Object.freeze({ ...p.admission })]),
  );
  const requirements = new Map(
    active.flatMap((p) => (p.requirements ? [[p.name, p.requirements] as const] : [])),
  );
  const defaultView = active.filter((p) => p.emptySelector).map((p) => p.name);
  const views = new Map<string, string[]>();
  for (const [name, labels] of parts.namespaces)
    views.set(
      name,
      active.filter((p) => p.matches(labels)).map((p) => p.name),
    );
  const documents = new Map<string, TrustPolicyDocument>();
  const statements = new Map(active.map((p) => [p.name, p.statement]));
  const documentOf = (names: readonly string[]): TrustPolicyDocument => {
    const key = names.join('\n');
    let document = documents.get(key);
    if (!document) {
      const trustPolicies = names.map((n) => statements.get(n)!);
      document = deepFreeze({ version: '1.0', trustPolicies });
      documents.set(key, document);
    }
    return document;
  };
  // Only a non-empty selector (or one that cannot be read) makes a namespace's labels matter.
  const labelsMatter = parts.policies.some((p) => !p.emptySelector);

  /** The views as seen with `extra` (a namespace the informer has not seen) known too. */
  const view = (extra?: { name: string; labels: NamespaceLabels }) => {
    const labelsOf = (namespace: string | undefined) =>
      namespace === undefined
        ? undefined
        : namespace === extra?.name
          ? extra.labels
          : parts.namespaces.get(namespace);
    const extraView = extra && active.filter((p) => p.matches(extra.labels)).map((p) => p.name);
    const documentFor = (namespace: string | undefined): TrustPolicyDocument =>
      documentOf(
        (namespace === extra?.name ? extraView : undefined) ??
          (namespace !== undefined ? views.get(namespace) : undefined) ??
          defaultView,
      );
    const blocked = (
      namespace: string | undefined,
      repository: string,
    ): BlockedPolicy | undefined => {
      const labels = labelsOf(namespace);
      // An unknown namespace might match any selector: fail closed.
      const candidates = broken.filter((p) => labels === undefined || p.matches(labels));
      let worst: CheckedPolicy | undefined;
      let reach = -1;
      for (const p of candidates) {
        const s = statementSpecificity(p.scopes, repository);
        if (s > reach) [worst, reach] = [p, s];
      }
      if (!worst) return undefined;
      // It blocks unless an active statement governs the repository more closely (a broken `*`
      // policy would not have governed a repository an active policy lists exactly or by a
      // longer prefix); at equal specificity it blocks: fail closed.
      const active = documentFor(namespace).trustPolicies.reduce(
        (best, st) => Math.max(best, statementSpecificity(st.registryScopes, repository)),
        -1,
      );
      return reach >= active ? blockedReason(worst) : undefined;
    };
    const needsNamespace = (namespace: string): boolean =>
      labelsMatter && namespace !== extra?.name && !parts.namespaces.has(namespace);
    return { documentFor, blocked, needsNamespace };
  };

  const revision = revisionOf({
    active,
    broken,
    trustStores,
    crls,
    admission,
    views,
    defaultView,
    parts,
  });
  const snapshotOf = (extra?: { name: string; labels: NamespaceLabels }): Snapshot =>
    Object.freeze({
      revision,
      source: 'kubernetes',
      trustStores,
      ...(crls && { crls }),
      noMatch: parts.noMatch,
      ...view(extra),
      // Same revision: verdicts are keyed by statement name too, and a statement's content is
      // covered by the revision whichever namespace selects it.
      withNamespace: (name: string, labels: NamespaceLabels) =>
        snapshotOf({ name, labels: Object.freeze({ ...labels }) }),
      admission: (policy: string) => admission.get(policy) ?? resolveAdmission(policy, undefined),
      requirements: (policy: string) => requirements.get(policy),
    });
  return snapshotOf();
}
