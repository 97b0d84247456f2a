// What a review's verdicts become: the AdmissionReview answer of /validate (decides) or /mutate
// (pins verified tags, never denies), and the summary its log line and metrics carry.
import type { Snapshot } from '../config/snapshot.types.js';
import { admissionReviewResponse, type AdmissionRequest } from './admission-review.js';
import type { AdmissionDecision, ImageVerdict } from './decision.js';
import { pinPatch } from './patch.js';
import { denies } from '../pipeline/index.js';

export type WebhookKind = 'validate' | 'mutate';

export type Answer = {
  decision: AdmissionDecision;
  verdicts: ImageVerdict[];
  problems: string[];
  snapshot?: Snapshot;
};

/** The AdmissionReview answer: /validate decides; /mutate only pins verified tags. */
export function respond(request: AdmissionRequest, outcome: Answer, webhook: WebhookKind) {
  const { decision, verdicts, snapshot } = outcome;
  if (webhook === 'mutate') {
    // An unchanged tag of an UPDATE is left as it runs: rewriting it would restart the
    // container or roll out the workload (it is verified, and /validate does not demand a pin).
    const pins = verdicts.filter(
      (v): v is Extract<ImageVerdict, { kind: 'verified' }> =>
        v.kind === 'verified' &&
        v.image.unchanged !== true &&
        snapshot?.admission(v.admission.policy).mutateDigest === true,
    );
    const patch = pinPatch(pins.map((v) => ({ ...v.image, digest: v.digest })));
    // Denials are the validating webhook's to make: the mutating one never denies.
    const body = admissionReviewResponse({ uid: request.uid, allowed: true, patch });
    return { body, allowed: true, verdict: 'allowed' as const };
  }
  const body = admissionReviewResponse({
    uid: request.uid,
    allowed: decision.allowed,
    ...(decision.message !== undefined && { message: decision.message }),
    warnings: decision.warnings,
    auditAnnotations: decision.auditAnnotations,
  });
  const verdict = !decision.allowed
    ? ('denied' as const)
    : decision.warnings.length > 0
      ? ('warned' as const)
      : ('allowed' as const);
  return { body, allowed: decision.allowed, verdict };
}

/** The code of the first denial (the metrics `code` label), or empty. */
export function firstCode(verdicts: readonly ImageVerdict[], problems: readonly string[]): string {
  if (problems.length > 0) return 'IMAGE_UNREADABLE';
  const denied = verdicts.find((v) => v.exception === undefined && denies(v));
  return denied && 'code' in denied ? denied.code : '';
}

/** One log entry per image: where, what, verdict, code (never credentials). */
export function logImages(verdicts: readonly ImageVerdict[]): object[] {
  return verdicts.map((v) => ({
    path: v.image.fieldPath,
    image: v.image.image,
    ...('digest' in v && v.digest !== undefined && { digest: v.digest }),
    verdict: v.kind,
    policy: v.admission.policy,
    ...(v.layer && { layer: v.layer }),
    ...(v.also && { also: { policy: v.also.admission.policy, verdict: v.also.kind } }),
    ...(v.exception && { exception: `${v.exception.namespace}/${v.exception.name}` }),
    ...('code' in v && { code: v.code }),
    ...(v.kind === 'verified' && v.cached === true && { cached: true }),
  }));
}
