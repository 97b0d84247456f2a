// Every code a user meets, as closed unions: the `[CODE]` of a denial (and of the metrics `code`
// label), and the codes of configuration errors (at start-up, from `verify`, in TrustPolicy
// status, and quoted in POLICY_NOT_READY denials). The catalogue has one entry per member, so a
// code added to a union without its entry does not compile (docs/troubleshooting.md's tables are
// rendered from it). Notary v1 trust data codes (src/verify/tuf) show as `DCT_<code>` (DctCode).
import type { ConfigErrorCode } from '../../config/errors.js';
import type { RegistryErrorCode } from '../../registry/index.js';
import type { PolicyErrorCode, TufErrorCode, VerificationErrorCode } from '../../verify/index.js';

/**
 * Codes src/pipeline gives an image's verdict besides NO_APPLICABLE_POLICY (src/verify) and
 * INVALID_REFERENCE and TIMEOUT (src/registry). ImageVerdict's `code` is typed `string` there:
 * test/lint/codes.test.ts checks its literals against this catalogue.
 */
export type PipelineCode =
  | 'POLICY_NOT_READY'
  | 'INTERNAL_ERROR'
  // required signed referrers (src/pipeline/referrers.ts)
  | 'REFERRER_NOT_FOUND'
  | 'REFERRER_INVALID'
  | 'REFERRER_TOO_OLD'
  | 'REFERRER_UNTRUSTED'
  // multi-arch subjects (src/pipeline/platforms.ts)
  | 'PLATFORM_NOT_FOUND'
  | 'TOO_MANY_PLATFORMS';

/** Codes the review (src/webhook/review.ts and its helpers) and the HTTP edge give. */
export type WebhookCode =
  | 'POLICY_NOT_LOADED'
  | 'NAMESPACE_UNKNOWN'
  | 'DIGEST_REQUIRED'
  | 'TIMEOUT'
  | 'IMAGE_UNREADABLE'
  | 'OVERLOADED'
  | 'ADMISSION_REVIEW_INVALID'
  | 'INTERNAL_ERROR';

/** Codes the admission layer adds to the verifier's and the registry client's. */
export type AdmissionCode = Exclude<
  PipelineCode | WebhookCode,
  VerificationErrorCode | RegistryErrorCode
>;

/**
 * Docker Content Trust (issue 18, src/pipeline/dct.ts): each TUF code as a denial shows it, and
 * the end of a policy's window.
 */
export type DctCode = `DCT_${TufErrorCode}` | 'DCT_WINDOW_CLOSED';

/** Every code a denial can show as `[CODE]`. */
export type DenialCode = VerificationErrorCode | RegistryErrorCode | AdmissionCode | DctCode;

/**
 * Codes of a configuration that cannot be used: PolicyError's (one per problem of a trust policy
 * or trust store), ConfigError's, and TRUST_STORE_MISSING (a problem of TRUST_STORE_INVALID in a
 * notation directory, src/config/file-snapshot.ts). Never a denial's own code.
 */
export type ConfigurationCode = PolicyErrorCode | ConfigErrorCode | 'TRUST_STORE_MISSING';

/**
 * What decides the outcome of an image that gets the code: the TrustPolicy's `action` (a
 * definitive failure: Deny, or admitted by Warn and Audit), its `onError` (inconclusive: Deny,
 * or admitted by Allow), the service's `--no-match`, nothing (`always` denied), or the webhook
 * configuration's `failurePolicy` (no admission answer at all).
 */
export type DecidedBy = 'action' | 'onError' | 'noMatch' | 'always' | 'failurePolicy';

/** One code: what it means and what to do, each one line (they are table cells). */
export interface CodeEntry {
  readonly meaning: string;
  readonly remedy: string;
}

export interface DenialEntry extends CodeEntry {
  readonly decidedBy: DecidedBy;
}

/** A catalogue with exactly one entry per member of `C`. */
export type Catalogue<C extends string, E extends CodeEntry = CodeEntry> = {
  readonly [K in C]: E;
};
