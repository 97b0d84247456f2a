/**
 * Trust configuration and service settings: the notation file source compiled into immutable
 * snapshots with a revision, and the command lines of `serve` and `verify`. The only room that
 * reads the environment; it produces plain data for the composition root.
 */
export * from './snapshot.types.js';
export {
  ConfigError,
  describePolicyError,
  isConfigError,
  type ConfigErrorCode,
  type ConfigErrorOptions,
  type ConfigProblem,
} from './errors.js';
export { canonicalJson, computeRevision, type RevisionInput } from './revision.js';
export {
  ADMISSION_ACTIONS,
  NO_MATCH_ACTIONS,
  ON_ERROR_ACTIONS,
  parseAdmissionOverrides,
  resolveAdmission,
} from './admission.js';
export { createSnapshot, type SnapshotParts } from './snapshot.js';
export {
  loadFileSnapshot,
  readTrustPolicy,
  readTrustStores,
  type FileSnapshotOptions,
  type TrustStoreWarning,
} from './file-snapshot.js';
export { createFileSource, type FileSource, type FileSourceOptions } from './file-source.js';
export {
  LEGACY_TRUST_POLICY_FILE,
  notationConfigDir,
  notationPaths,
  OCI_TRUST_POLICY_FILE,
  type Env,
  type NotationPaths,
  type NotationPathsOptions,
} from './notation-dir.js';
export {
  API_SERVER_IDLE_TIMEOUT_MS,
  defaultTlsDir,
  LOG_LEVELS,
  OUTPUT_FORMATS,
  REVOCATION_MODES,
  SERVE_DEFAULTS,
  VERIFY_DEFAULTS,
  type CacheSettings,
  type LogLevel,
  type OutputFormat,
  type PrivateNetworks,
  type RegistrySettings,
  type RevocationMode,
  type ServeSettings,
  type VerifySettings,
} from './settings.js';
export {
  parseDockerConfigJson,
  watchCredentialsFile,
  type CredentialsReloadResult,
  type CredentialsWatcher,
  type DockerConfigDocument,
} from './credentials-file.js';
export { parseProxyUrl, type ProxySettings } from './proxy-settings.js';
export { MIRROR_FLAGS, type MirrorSettings } from './mirror-settings.js';
export { CRL_BUNDLE_FLAG, readCrlBundle } from './crl-bundle.js';
export {
  CLOUD_PROVIDERS,
  type AcrSettings,
  type AwsIdentity,
  type CloudCredentialSettings,
  type CloudProviderName,
  type EcrSettings,
  type GcpSettings,
} from './cloud-settings.js';
export { parseServeArgs, parseVerifyArgs, serveHelp, verifyHelp, wantsHelp } from './args.js';
export {
  SELF_MANAGED_TLS_DEFAULTS,
  TLS_SECRET_FLAGS,
  type SelfManagedTlsSettings,
} from './tls-settings.js';
export {
  VISIBILITY_DEFAULTS,
  VISIBILITY_FLAGS,
  type VisibilitySettings,
} from './visibility-settings.js';
export { envName, ENV_PREFIX } from './sources.js';
export { parseDuration } from './values.js';
export { processEnvironment } from './env.js';
export * from './crd/index.js';
