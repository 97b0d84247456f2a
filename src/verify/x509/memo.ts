// Certificate work depends only on certificate bytes: parsing, the profile rules and the
// signatures between chain links give the same answer every time for the same DER. A cluster
// sees a handful of signer chains over and over, so each distinct certificate is parsed once
// (certificate.ts, a bounded cache) and what is derived from it is kept beside it, here, for
// as long as it is kept. Nothing here depends on time or on trust stores.
import { Certificate, certificateOf, derKey, derOf, type CertificateLike } from './certificate.js';

export { derKey } from './certificate.js';
export { Lru } from './lru.js';

/**
 * `read` computed once per parsed certificate (so once per distinct DER while it is cached);
 * a throw is not kept. A @peculiar/x509 certificate is read into the parsed form first.
 */
export function perCertificate<T>(read: (cert: Certificate) => T): (cert: CertificateLike) => T {
  const known = new WeakMap<Certificate, T>();
  return (like) => {
    const cert = certificateOf(like);
    if (known.has(cert)) return known.get(cert)!;
    const value = read(cert);
    known.set(cert, value);
    return value;
  };
}

/** The key of one certificate (its DER hash), without parsing it. */
export const certificateKey = (cert: CertificateLike): string =>
  cert instanceof Certificate ? cert.key : derKey(derOf(cert));

/** The key of an ordered chain: the same certificates in another order is another chain. */
export function chainKey(chain: readonly CertificateLike[]): string {
  return chain.map(certificateKey).join('|');
}
