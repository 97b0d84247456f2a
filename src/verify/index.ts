/**
 * The Notary Project (Notation) verifier: pure, no network and no clock. Everything a caller
 * needs is exported here; the files behind it are internal.
 */
export { VerificationError, PolicyError } from './errors.js';
export type {
  FailureStage,
  PolicyErrorCode,
  ValidationType,
  VerificationErrorCode,
} from './errors.js';
export type {
  Descriptor,
  EnvelopeContent,
  SignatureAlgorithm,
  SignerInfo,
  SigningScheme,
  TrustStore,
  TrustStores,
  TrustStoreType,
  ValidationAction,
  ValidationResult,
  VerificationLevel,
} from './types.js';
export { COSE_MEDIA_TYPE, JWS_MEDIA_TYPE, PAYLOAD_MEDIA_TYPE } from './types.js';
export { parseEnvelope } from './envelope/index.js';
export {
  parseTrustPolicyDocument,
  scopeSpecificity,
  selectTrustPolicy,
  statementSpecificity,
  validateTrustPolicyDocument,
  validationActions,
  type SignatureVerification,
  type TrustPolicyDocument,
  type TrustPolicyStatement,
} from './trust-policy/index.js';
export { createTrustStore } from './trust-store/trust-store.js';
export { loadTrustStores } from './trust-store/load-dir.js';
export {
  checkRevocation,
  createCrlBundle,
  CrlBundleError,
  MAX_BUNDLE_BYTES,
  MAX_BUNDLE_CRLS,
  mergeCrlBundles,
  RevocationCache,
  type CrlBundle,
  type CrlInput,
  type RevocationFetcher,
  type RevocationRequest,
  type RevocationResponse,
  type RevocationResult,
} from './revocation/index.js';
export { createRevocationChecker, type RevocationChecker } from './steps.js';
export {
  verifySignature,
  type Envelope,
  type SignatureOutcome,
  type VerifySignatureOptions,
} from './verify-signature.js';
export {
  verifyArtifact,
  type ArtifactDigest,
  type ArtifactOutcome,
  type VerifyArtifactOptions,
} from './verify-artifact.js';
export {
  verifyGroups,
  type GroupOutcome,
  type GroupsOutcome,
  type SignerGroupStatement,
  type VerifyGroupsOptions,
} from './verify-groups.js';
export {
  DEFAULT_MAX_SIGNATURES,
  type RetrievalFailure,
  type SignatureCandidate,
} from './candidates.js';
// Notary v1 / TUF (Docker Content Trust) trust data: src/verify/tuf, SPEC.md.
export {
  DOCKER_ROLES,
  EMPTY_STATE,
  TufError,
  TufStateMemory,
  createTufTrustStore,
  isTufError,
  mergeState,
  verifyTrustData,
  type FoundTarget,
  type ImageToVerify,
  type TrustedRoot,
  type TrustedTarget,
  type TufErrorCode,
  type TufMetadataRequest,
  type TufMetadataSource,
  type TufRole,
  type TufState,
  type TufTrustStore,
  type VerifyTrustDataOptions,
} from './tuf/index.js';
