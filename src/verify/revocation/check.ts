// Revocation status of a certificate chain (notation-core-go revocation.go, notation-go
// revocationFinalResult): the root is never checked, the others are checked concurrently,
// OCSP first with CRL fallback (or a supplied CRL bundle alone, for the issuers it covers), and
// the worst answer decides.
import type { CertificateLike } from '../x509/certificate.js';
import type { CrlBundle } from './bundle.js';
import type { RevocationCache } from './cache.js';
import { checkedPkijs, revocationPointers, toPkijs, type RevocationPointers } from './cert-info.js';
import { checkCrl } from './crl.js';
import { bundleCovers, checkBundledCrl } from './crl-bundled.js';
import {
  errorDetail,
  type MethodContext,
  type MethodResult,
  type RevocationFetcher,
} from './fetcher.js';
import { checkOcsp } from './ocsp.js';

export type CertRevocationStatus = 'ok' | 'revoked' | 'unknown' | 'nonRevocable';

export interface CertificateRevocation {
  subject: string;
  status: CertRevocationStatus;
  method?: 'ocsp' | 'crl';
  detail?: string;
}

export interface RevocationResult {
  status: 'ok' | 'revoked' | 'unknown';
  /** One per chain certificate, leaf first (the root is always nonRevocable). */
  certificates: CertificateRevocation[];
  /** earliest nextUpdate among the answers used, to bound a cache TTL */
  nextUpdate?: Date;
}

export interface RevocationOptions {
  fetcher: RevocationFetcher;
  now: Date;
  /** SA scheme only: revocations with an invalidity date after it do not count (C-74) */
  authenticSigningTime?: Date;
  /** Per OCSP request (default 2000, as notation-go). */
  ocspTimeoutMs?: number;
  /** Per CRL download (default 5000, as notation-go). */
  crlTimeoutMs?: number;
  cache?: RevocationCache;
  /** Largest accepted OCSP response or CRL (default 10 MiB). */
  maxResponseBytes?: number;
  /**
   * CRLs supplied instead of fetched (bundle.ts): for a certificate whose issuer the bundle
   * holds a CRL of, the bundle alone decides; nothing is asked over the network.
   */
  crls?: CrlBundle;
}

const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

interface Checked extends Omit<MethodResult, 'status'> {
  status: CertRevocationStatus;
  method?: 'ocsp' | 'crl';
}

function contextFor(options: RevocationOptions, timeoutMs: number): MethodContext {
  return {
    fetcher: options.fetcher,
    now: options.now,
    authenticSigningTime: options.authenticSigningTime,
    timeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    cache: options.cache,
  };
}

/**
 * The CRL bundle's answer when it holds CRLs of the certificate's issuer (then nothing is
 * fetched); undefined otherwise, or for a certificate that names no revocation pointer at all
 * (nonRevocable, as without a bundle).
 */
function fromBundle(
  cert: CertificateLike,
  issuer: CertificateLike,
  options: RevocationOptions,
): Checked | undefined {
  if (options.crls === undefined) return undefined;
  const pointers = revocationPointers(cert);
  if (pointers.ocspUrls.length === 0 && pointers.crlUrls.length === 0) return undefined;
  const subject = checkedPkijs(cert);
  const issuerCert = toPkijs(issuer);
  if (!bundleCovers(options.crls, issuerCert)) return undefined;
  const bundled = checkBundledCrl(subject, issuerCert, options.crls, {
    now: options.now,
    authenticSigningTime: options.authenticSigningTime,
    deltaNamed: pointers.deltaCrlUrls !== undefined,
  });
  return { ...bundled, method: 'crl' };
}

/** OCSP when the certificate names a responder; CRL when OCSP is absent or inconclusive. */
async function checkOne(
  cert: CertificateLike,
  issuer: CertificateLike,
  options: RevocationOptions,
): Promise<Checked> {
  const pointers: RevocationPointers = revocationPointers(cert);
  if (pointers.ocspUrls.length === 0 && pointers.crlUrls.length === 0) {
    return { status: 'nonRevocable' }; // C-73: nothing to ask, nothing fetched
  }
  const subject = checkedPkijs(cert);
  const issuerCert = toPkijs(issuer);
  let ocspDetail: string | undefined;
  if (pointers.ocspUrls.length > 0) {
    const ctx = contextFor(options, options.ocspTimeoutMs ?? 2000);
    const ocsp = await checkOcsp(subject, issuerCert, pointers.ocspUrls, ctx);
    if (ocsp.status !== 'unknown' || pointers.crlUrls.length === 0) {
      return { ...ocsp, method: 'ocsp' };
    }
    ocspDetail = ocsp.detail;
  }
  const ctx = contextFor(options, options.crlTimeoutMs ?? 5000);
  const crl = await checkCrl(subject, issuerCert, pointers, ctx);
  const fallback = ocspDetail === undefined ? undefined : `${ocspDetail}; fell back to CRL`;
  if (crl.status === 'unknown' && fallback) {
    return { ...crl, method: 'crl', detail: `${fallback}: ${crl.detail ?? ''}` };
  }
  return { ...crl, method: 'crl' };
}

async function checkSafely(
  chain: readonly CertificateLike[],
  index: number,
  options: RevocationOptions,
): Promise<Checked> {
  const cert = chain[index]!;
  const issuer = chain[index + 1];
  if (!issuer) return { status: 'nonRevocable' }; // the root: nothing above it could revoke it
  try {
    // The bundle first: for the issuers it covers, nothing is asked over the network.
    return fromBundle(cert, issuer, options) ?? (await checkOne(cert, issuer, options));
  } catch (error) {
    return { status: 'unknown', detail: errorDetail(error) };
  }
}

function finalStatus(results: readonly Checked[]): RevocationResult['status'] {
  if (results.some((r) => r.status === 'revoked')) return 'revoked';
  if (results.every((r) => r.status === 'ok' || r.status === 'nonRevocable')) return 'ok';
  return 'unknown';
}

function earliest(results: readonly Checked[]): Date | undefined {
  const times = results.flatMap((r) => (r.nextUpdate ? [r.nextUpdate.getTime()] : []));
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

/**
 * Checks every certificate of a chain (leaf first, root last) for revocation. Never throws:
 * whatever goes wrong makes that certificate, and so the chain, "unknown".
 */
export async function checkRevocation(
  chain: readonly CertificateLike[],
  options: RevocationOptions,
): Promise<RevocationResult> {
  if (chain.length === 0) {
    return { status: 'unknown', certificates: [] };
  }
  const results = await Promise.all(chain.map((_, i) => checkSafely(chain, i, options)));
  const certificates = results.map((r, i): CertificateRevocation => {
    const cert = chain[i]!;
    return {
      // Printed only when read (a message): formatting a name costs more than the check.
      get subject() {
        return cert.subject;
      },
      status: r.status,
      ...(r.method && { method: r.method }),
      ...(r.detail !== undefined && { detail: r.detail }),
    };
  });
  const nextUpdate = earliest(results);
  return { status: finalStatus(results), certificates, ...(nextUpdate && { nextUpdate }) };
}
