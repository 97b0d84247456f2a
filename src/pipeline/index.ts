// Public API of src/pipeline: the per-image pipeline shared by the webhook, the `verify` CLI and
// (next) the background verifier.
export {
  NO_POLICY,
  type ImageInput,
  type ImageVerdict,
  type VerdictAdmission,
} from './image-verdict.js';
export { verdictKey } from './key.js';
export {
  choosePolicy,
  invalidReference,
  singleStatement,
  type PolicyChoice,
  type PolicyVerdict,
} from './policy.js';
export {
  createTagResolver,
  resolveArtifact,
  type TagResolver,
  type TagResolverOptions,
} from './resolve.js';
export {
  CLEAN_VERDICT,
  classifyRegistryError,
  groupsVerdict,
  loggedFailures,
  verdictOf,
  type CachedVerdict,
  type ClassifiedFailure,
} from './verdict.js';
export {
  createImageVerifier,
  type ImageRegistry,
  type ImageVerifierOptions,
  type ReviewScope,
  type VerifyImage,
} from './verify-image.js';
export { verifyImageOnce, type ImageVerification, type VerifyOnceOptions } from './verify-once.js';
export { computeVerification, type ComputeOptions } from './compute.js';
export {
  boundRegistry,
  createMirrorLocator,
  namingHost,
  type MirrorLocator,
  type MirrorRouting,
} from './mirror-step.js';
