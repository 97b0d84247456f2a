// Issue 17, break glass: a TrustPolicyException admits, with a warning, an image its layers deny,
// while it is in force. Applied to each review's verdicts after the pipeline (never to what the
// cache holds), with the review's own clock: the instant an exception expires it stops applying,
// whatever was cached. Pure.
import type { ExceptedImage, NamespaceLabels, PolicyException } from '../config/snapshot.types.js';
import { parseReference, repositoryName } from '../registry/index.js';
import type { ImageInput, ImageVerdict } from './image-verdict.js';
import { denies, layerVerdicts } from './layers.js';

/** Who and when: the labels of the Pod (or pod template) under review, and now (epoch ms). */
export interface ExceptionContext {
  labels: NamespaceLabels;
  now: number;
}

/** Whether an excepted image names this reference (and the digest it resolved to). */
function names(entry: ExceptedImage, image: string, digest: string | undefined): boolean {
  let repository: string;
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(image);
    repository = repositoryName(ref);
  } catch {
    return false;
  }
  if (entry.repository !== undefined && entry.repository !== repository) return false;
  if (entry.digest !== undefined) return entry.digest === (ref.digest ?? digest);
  // By tag: the tag the Pod names (a pinned `tag@digest` still names it).
  return entry.tag !== undefined && entry.tag === ref.tag;
}

/** The exception in force now that covers this image for this Pod, if any. */
export function findException<I extends ImageInput>(
  verdict: ImageVerdict<I>,
  exceptions: readonly PolicyException[],
  context: ExceptionContext,
): PolicyException | undefined {
  const digest = layerVerdicts(verdict)
    .map((v) => ('digest' in v ? v.digest : undefined))
    .find((d) => d !== undefined);
  return exceptions.find(
    (e) =>
      context.now < e.expiresAt &&
      e.covers(context.labels) &&
      e.images.some((entry) => names(entry, verdict.image.image, digest)),
  );
}

/**
 * Each verdict that denies, admitted by an exception in force that covers it (`exception` set:
 * the answer warns and annotates instead of denying); the others as they are.
 */
export function applyExceptions<I extends ImageInput>(
  verdicts: readonly ImageVerdict<I>[],
  exceptions: readonly PolicyException[],
  context: ExceptionContext,
): ImageVerdict<I>[] {
  if (exceptions.length === 0) return [...verdicts];
  return verdicts.map((v) => {
    if (!layerVerdicts(v).some(denies)) return v;
    const found = findException(v, exceptions, context);
    if (!found) return v;
    const { namespace, name, uid, reason, expiresAt } = found;
    return { ...v, exception: { namespace, name, ...(uid && { uid }), reason, expiresAt } };
  });
}
