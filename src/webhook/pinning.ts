// Standing decision 5 at /validate: a tag that a `mutateDigest` statement governs must arrive
// pinned (`name:tag@sha256:…`), because /mutate pins every tag it verified before /validate runs.
// A tag that arrives unpinned means /mutate did not run for it (down, timed out, overloaded, or a
// later mutating webhook added the image): the tag may name other content by the time the kubelet
// pulls it, so it is refused, whatever it verifies to now. Pure.
import type { Snapshot } from '../config/snapshot.types.js';
import type { WebhookCode } from './codes/index.js';
import type { ImageVerdict } from './decision.js';
import { hasDigest } from './images.js';

/** The sentence of a `[DIGEST_REQUIRED]` denial (decision.ts shows it as the whole clause). */
export function digestRequiredReason(policy: string): string {
  return (
    `not pinned to a digest: policy "${policy}" has mutateDigest, and the mutating webhook did ` +
    'not pin this tag (it was not called, timed out or was overloaded); retry, or name the ' +
    'image by digest'
  );
}

/**
 * The verdict /validate gives: a verified tag its statement wants pinned becomes a definitive
 * `DIGEST_REQUIRED` failure (its action applies, as to any failure). Only a verified image is
 * turned: a failed or inconclusive one keeps its own reason, which says more, and is not admitted
 * by a Deny policy either. An unchanged tag of an UPDATE is left alone (/mutate does not pin it:
 * that would restart the container); skipped and ungoverned images need no pin.
 */
export function requirePinned(verdict: ImageVerdict, snapshot: Snapshot): ImageVerdict {
  if (verdict.kind !== 'verified' || verdict.image.unchanged === true) return verdict;
  if (!snapshot.admission(verdict.admission.policy).mutateDigest) return verdict;
  if (hasDigest(verdict.image.image)) return verdict;
  return {
    kind: 'failed',
    image: verdict.image,
    digest: verdict.digest,
    admission: verdict.admission,
    code: 'DIGEST_REQUIRED' satisfies WebhookCode,
    reason: digestRequiredReason(verdict.admission.policy),
  };
}
