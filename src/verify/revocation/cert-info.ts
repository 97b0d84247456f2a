// Where a certificate says its revocation status can be found (RFC 5280 §4.2.1.13, §4.2.2.1,
// §5.2.6): the two extensions, found in the parsed form and decoded with pkijs only when
// present. A malformed pointer is an error, never "no revocation info". The whole certificate
// is read by pkijs only when an OCSP request or a CRL check needs it.
import * as pkijs from 'pkijs';
import type { CertificateLike } from '../x509/certificate.js';
import type { RawExtension } from '../x509/fields.js';
import { perCertificate } from '../x509/memo.js';
import { RevocationCheckError } from './fetcher.js';

const OID = {
  crlDistributionPoints: '2.5.29.31',
  freshestCrl: '2.5.29.46',
  aia: '1.3.6.1.5.5.7.1.1',
  ocsp: '1.3.6.1.5.5.7.48.1',
} as const;

const URI_NAME = 6;

export interface RevocationPointers {
  /** AIA id-ad-ocsp URIs, in the certificate's order. */
  ocspUrls: string[];
  /** Full-name URIs of the CRL distribution points, in order. */
  crlUrls: string[];
  /** Full-name URIs of the Freshest CRL (delta CRL) extension, when present. */
  deltaCrlUrls: string[] | undefined;
}

const pkijsForms = perCertificate((cert) => pkijs.Certificate.fromBER(cert.der));

/** A certificate as pkijs reads it (its DER, unchanged), once per certificate. */
export function toPkijs(cert: CertificateLike): pkijs.Certificate {
  return pkijsForms(cert);
}

/** The certificate whose status is asked, as pkijs reads it; unreadable makes it unknown. */
export function checkedPkijs(cert: CertificateLike): pkijs.Certificate {
  try {
    return pkijsForms(cert);
  } catch {
    throw new RevocationCheckError('the certificate cannot be parsed');
  }
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

/** The extension `oid` as pkijs reads it (its value decoded on first use), if present. */
function extension(extensions: readonly RawExtension[], oid: string): pkijs.Extension | undefined {
  const found = extensions.filter((e) => e.oid === oid);
  if (found.length > 1) throw new RevocationCheckError(`the certificate repeats extension ${oid}`);
  const ext = found[0];
  if (ext === undefined) return undefined;
  const extnValue = ext.value.slice().buffer;
  return new pkijs.Extension({ extnID: oid, critical: ext.critical, extnValue });
}

function ocspUrls(extensions: readonly RawExtension[]): string[] {
  const ext = extension(extensions, OID.aia);
  if (!ext) return [];
  const info = parsed(ext, pkijs.InfoAccess, 'authority information access');
  return info.accessDescriptions
    .filter((d) => d.accessMethod === OID.ocsp && d.accessLocation.type === URI_NAME)
    .map((d) => String(d.accessLocation.value));
}

function pointUrls(
  extensions: readonly RawExtension[],
  oid: string,
  name: string,
): string[] | undefined {
  const ext = extension(extensions, oid);
  if (!ext) return undefined;
  return distributionPointUrls(parsed(ext, pkijs.CRLDistributionPoints, name), name);
}

/** Reads the OCSP, CRL and delta CRL locations of a certificate (once per certificate). */
export const revocationPointers = perCertificate((cert): RevocationPointers => {
  const { extensions } = cert.fields;
  return {
    ocspUrls: ocspUrls(extensions),
    crlUrls: pointUrls(extensions, OID.crlDistributionPoints, 'CRL distribution points') ?? [],
    deltaCrlUrls: pointUrls(extensions, OID.freshestCrl, 'Freshest CRL'),
  };
});
