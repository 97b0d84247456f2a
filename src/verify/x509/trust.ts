// Authenticity and validity-in-time questions about a chain (trust-store-trust-policy.md;
// notation-core-go signature/signer.go VerifyAuthenticity).
import { bytesEqual } from './cert-facts.js';
import { derOf, type CertificateLike } from './certificate.js';

/**
 * The first certificate of the chain (leaf first) that is byte-for-byte one of the trusted
 * certificates, at any position. Trust is per certificate, not per key: a trusted certificate
 * with the same public key but different bytes does not count (C-47). Nothing is parsed.
 */
export function findTrustedCertificate<C extends CertificateLike>(
  chain: readonly C[],
  trusted: readonly CertificateLike[],
): C | undefined {
  const known = trusted.map(derOf);
  return chain.find((cert) => {
    const der = derOf(cert);
    return known.some((t) => bytesEqual(t, der));
  });
}

/** The first certificate of the chain not valid at `time`; notBefore and notAfter are inclusive. */
export function firstInvalidAt<C extends CertificateLike>(
  chain: readonly C[],
  time: Date,
): C | undefined {
  const t = time.getTime();
  // Written so that an unreadable time (NaN) counts as invalid: fail closed.
  return chain.find((cert) => !(t >= cert.notBefore.getTime() && t <= cert.notAfter.getTime()));
}
