// Certificate work depends only on certificate bytes: parsing, the profile rules and the
// signatures between chain links give the same answer every time for the same DER. A cluster
// sees a handful of signer chains over and over, so these bounded caches let each distinct
// certificate and chain be processed once. Nothing here depends on time or on trust stores.
import { createHash } from 'node:crypto';
import type { X509Certificate } from './peculiar.js';

/** A bounded map that forgets the least recently used entry first. */
export class Lru<V> {
  private readonly entries = new Map<string, V>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** SHA-256 of DER bytes, as a cache key. */
export function derKey(der: Uint8Array | ArrayBuffer): string {
  return createHash('sha256')
    .update(der instanceof Uint8Array ? der : new Uint8Array(der))
    .digest('base64');
}

/**
 * `read` computed once per certificate object. Envelopes yield the same objects for the same
 * DER (see decodeCertificate), so this is once per distinct certificate. A throw is not kept.
 */
export function perCertificate<T>(
  read: (cert: X509Certificate) => T,
): (cert: X509Certificate) => T {
  const known = new WeakMap<X509Certificate, T>();
  return (cert) => {
    if (known.has(cert)) return known.get(cert)!;
    const value = read(cert);
    known.set(cert, value);
    return value;
  };
}

/** The key of one certificate (its DER hash). */
export const certificateKey = perCertificate((cert) => derKey(cert.rawData));

/** The key of an ordered chain: the same certificates in another order is another chain. */
export function chainKey(chain: readonly X509Certificate[]): string {
  return chain.map(certificateKey).join('|');
}
