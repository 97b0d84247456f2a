// Which policies apply in a review's namespace when the Namespace informer has not seen it yet:
// its labels are read from the API server (src/kube's lookup) and the snapshot is viewed with
// them. If they cannot be read in time the review's images are inconclusive, never judged as in
// an unlabelled namespace (a selector-scoped policy would be skipped).
import { NamespaceLookupError } from '../kube/namespace-labels.js';
import type { PolicySource, Snapshot } from '../config/snapshot.types.js';
import type { WebhookCode } from './codes/index.js';
import type { ImageVerdict } from './decision.js';
import type { ImageAtPath } from './images.js';

export type NamespaceLabelsLookup = NonNullable<PolicySource['namespaceLabels']>;

/** The snapshot to judge the review with, or why the namespace's policies are unknown. */
export type NamespaceView = { snapshot: Snapshot } | { unknown: string };

/** `snapshot` as seen from `namespace`, reading the namespace's labels when it must. */
export async function namespaceView(
  snapshot: Snapshot,
  namespace: string | undefined,
  lookup: NamespaceLabelsLookup | undefined,
  /** The review's end, its signal read only when the labels are looked up. */
  end: { readonly signal: AbortSignal },
): Promise<NamespaceView> {
  if (namespace === undefined || snapshot.needsNamespace?.(namespace) !== true) return { snapshot };
  const why = (reason: string): NamespaceView => ({
    unknown:
      `the labels of namespace "${namespace}" are not known yet and could not be read ` +
      `(${reason}), so which trust policies apply there is unknown`,
  });
  if (!lookup || !snapshot.withNamespace) return why('no way to read them');
  try {
    return { snapshot: snapshot.withNamespace(namespace, await lookup(namespace, end.signal)) };
  } catch (err) {
    // Only the lookup's own messages are shown: anything else may carry request details.
    return why(err instanceof NamespaceLookupError ? err.message : 'the lookup failed');
  }
}

/** The verdict of an image whose namespace's policies are unknown: inconclusive, denied. */
export function namespaceUnknown(image: ImageAtPath, reason: string): ImageVerdict {
  return {
    kind: 'inconclusive',
    image,
    admission: { policy: '(unknown)', action: 'Deny', onError: 'Deny' },
    code: 'NAMESPACE_UNKNOWN' satisfies WebhookCode,
    reason,
  };
}
