/**
 * Coded errors of the verifier. A code is part of the public interface: it appears in denial
 * messages and as the `reason` metric label, so changing one is a breaking change.
 */

/** The validations of the Notary Project trust policy, in the order the spec runs them. */
export type ValidationType =
  'integrity' | 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';

/** Where a failure belongs when it is not one of the five validations. */
export type FailureStage = ValidationType | 'policy' | 'retrieval' | 'plugin' | 'metadata';

export type VerificationErrorCode =
  // policy selection and signature retrieval
  | 'NO_APPLICABLE_POLICY'
  | 'SIGNATURE_NOT_FOUND'
  | 'MAX_SIGNATURES_EXCEEDED'
  // the registry answered, but not with a valid signature artifact or list of referrers
  | 'SIGNATURE_ARTIFACT_INVALID'
  | 'SIGNATURE_LIST_INVALID'
  // integrity (never logged, at any level)
  | 'ENVELOPE_UNSUPPORTED'
  | 'ENVELOPE_MALFORMED'
  | 'UNKNOWN_CRITICAL_HEADER'
  | 'ALGORITHM_UNSUPPORTED'
  | 'SIGNATURE_INVALID'
  | 'PAYLOAD_MISMATCH'
  | 'CERT_REQUIREMENTS_UNMET'
  // authenticity
  | 'CERT_CHAIN_UNTRUSTED'
  | 'IDENTITY_UNTRUSTED'
  // expiry
  | 'SIGNATURE_EXPIRED'
  // authentic timestamp
  | 'CERT_NOT_VALID_AT_TIME'
  | 'TIMESTAMP_MISSING'
  | 'TIMESTAMP_INVALID'
  // revocation
  | 'CERT_REVOKED'
  | 'REVOCATION_UNKNOWN'
  // other
  | 'PLUGIN_REQUIRED'
  | 'METADATA_MISMATCH';

export class VerificationError extends Error {
  override readonly name = 'VerificationError';
  readonly code: VerificationErrorCode;
  readonly stage: FailureStage;

  constructor(
    code: VerificationErrorCode,
    stage: FailureStage,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.stage = stage;
  }
}

export type PolicyErrorCode =
  | 'POLICY_MALFORMED'
  | 'POLICY_VERSION_UNSUPPORTED'
  | 'POLICY_NAME_INVALID'
  | 'POLICY_NAME_DUPLICATE'
  | 'SCOPE_INVALID'
  | 'SCOPE_DUPLICATE'
  | 'LEVEL_INVALID'
  | 'OVERRIDE_INVALID'
  | 'VERIFY_TIMESTAMP_INVALID'
  | 'TRUST_STORE_REFERENCE_INVALID'
  | 'IDENTITY_INVALID'
  | 'IDENTITIES_OVERLAP'
  | 'SKIP_WITH_GLOBAL_SCOPE'
  | 'TRUST_STORE_INVALID';

/**
 * A trust policy document or trust store that cannot be used. It never reaches an admission
 * decision as such: the configuration is refused, and what it would govern is denied.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly code: PolicyErrorCode;
  /** Where in the document, e.g. `trustPolicies[1].registryScopes[0]`. */
  readonly path: string;

  constructor(code: PolicyErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(path ? `${path}: ${message}` : message, options);
    this.code = code;
    this.path = path;
  }
}
