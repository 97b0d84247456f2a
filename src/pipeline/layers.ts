// Issue 17: two trust layers. Every image is judged by the cluster's TrustPolicies (the snapshot)
// and, where the namespace has NamespaceTrustPolicies, by that namespace's layer too; both must
// admit it. The namespace layer runs on the digest the cluster layer resolved (one digest for
// both: a tag moving between the two cannot split them), under its own snapshot, so its verdicts
// have their own cache keys (digest + the layer's revision + `<namespace>/<name>`). It can only
// add denials: combineLayers never lets its verdict stand for a cluster denial.
import { parseReference, repositoryName } from '../registry/index.js';
import { NO_POLICY, type ImageInput, type ImageVerdict } from './image-verdict.js';
import type { VerifyImage } from './verify-image.js';

/**
 * Whether a verdict on its own keeps the object out (src/webhook/decision.ts's rule): a failure
 * under action Deny, or an inconclusive result under onError Deny or from a bug.
 */
export function denies(v: ImageVerdict<ImageInput>): boolean {
  if (v.kind === 'failed') return v.admission.action === 'Deny';
  if (v.kind === 'inconclusive')
    return v.admission.onError === 'Deny' || v.code === 'INTERNAL_ERROR';
  return false;
}

/** The verdict and the other layer's, if any: what warnings, Events and audit notes read. */
export function layerVerdicts<I extends ImageInput>(v: ImageVerdict<I>): ImageVerdict<I>[] {
  return v.also ? [v, v.also] : [v];
}

/** A namespace layer that governs nothing here said nothing. */
const silent = (v: ImageVerdict<ImageInput>): boolean =>
  v.kind === 'skipped' && v.admission.policy === NO_POLICY;

/**
 * The image's verdict from both layers: the denying one on top (the cluster's first), else the
 * namespace's when the cluster verified nothing (skip, or no policy: what is pinned and reported
 * is what the team's layer verified), else the cluster's; the other rides along in `also`.
 */
export function combineLayers<I extends ImageInput>(
  cluster: ImageVerdict<I>,
  namespace: ImageVerdict<I> | undefined,
): ImageVerdict<I> {
  if (namespace === undefined || silent(namespace)) return cluster;
  const c: ImageVerdict<I> = { ...cluster, layer: 'cluster' };
  const n: ImageVerdict<I> = { ...namespace, layer: 'namespace' };
  if (denies(cluster)) return { ...c, also: n };
  if (denies(namespace) || cluster.kind === 'skipped') return { ...n, also: c };
  return { ...c, also: n };
}

/** `image` pinned to the digest the cluster layer verified (as written if it names one). */
function pinned(image: string, digest: string | undefined): string {
  if (digest === undefined) return image;
  try {
    const ref = parseReference(image);
    return ref.digest !== undefined ? image : `${repositoryName(ref)}@${digest}`;
  } catch {
    return image; // unreadable: the layer says so itself (INVALID_REFERENCE)
  }
}

/**
 * The pipeline with the namespace layer: `verifyImage` once under the review's snapshot, then,
 * unless that already denies, once under the namespace's layer (`snapshot.namespaceLayer`).
 */
export function withNamespaceLayer(verifyImage: VerifyImage): VerifyImage {
  return async (image, scope) => {
    const cluster = await verifyImage(image, scope);
    const layer =
      scope.namespace === undefined ? undefined : scope.snapshot.namespaceLayer?.(scope.namespace);
    // A cluster denial stands whatever the team's layer says: no need to ask it.
    if (!layer || denies(cluster)) return cluster;
    const digest = 'digest' in cluster ? cluster.digest : undefined;
    const namespace = await verifyImage(
      { ...image, image: pinned(image.image, digest) },
      { ...scope, snapshot: layer },
    );
    return combineLayers(cluster, { ...namespace, image });
  };
}
