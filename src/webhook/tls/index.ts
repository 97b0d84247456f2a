/** The webhook's serving TLS: a generated pair, the TLS policy, and hot reload from files. */
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
