// The pipeline's output: what happened to one image. The webhook turns verdicts into an
// AdmissionReview answer (src/webhook/decision.ts); other callers report them their own way.
import type { PolicyAdmission } from '../config/snapshot.types.js';

/**
 * What the pipeline is given: an image reference as written. A caller may carry more (the
 * webhook's field path); the verdict hands its own object back.
 */
export interface ImageInput {
  readonly image: string;
}

/** The admission fields a verdict carries (a snapshot's PolicyAdmission has more). */
export type VerdictAdmission = Pick<PolicyAdmission, 'policy' | 'action' | 'onError'>;

/** What happened to one image. `code` is the stable error code shown as `[CODE]`. */
export type ImageVerdict<I extends ImageInput = ImageInput> =
  | {
      kind: 'verified';
      image: I;
      digest: string;
      admission: VerdictAdmission;
      logged: string[];
      /** True when the verdict came from the cache (shown in the audit annotation). */
      cached?: boolean;
      /** The host that served the image when a registry mirror entry governs it (issue 15). */
      host?: string;
    }
  | { kind: 'skipped'; image: I; admission: VerdictAdmission }
  | {
      kind: 'failed';
      image: I;
      digest?: string;
      admission: VerdictAdmission;
      code: string;
      reason: string;
    }
  | {
      kind: 'inconclusive';
      image: I;
      digest?: string;
      admission: VerdictAdmission;
      code: string;
      reason: string;
      /** The unexpected error behind an INTERNAL_ERROR, for the logs only (never shown). */
      error?: unknown;
    };

/** The policy name of verdicts no trust policy statement governed. */
export const NO_POLICY = '(none)';
