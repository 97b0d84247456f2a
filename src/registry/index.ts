/** The OCI registry client: references, auth, resolve, referrers and signatures, with limits. */
export {
  DEFAULT_GUARD_SETTINGS,
  classifyAddress,
  isAddressAllowed,
  type AddressClass,
  type GuardSettings,
  type HostResolver,
  type NetworkAllowance,
} from './address-guard.js';
export { RegistryClient, type FetchedEnvelope, type SignatureCandidate } from './client.js';
export type { RegistryClientOptions } from './options.js';
export {
  MAX_MIRROR_ENTRIES,
  MAX_MIRRORS_PER_ENTRY,
  MirrorTable,
  type Endpoint,
  type MirrorEntry,
} from './mirrors.js';
export {
  atEndpoint,
  describeAnswers,
  locateArtifact,
  type HostAnswer,
  type Located,
} from './mirror-locate.js';
export type { ProxyOptions } from './proxy.js';
export {
  credentialsFingerprint,
  credentialsFromDockerConfig,
  type CredentialLookup,
  type Credentials,
  type DockerConfig,
} from './credentials.js';
export type {
  ProvidedCredentials,
  RegistryCredentialProvider,
  RegistryExchange,
} from './credential-provider.js';
export type { CallOptions } from './deadline.js';
export { RegistryError, isRegistryError, type RegistryErrorCode } from './errors.js';
export type { OciDescriptor } from './manifest.js';
export {
  MANIFEST_ACCEPT,
  NOTARY_SIGNATURE,
  OCI_INDEX,
  OCI_MANIFEST,
  THUMBPRINT_ANNOTATION,
} from './media-types.js';
export {
  DOCKER_HUB,
  formatReference,
  parseReference,
  repositoryName,
  type ImageReference,
} from './reference.js';
export type { SignatureDescriptor } from './signatures.js';
export {
  CREATED_ANNOTATION,
  parseCreated,
  type FetchedReferrer,
  type ReferrerDescriptor,
  type ReferrerListing,
} from './referrer-artifacts.js';
export {
  createRevocationFetcher,
  type ClosableRevocationFetcher,
  type RevocationFetcherOptions,
} from './revocation-fetcher.js';
export { NotaryClient, isNotaryGun, metadataPath, type NotaryClientOptions } from './notary-v1.js';
