// The verifier's codes (src/verify/errors.ts, VerificationErrorCode): what each means in a
// denial and what to do. Every one is a definitive failure, so the TrustPolicy's action decides,
// except NO_APPLICABLE_POLICY (the service's --no-match; chart value config.noMatch).
import type { VerificationErrorCode } from '../../verify/index.js';
import type { Catalogue, DenialEntry } from './types.js';

export const VERIFICATION_CODES: Catalogue<VerificationErrorCode, DenialEntry> = {
  NO_APPLICABLE_POLICY: {
    decidedBy: 'noMatch',
    meaning: "no trust policy statement's registryScopes cover the image's repository",
    remedy:
      'add the repository (in normal form) to a TrustPolicy, or set config.noMatch to Warn or Allow for images no policy covers',
  },
  SIGNATURE_NOT_FOUND: {
    decidedBy: 'action',
    meaning: 'the registry lists no Notation signature for the digest',
    remedy:
      'sign the image (`notation sign <image>@<digest>`) in the same repository, and check with `notation ls`',
  },
  MAX_SIGNATURES_EXCEEDED: {
    decidedBy: 'action',
    meaning:
      'none of the signatures tried passed, and the image has more than --max-signatures (32)',
    remedy:
      'remove stale signatures from the repository, or raise --max-signatures (config.extraArgs)',
  },
  SIGNATURE_ARTIFACT_INVALID: {
    decidedBy: 'action',
    meaning:
      'the registry answered, but not with a valid signature artifact (wrong layers or subject, oversized, 404 for a listed manifest)',
    remedy:
      'delete the broken referrer and sign again; someone with push rights may have attached junk',
  },
  SIGNATURE_LIST_INVALID: {
    decidedBy: 'action',
    meaning:
      'the registry answered the signature listing (referrers API or sha256- tag) with something that is not a valid index',
    remedy: "check the registry's referrers support, or delete and rewrite the sha256-… tag",
  },
  ENVELOPE_UNSUPPORTED: {
    decidedBy: 'action',
    meaning: 'the signature envelope is neither JWS nor COSE',
    remedy: 'sign with notation (`--signature-format jws` or `cose`)',
  },
  ENVELOPE_MALFORMED: {
    decidedBy: 'action',
    meaning:
      'the envelope or its headers break the envelope rules (more than 16 certificates included)',
    remedy: 'sign again with notation; a hand-made or corrupted envelope cannot be verified',
  },
  UNKNOWN_CRITICAL_HEADER: {
    decidedBy: 'action',
    meaning: 'the signature marks a signed attribute critical that this verifier does not know',
    remedy: 'sign with a notation release this verifier supports (docs/conformance.md)',
  },
  ALGORITHM_UNSUPPORTED: {
    decidedBy: 'action',
    meaning:
      'the key type or size, or the signing algorithm, is not allowed by the Notary Project or does not match the certificate',
    remedy: 'sign with RSA 2048–4096 or ECDSA P-256/384/521 and the matching algorithm',
  },
  SIGNATURE_INVALID: {
    decidedBy: 'action',
    meaning: 'the cryptographic signature does not verify: the envelope was altered',
    remedy: 'treat the image as tampered with; sign it again from a trusted build',
  },
  PAYLOAD_MISMATCH: {
    decidedBy: 'action',
    meaning: "the signed descriptor is not the image's (digest, size or media type)",
    remedy:
      'sign the digest the Pod names; a signature copied from another image is never accepted',
  },
  CERT_REQUIREMENTS_UNMET: {
    decidedBy: 'action',
    meaning:
      'the certificate chain breaks the Notary Project certificate rules (key usage, EKU, basic constraints, validity)',
    remedy:
      'issue a code-signing certificate that meets the Notary Project requirements, then sign again',
  },
  CERT_CHAIN_UNTRUSTED: {
    decidedBy: 'action',
    meaning: "the signing chain reaches no certificate of the policy's trust stores",
    remedy:
      "add the signer's root CA to a TrustStore the TrustPolicy names (`kubectl get truststores`), or sign with a trusted key",
  },
  IDENTITY_UNTRUSTED: {
    decidedBy: 'action',
    meaning: "the signing certificate's subject is not in the policy's trustedIdentities",
    remedy:
      'add the signer\'s "x509.subject: …" to trustedIdentities, or sign with a trusted identity',
  },
  SIGNATURE_EXPIRED: {
    decidedBy: 'action',
    meaning: "the signature's expiry (notation sign --expiry) has passed",
    remedy: 'sign the image again, or lower the expiry validation to log in the policy level',
  },
  CERT_NOT_VALID_AT_TIME: {
    decidedBy: 'action',
    meaning:
      'a certificate of the chain was not valid at the time that counts (now, or the authentic timestamp)',
    remedy:
      'sign again with a valid certificate, with a timestamp (--timestamp-url) so it outlives the certificate',
  },
  TIMESTAMP_MISSING: {
    decidedBy: 'action',
    meaning: 'the policy names a tsa trust store and the signature carries no RFC 3161 timestamp',
    remedy: 'sign with `notation sign --timestamp-url … --timestamp-root-cert …`',
  },
  TIMESTAMP_INVALID: {
    decidedBy: 'action',
    meaning: "the signature's RFC 3161 timestamp does not verify, or its TSA is not trusted",
    remedy: "add the TSA's root to a tsa TrustStore the policy names, or timestamp again",
  },
  CERT_REVOKED: {
    decidedBy: 'action',
    meaning: 'a certificate of the signing chain is revoked (OCSP or CRL)',
    remedy: 'sign again with a certificate that is not revoked; investigate why it was revoked',
  },
  REVOCATION_UNKNOWN: {
    decidedBy: 'action',
    meaning:
      'the revocation status could not be determined (OCSP and CRL unreachable or invalid, or config.revocation offline)',
    remedy:
      'let the webhook reach the OCSP/CRL URLs (networkPolicy.egress), or set the revocation validation to log',
  },
  PLUGIN_REQUIRED: {
    decidedBy: 'action',
    meaning: 'the signature needs a notation verification plugin, which this verifier does not run',
    remedy: 'sign without a verification plugin requirement, or verify such images elsewhere',
  },
  METADATA_MISMATCH: {
    decidedBy: 'action',
    meaning:
      'the signed payload lacks the metadata `verify --user-metadata` asks for (the webhook asks for none)',
    remedy: 'sign with the metadata (`notation sign --user-metadata KEY=VALUE`)',
  },
};
