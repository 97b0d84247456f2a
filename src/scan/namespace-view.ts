// The snapshot as seen from a workload's namespace. A namespace the policy source has not seen
// yet (its labels decide which policies apply) is looked up, as the webhook does; if that fails
// the namespace's policies are unknown and its images get an error result (NAMESPACE_UNKNOWN),
// never a verdict under policies that may not be the ones that apply there.
import type { NamespaceLabels, Snapshot } from '../config/index.js';

export type NamespaceLookup = (namespace: string, signal?: AbortSignal) => Promise<NamespaceLabels>;

export async function snapshotFor(
  snapshot: Snapshot,
  namespace: string,
  lookup: NamespaceLookup | undefined,
  signal: AbortSignal,
): Promise<{ snapshot: Snapshot } | { unknown: string }> {
  if (snapshot.needsNamespace?.(namespace) !== true) return { snapshot };
  const unknown = `the labels of namespace "${namespace}" could not be read, so which trust policies apply there is unknown`;
  if (!lookup || !snapshot.withNamespace) return { unknown };
  try {
    return { snapshot: snapshot.withNamespace(namespace, await lookup(namespace, signal)) };
  } catch {
    return { unknown };
  }
}
