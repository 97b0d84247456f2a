// Where a certificate says its revocation status can be found (RFC 5280 §4.2.1.13, §4.2.2.1,
// §5.2.6), read with pkijs. A malformed pointer is an error, never "no revocation info".
import * as pkijs from 'pkijs';
import { perCertificate } from '../x509/memo.js';
import type { X509Certificate } from '../x509/peculiar.js';
import { RevocationCheckError } from './fetcher.js';

const OID = {
  crlDistributionPoints: '2.5.29.31',
  freshestCrl: '2.5.29.46',
  aia: '1.3.6.1.5.5.7.1.1',
  ocsp: '1.3.6.1.5.5.7.48.1',
} as const;

const URI_NAME = 6;

export interface RevocationPointers {
  cert: pkijs.Certificate;
  /** AIA id-ad-ocsp URIs, in the certificate's order. */
  ocspUrls: string[];
  /** Full-name URIs of the CRL distribution points, in order. */
  crlUrls: string[];
  /** Full-name URIs of the Freshest CRL (delta CRL) extension, when present. */
  deltaCrlUrls: string[] | undefined;
}

/** Parses a certificate for pkijs (its DER, unchanged). */
export function toPkijs(cert: X509Certificate): pkijs.Certificate {
  return pkijs.Certificate.fromBER(new Uint8Array(cert.rawData));
}

function parsed<T>(ext: pkijs.Extension, type: new () => T, name: string): T {
  const value = ext.parsedValue as unknown;
  const error = (value as { parsingError?: string } | undefined)?.parsingError;
  if (!(value instanceof type) || error !== undefined) {
    throw new RevocationCheckError(`the certificate's ${name} extension is malformed`);
  }
  return value;
}

function uris(names: pkijs.GeneralName[]): string[] {
  return names.filter((n) => n.type === URI_NAME).map((n) => String(n.value));
}

/** Full-name URIs of every distribution point; a point without one is malformed here. */
export function distributionPointUrls(points: pkijs.CRLDistributionPoints, name: string): string[] {
  const urls: string[] = [];
  for (const point of points.distributionPoints) {
    const fullName = point.distributionPoint;
    if (!Array.isArray(fullName) || uris(fullName).length === 0) {
      throw new RevocationCheckError(`the ${name} names a distribution point without a URI`);
    }
    urls.push(...uris(fullName));
  }
  if (urls.length === 0) throw new RevocationCheckError(`the ${name} names no URI`);
  return urls;
}

function extension(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  const found = (cert.extensions ?? []).filter((e) => e.extnID === oid);
  if (found.length > 1) throw new RevocationCheckError(`the certificate repeats extension ${oid}`);
  return found[0];
}

function ocspUrls(cert: pkijs.Certificate): string[] {
  const ext = extension(cert, OID.aia);
  if (!ext) return [];
  const info = parsed(ext, pkijs.InfoAccess, 'authority information access');
  return info.accessDescriptions
    .filter((d) => d.accessMethod === OID.ocsp && d.accessLocation.type === URI_NAME)
    .map((d) => String(d.accessLocation.value));
}

function pointUrls(cert: pkijs.Certificate, oid: string, name: string): string[] | undefined {
  const ext = extension(cert, oid);
  if (!ext) return undefined;
  return distributionPointUrls(parsed(ext, pkijs.CRLDistributionPoints, name), name);
}

/** Reads the OCSP, CRL and delta CRL locations of a certificate (once per certificate object). */
export const revocationPointers = perCertificate(readPointers);

function readPointers(cert: X509Certificate): RevocationPointers {
  let parsedCert: pkijs.Certificate;
  try {
    parsedCert = toPkijs(cert);
  } catch {
    throw new RevocationCheckError('the certificate cannot be parsed');
  }
  return {
    cert: parsedCert,
    ocspUrls: ocspUrls(parsedCert),
    crlUrls: pointUrls(parsedCert, OID.crlDistributionPoints, 'CRL distribution points') ?? [],
    deltaCrlUrls: pointUrls(parsedCert, OID.freshestCrl, 'Freshest CRL'),
  };
}
