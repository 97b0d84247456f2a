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

/** Which trust layer gave a verdict (issue 17): the cluster's TrustPolicy or the namespace's. */
export type VerdictLayer = 'cluster' | 'namespace';

/** The TrustPolicyException that admitted an image its layers denied (issue 17, break glass). */
export interface ExceptionUse {
  namespace: string;
  name: string;
  uid?: string;
  reason: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** What issue 17 adds to a verdict (absent: a single layer, no exception, as before). */
export interface LayeredFields<I extends ImageInput> {
  /** Set when the namespace has a layer of its own: which one this verdict is. */
  layer?: VerdictLayer;
  /** The other layer's verdict, when both were asked (its warnings and audit note count too). */
  also?: ImageVerdict<I>;
  /** Set when an exception admitted what the verdict (or `also`) denies. */
  exception?: ExceptionUse;
}

/** What happened to one image. `code` is the stable error code shown as `[CODE]`. */
export type ImageVerdict<I extends ImageInput = ImageInput> = LayeredFields<I> &
  (
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
        /** Set when Docker Content Trust, not Notation, passed it (issue 18): role and tag. */
        dct?: DctPass;
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
      }
  );

/** What passed an image through Docker Content Trust (issue 18): the signing role and target. */
export interface DctPass {
  role: string;
  tag: string;
}

/** The policy name of verdicts no trust policy statement governed. */
export const NO_POLICY = '(none)';
