// Public API of src/pipeline: the per-image pipeline shared by the webhook, the `verify` CLI and
// (next) the background verifier.
export {
  NO_POLICY,
  type DctPass,
  type ExceptionUse,
  type ImageInput,
  type ImageVerdict,
  type LayeredFields,
  type VerdictAdmission,
  type VerdictLayer,
} from './image-verdict.js';
export { combineLayers, denies, layerVerdicts, withNamespaceLayer } from './layers.js';
export { applyExceptions, findException, type ExceptionContext } from './exceptions.js';
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
export {
  createDctContext,
  ROOT_REUSE_MS,
  type DctContext,
  type DctContextOptions,
} from './dct-context.js';
export {
  verifyDct,
  type ComputedVerification,
  type DctOutcome,
  type DctVerification,
} from './dct.js';
