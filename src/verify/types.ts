import type { Certificate, CertificateLike } from './x509/certificate.js';
import type { ValidationType, VerificationError } from './errors.js';

/** An OCI content descriptor (the subset verification compares). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
}

export type SigningScheme = 'notary.x509' | 'notary.x509.signingAuthority';

/** JWS names; COSE envelopes map their integer algorithms onto these. */
export type SignatureAlgorithm = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

/** A signed attribute the verifier does not know, kept so the critical ones can fail. */
export interface ExtendedAttribute {
  key: string;
  value: unknown;
  critical: boolean;
}

/**
 * What a verified envelope says, independent of JWS or COSE (notation-core-go's SignerInfo).
 * Produced only after the envelope's signature has been checked over the received bytes.
 */
export interface SignerInfo {
  signingScheme: SigningScheme;
  /** `io.cncf.notary.signingTime` (notary.x509): asserted by the signer, not trusted. */
  signingTime?: Date;
  /** `io.cncf.notary.authenticSigningTime` (notary.x509.signingAuthority). */
  authenticSigningTime?: Date;
  expiry?: Date;
  signatureAlgorithm: SignatureAlgorithm;
  /** Leaf first, root last, as the envelope carries them (unsigned header), each parsed once. */
  certificateChain: Certificate[];
  /** The primitive signature bytes: what an RFC 3161 timestamp's imprint covers. */
  signature: Uint8Array;
  /** `io.cncf.notary.timestampSignature`: a DER TimeStampToken (unsigned header). */
  timestampToken?: Uint8Array;
  /** `io.cncf.notary.signingAgent`: informational only, never validated. */
  signingAgent?: string;
  /** `io.cncf.notary.verificationPlugin`: this verifier runs no plugins. */
  verificationPlugin?: string;
  verificationPluginMinVersion?: string;
  extendedAttributes: ExtendedAttribute[];
}

export interface EnvelopeContent {
  /** `targetArtifact` of the `application/vnd.cncf.notary.payload.v1+json` payload. */
  targetArtifact: Descriptor;
  signerInfo: SignerInfo;
}

/** Media types of the two envelope formats (the signature manifest's layer mediaType). */
export const JWS_MEDIA_TYPE = 'application/jose+json';
export const COSE_MEDIA_TYPE = 'application/cose';
export const PAYLOAD_MEDIA_TYPE = 'application/vnd.cncf.notary.payload.v1+json';

export type VerificationLevel = 'strict' | 'permissive' | 'audit' | 'skip';
export type ValidationAction = 'enforce' | 'log' | 'skip';

/** One validation's outcome for one signature, as the level decided it. */
export interface ValidationResult {
  type: ValidationType;
  action: ValidationAction;
  /** Absent when the validation passed (or was skipped). */
  error?: VerificationError;
}

export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa';

/** A named trust store: certificates trusted per certificate, not per key. */
export interface TrustStore {
  type: TrustStoreType;
  name: string;
  /** Parsed by createTrustStore; a caller's own @peculiar/x509 certificates are read alike. */
  certificates: CertificateLike[];
}

/** Trust stores by `type:name`, as trust policies reference them. */
export type TrustStores = ReadonlyMap<string, TrustStore>;
