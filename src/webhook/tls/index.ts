/** The webhook serving TLS: a generated pair, the TLS policy, hot reload from files, a small CA and serving from memory (self-managed). */
export {
  CA_FILE,
  CERT_FILE,
  KEY_FILE,
  RENEW_BEFORE_DAYS,
  VALIDITY_DAYS,
  generateSelfSigned,
  type GenerateSelfSignedOptions,
  type SelfSignedTls,
} from './self-signed.js';
export {
  TlsError,
  httpsServerOptions,
  loadServingTls,
  parseServingTls,
  secureContextOptions,
  type LeafInfo,
  type LoadServingTlsOptions,
  type ParseServingTlsInput,
  type ServingTls,
  type TlsErrorCode,
  type TlsMinVersion,
  type TlsPolicyOptions,
} from './serving-tls.js';
export {
  watchServingTls,
  type TlsReloadResult,
  type TlsReloader,
  type WatchServingTlsOptions,
} from './reloader.js';
export {
  BACKDATE_MS,
  checkNames,
  issueCa,
  issueServing,
  type IssueCaOptions,
  type IssueServingOptions,
  type PemPair,
} from './authority.js';
export {
  createServingSwitch,
  parseBundle,
  placeholderTls,
  trustedBy,
  type ServingSwitch,
  type ServingSwitchOptions,
} from './memory-pair.js';
