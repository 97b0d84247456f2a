/**
 * Notary v1 / TUF verification of Docker Content Trust data: pure, no network (metadata comes
 * through a TufMetadataSource) and no clock (`now` is a parameter). SPEC.md says each rule and why.
 */
export { TufError, isTufError, type TufErrorCode, type TufRole } from './errors.js';
export { DEFAULT_TUF_LIMITS, type TufLimits } from './limits.js';
export type { FoundTarget, ImageToVerify } from './lookup.js';
export type { TrustedRoot } from './root.js';
export type { TufMetadataRequest, TufMetadataSource } from './source.js';
export { EMPTY_STATE, TufStateMemory, mergeState, type TufState } from './state.js';
export { createTufTrustStore, type TufTrustStore } from './trust-store.js';
export {
  DOCKER_ROLES,
  verifyTrustData,
  type TrustedTarget,
  type VerifyTrustDataOptions,
} from './verify-trust-data.js';
