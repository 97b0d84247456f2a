// Issue 17's objects (NamespaceTrustPolicy, NamespaceTrustStore, TrustPolicyException) → each
// namespace's layer and its exceptions, plus the verdict of every object for its status. Pure.
// Kept apart from the cluster compile (compile.ts): nothing here changes the cluster snapshot's
// revision, so a team's edits never invalidate anyone else's cached verdicts.
import type { CrlBundle, TrustStore } from '../../verify/index.js';
import type { PolicyException, Snapshot } from '../snapshot.types.js';
import { compileException } from './exception-object.js';
import { compileLayer } from './namespace-layer.js';
import { qualifiedName, type StoreEntry } from './namespace-policy.js';
import {
  MAX_NAMESPACE_EXCEPTIONS,
  MAX_NAMESPACE_STORES,
  type NamespaceTrustStoreObject,
  type TenancyState,
} from './tenancy-types.js';
import { compileTrustStore, type CompiledStore } from './trust-store-object.js';
import type { ClusterState, ObjectVerdict, StoreVerdict, TrustStoreObject } from './types.js';

export interface TenancyOptions {
  now: Date;
  /** The longest an exception may run from its creation (`--max-exception-duration`). */
  maxExceptionMs: number;
  /** The service's own namespace (cluster TrustStores read their Secrets there). */
  trustNamespace: string;
}

export interface CompiledTenancy {
  /** Namespace → its layer (only namespaces with NamespaceTrustPolicies). */
  layers: ReadonlyMap<string, Snapshot>;
  /** Namespace → its exceptions in force when compiled. */
  exceptions: ReadonlyMap<string, readonly PolicyException[]>;
  /** Verdicts by `<namespace>/<name>`, for status. */
  policies: ReadonlyMap<string, ObjectVerdict>;
  stores: ReadonlyMap<string, StoreVerdict>;
  exceptionVerdicts: ReadonlyMap<string, ObjectVerdict>;
  /** Epoch ms of the next expiry of an exception in force: compile again then (status Expired). */
  nextExpiry?: number;
}

const EMPTY: CompiledTenancy = {
  layers: new Map(),
  exceptions: new Map(),
  policies: new Map(),
  stores: new Map(),
  exceptionVerdicts: new Map(),
};

function byNamespace<T extends { metadata: { namespace: string; name: string } }>(
  objects: readonly T[],
): Map<string, T[]> {
  // Appended in place: a team may hold many objects (the bounds count them after this), and a
  // copy per object would make every compile quadratic in them.
  const out = new Map<string, T[]>();
  for (const o of objects) {
    const list = out.get(o.metadata.namespace);
    if (list) list.push(o);
    else out.set(o.metadata.namespace, [o]);
  }
  for (const list of out.values())
    list.sort((a, b) =>
      a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
    );
  return out;
}

const notReady = (reason: string, message: string, generation = 0): StoreVerdict => ({
  ready: false,
  reason,
  message,
  observedGeneration: generation,
  certificates: [],
});

/** A NamespaceTrustStore: inline certificates only (no Secret of any namespace is read for it). */
function compileNamespaceStore(object: NamespaceTrustStoreObject, now: Date): CompiledStore {
  const spec = object.spec as unknown as Record<string, unknown> | undefined;
  const refs = ['certificatesFrom', 'crlsFrom'].filter((k) => spec?.[k] !== undefined);
  if (refs.length > 0)
    return {
      verdict: notReady(
        'InvalidSpec',
        `spec.${refs[0]}: a NamespaceTrustStore holds inline certificates only`,
        object.metadata.generation,
      ),
    };
  const sources = { secrets: new Map(), configMaps: new Map(), trustNamespace: '', now };
  return compileTrustStore(object as unknown as TrustStoreObject, sources);
}

function namespaceStores(list: readonly NamespaceTrustStoreObject[], now: Date) {
  const out = new Map<string, CompiledStore & { type: unknown }>();
  const tooMany = list.length > MAX_NAMESPACE_STORES;
  for (const o of list) {
    const type: unknown = (o.spec as { type?: unknown } | undefined)?.type;
    const compiled = tooMany
      ? {
          verdict: notReady(
            'TooManyObjects',
            `namespace "${o.metadata.namespace}" has ${list.length} NamespaceTrustStores, more than the ${MAX_NAMESPACE_STORES} allowed`,
            o.metadata.generation,
          ),
        }
      : compileNamespaceStore(o, now);
    out.set(o.metadata.name, { ...compiled, type });
  }
  return out;
}

/** Compiles every namespace's layer and exceptions. */
export function compileTenancy(
  tenancy: TenancyState,
  cluster: Pick<ClusterState, 'stores' | 'secrets' | 'configMaps'>,
  options: TenancyOptions,
): CompiledTenancy {
  if (tenancy.policies.length + tenancy.stores.length + tenancy.exceptions.length === 0)
    return EMPTY;
  // Cluster TrustStores are compiled here only when a team's policy names them.
  const clusterObjects = new Map(cluster.stores.map((s) => [s.metadata.name, s]));
  const clusterCompiled = new Map<string, (CompiledStore & { type: unknown }) | undefined>();
  const clusterStore = (name: string) => {
    if (!clusterCompiled.has(name)) {
      const object = clusterObjects.get(name);
      const type: unknown = (object?.spec as { type?: unknown } | undefined)?.type;
      const sources = { ...cluster, trustNamespace: options.trustNamespace, now: options.now };
      clusterCompiled.set(name, object && { ...compileTrustStore(object, sources), type });
    }
    return clusterCompiled.get(name);
  };
  const layers = new Map<string, Snapshot>();
  const policies = new Map<string, ObjectVerdict>();
  const stores = new Map<string, StoreVerdict>();
  const ownStores = new Map<string, ReturnType<typeof namespaceStores>>();
  for (const [namespace, list] of byNamespace(tenancy.stores)) {
    const compiled = namespaceStores(list, options.now);
    ownStores.set(namespace, compiled);
    for (const [name, s] of compiled) stores.set(qualifiedName(namespace, name), s.verdict);
  }
  for (const [namespace, list] of byNamespace(tenancy.policies)) {
    const own = ownStores.get(namespace) ?? new Map<string, CompiledStore & { type: unknown }>();
    const entry = (s: (CompiledStore & { type: unknown }) | undefined): StoreEntry | undefined =>
      s && { type: s.type, verdict: s.verdict };
    const ready = (
      s: CompiledStore | undefined,
    ): { store: TrustStore; crls?: CrlBundle } | undefined =>
      s?.store && { store: s.store, ...(s.crls && { crls: s.crls }) };
    const layer = compileLayer(namespace, list, {
      cluster: (name) => entry(clusterStore(name)),
      own: (name) => entry(own.get(name)),
      store: (ref) => {
        const name = ref.slice(ref.indexOf(':') + 1);
        const slash = name.indexOf('/');
        return ready(slash < 0 ? clusterStore(name) : own.get(name.slice(slash + 1)));
      },
    });
    layers.set(namespace, layer.snapshot);
    for (const [name, v] of layer.policies) policies.set(name, v);
  }
  return { layers, policies, stores, ...exceptionsOf(tenancy, options) };
}

function exceptionsOf(tenancy: TenancyState, options: TenancyOptions) {
  const exceptions = new Map<string, PolicyException[]>();
  const exceptionVerdicts = new Map<string, ObjectVerdict>();
  let nextExpiry: number | undefined;
  for (const [namespace, list] of byNamespace(tenancy.exceptions)) {
    const tooMany = list.length > MAX_NAMESPACE_EXCEPTIONS;
    for (const o of list) {
      const key = qualifiedName(namespace, o.metadata.name);
      if (tooMany) {
        exceptionVerdicts.set(key, {
          ready: false,
          reason: 'TooManyObjects',
          message: `namespace "${namespace}" has ${list.length} TrustPolicyExceptions, more than the ${MAX_NAMESPACE_EXCEPTIONS} allowed: none applies`,
          observedGeneration: o.metadata.generation ?? 0,
        });
        continue;
      }
      const compiled = compileException(o, { now: options.now, maxMs: options.maxExceptionMs });
      exceptionVerdicts.set(key, compiled.verdict);
      if (!compiled.exception) continue;
      const inForce = exceptions.get(namespace);
      if (inForce) inForce.push(compiled.exception);
      else exceptions.set(namespace, [compiled.exception]);
      nextExpiry = Math.min(nextExpiry ?? Infinity, compiled.exception.expiresAt);
    }
  }
  return { exceptions, exceptionVerdicts, ...(nextExpiry !== undefined && { nextExpiry }) };
}

/**
 * The cluster snapshot with the namespace layers and exceptions in reach (same revision): views
 * of it for an unseen namespace carry them too, and `admission` answers for the namespace
 * policies (`<namespace>/<name>`: no TrustPolicy name has a `/`).
 */
export function withTenancy(snapshot: Snapshot, tenancy: CompiledTenancy): Snapshot {
  if (tenancy === EMPTY || (tenancy.layers.size === 0 && tenancy.exceptions.size === 0))
    return snapshot;
  const admission = (policy: string) => {
    const slash = policy.indexOf('/');
    const layer = slash < 0 ? undefined : tenancy.layers.get(policy.slice(0, slash));
    return layer ? layer.admission(policy) : snapshot.admission(policy);
  };
  return Object.freeze({
    ...snapshot,
    admission,
    namespaceLayer: (namespace: string) => tenancy.layers.get(namespace),
    exceptions: (namespace: string) => tenancy.exceptions.get(namespace) ?? [],
    ...(snapshot.withNamespace && {
      withNamespace: (name: string, labels: Readonly<Record<string, string>>) =>
        withTenancy(snapshot.withNamespace?.(name, labels) ?? snapshot, tenancy),
    }),
  });
}
