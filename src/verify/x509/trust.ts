// Authenticity and validity-in-time questions about a chain (trust-store-trust-policy.md;
// notation-core-go signature/signer.go VerifyAuthenticity).
import { bytesEqual } from './cert-facts.js';
import type { X509Certificate } from './peculiar.js';

/**
 * The first certificate of the chain (leaf first) that is byte-for-byte one of the trusted
 * certificates, at any position. Trust is per certificate, not per key: a trusted certificate
 * with the same public key but different bytes does not count (C-47).
 */
export function findTrustedCertificate(
  chain: X509Certificate[],
  trusted: readonly X509Certificate[],
): X509Certificate | undefined {
  const trustedDer = trusted.map((t) => new Uint8Array(t.rawData));
  return chain.find((cert) => {
    const der = new Uint8Array(cert.rawData);
    return trustedDer.some((t) => bytesEqual(t, der));
  });
}

/** The first certificate of the chain not valid at `time`; notBefore and notAfter are inclusive. */
export function firstInvalidAt(chain: X509Certificate[], time: Date): X509Certificate | undefined {
  const t = time.getTime();
  // Written so that an unreadable time (NaN) counts as invalid: fail closed.
  return chain.find((cert) => !(t >= cert.notBefore.getTime() && t <= cert.notAfter.getTime()));
}
