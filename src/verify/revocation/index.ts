/**
 * Certificate revocation (OCSP and CRL) through an injected fetcher. Nothing here does I/O or
 * reads the clock: the caller supplies both.
 */
export { RevocationCache, type RevocationCacheOptions } from './cache.js';
export {
  checkRevocation,
  type CertificateRevocation,
  type CertRevocationStatus,
  type RevocationOptions,
  type RevocationResult,
} from './check.js';
export type { RevocationFetcher, RevocationRequest, RevocationResponse } from './fetcher.js';
export {
  createCrlBundle,
  CrlBundleError,
  mergeCrlBundles,
  MAX_BUNDLE_BYTES,
  MAX_BUNDLE_CRLS,
  type BundledCrl,
  type CrlBundle,
  type CrlInput,
} from './bundle.js';
