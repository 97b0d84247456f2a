// Issue 17, break glass: a TrustPolicyException admits, with a warning, an image its layers deny,
// while it is in force. Applied to each review's verdicts after the pipeline (never to what the
// cache holds), with the review's own clock: the instant an exception expires it stops applying,
// whatever was cached. Pure.
import type { ExceptedImage, NamespaceLabels, PolicyException } from '../config/snapshot.types.js';
import { parseReference, repositoryName } from '../registry/index.js';
import type { ImageInput, ImageVerdict } from './image-verdict.js';
import { denies, layerVerdicts } from './layers.js';

/**
 * Who and when: the labels of the Pod (or pod template) under review, undefined when they cannot
 * be read (then no exception covers it, whatever its selector), and now (epoch ms).
 */
export interface ExceptionContext {
  labels: NamespaceLabels | undefined;
  now: number;
}

type Parsed = { ref: ReturnType<typeof parseReference>; repository: string };

/**
 * Whether an excepted image names this reference. `verified`: the digests a layer verified
 * (what /mutate may have pinned a tag to).
 */
function names(entry: ExceptedImage, at: Parsed, verified: readonly string[]): boolean {
  const { ref, repository } = at;
  if (entry.repository !== undefined && entry.repository !== repository) return false;
  // By digest: only a reference that names it. A tag that resolved to it now is pulled later by
  // the kubelet as whatever the tag names then (/mutate pins no image it did not verify).
  if (entry.digest !== undefined) return entry.digest === ref.digest;
  if (entry.tag === undefined || entry.tag !== ref.tag) return false;
  // By tag: the tag the Pod names. `tag@digest` pulls the digest, which the Pod's writer chose:
  // any content of the repository. It counts only where /mutate can have pinned it, i.e. a layer
  // verified that digest (the team's stricter rule denied it); otherwise name the digest.
  return ref.digest === undefined || verified.includes(ref.digest);
}

function parsed(image: string): Parsed | undefined {
  try {
    const ref = parseReference(image);
    return { ref, repository: repositoryName(ref) };
  } catch {
    return undefined; // unreadable: no exception names it
  }
}

/** The exception in force now that covers this image for this Pod, if any. */
export function findException<I extends ImageInput>(
  verdict: ImageVerdict<I>,
  exceptions: readonly PolicyException[],
  context: ExceptionContext,
): PolicyException | undefined {
  const { labels, now } = context;
  const at = parsed(verdict.image.image);
  if (!at || labels === undefined) return undefined;
  const verified = layerVerdicts(verdict).flatMap((v) => (v.kind === 'verified' ? [v.digest] : []));
  return exceptions.find(
    (e) =>
      now < e.expiresAt && e.covers(labels) && e.images.some((entry) => names(entry, at, verified)),
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
