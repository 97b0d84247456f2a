// The informers' caches as the compiler's ClusterState: TrustPolicy and TrustStore objects in
// name order, Namespaces' labels, and the Secrets and ConfigMaps of the trust namespace that some
// TrustStore references (decoded; the rest of the namespace's secrets never leave the cache).
import type { ClusterState, TrustPolicyObject, TrustStoreObject } from '../config/index.js';

/** The fields of a core object this module reads (informer items, list or watch). */
export interface CoreObject {
  metadata?: { name?: string; labels?: Record<string, string> | undefined };
  /** Secret: base64 values; ConfigMap: text values. */
  data?: Record<string, string> | undefined;
  /** ConfigMap only: base64 values. */
  binaryData?: Record<string, string> | undefined;
}

/** Everything the informers hold, as they hold it. */
export interface ClusterObjects {
  policies: readonly unknown[];
  stores: readonly unknown[];
  secrets: readonly CoreObject[];
  configMaps: readonly CoreObject[];
  namespaces: readonly CoreObject[];
}

/** The label every Namespace carries with its own name. */
export const NAME_LABEL = 'kubernetes.io/metadata.name';

interface References {
  secrets: Set<string>;
  configMaps: Set<string>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const nameOf = (o: unknown): string => {
  const metadata = isRecord(o) ? o['metadata'] : undefined;
  const name = isRecord(metadata) ? metadata['name'] : undefined;
  return typeof name === 'string' ? name : '';
};

const byName = (a: unknown, b: unknown): number => {
  const [x, y] = [nameOf(a), nameOf(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** `spec.{certificatesFrom,crlsFrom}[*].{secretKeyRef,configMapKeyRef}.name` of every store. */
function referencedSources(stores: readonly unknown[]): References {
  const refs: References = { secrets: new Set(), configMaps: new Set() };
  for (const store of stores) {
    const spec = isRecord(store) ? store['spec'] : undefined;
    const lists = isRecord(spec) ? [spec['certificatesFrom'], spec['crlsFrom']] : [];
    for (const entry of lists.flatMap((l) => (Array.isArray(l) ? (l as unknown[]) : []))) {
      if (!isRecord(entry)) continue;
      const secret = nameOf({ metadata: entry['secretKeyRef'] });
      const configMap = nameOf({ metadata: entry['configMapKeyRef'] });
      if (secret) refs.secrets.add(secret);
      if (configMap) refs.configMaps.add(configMap);
    }
  }
  return refs;
}

function secretData(object: CoreObject): Readonly<Record<string, Uint8Array>> {
  const data: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(object.data ?? {}))
    data[key] = new Uint8Array(Buffer.from(value, 'base64'));
  return data;
}

/** `data`, plus `binaryData` read as UTF-8 for keys `data` lacks (PEM is text either way). */
function configMapData(object: CoreObject): Readonly<Record<string, string>> {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(object.binaryData ?? {}))
    data[key] = Buffer.from(value, 'base64').toString('utf8');
  return Object.assign(data, object.data ?? {});
}

function named<T>(
  objects: readonly CoreObject[],
  wanted: (name: string) => boolean,
  read: (o: CoreObject) => T,
): Map<string, T> {
  const map = new Map<string, T>();
  for (const object of [...objects].sort(byName)) {
    const name = nameOf(object);
    if (name && wanted(name)) map.set(name, read(object));
  }
  return map;
}

/** The compiler's input from the informers' current contents (a new, independent value). */
export function assembleState(objects: ClusterObjects): ClusterState {
  const refs = referencedSources(objects.stores);
  return {
    policies: [...objects.policies].sort(byName) as TrustPolicyObject[],
    stores: [...objects.stores].sort(byName) as TrustStoreObject[],
    secrets: named(objects.secrets, (n) => refs.secrets.has(n), secretData),
    configMaps: named(objects.configMaps, (n) => refs.configMaps.has(n), configMapData),
    // The API server sets this label itself; a selector on it must work even if it lags.
    namespaces: named(
      objects.namespaces,
      () => true,
      (o) => ({ ...o.metadata?.labels, [NAME_LABEL]: nameOf(o) }),
    ),
  };
}
