// Values of the CRL and OCSP extensions revocation checking reads (RFC 5280 §5.2, §5.3).
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { RevocationCheckError } from './fetcher.js';

export const EXT = {
  authorityKeyIdentifier: '2.5.29.35',
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  freshestCrl: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
} as const;

/** CRLReason values with a meaning of their own here. */
export const REASON = { certificateHold: 6, removeFromCRL: 8 } as const;

/** The single ASN.1 value of an extension; trailing bytes are malformed. */
function value(ext: pkijs.Extension): asn1js.AsnType {
  const bytes = ext.extnValue.valueBlock.valueHexView;
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset !== bytes.byteLength) {
    throw new RevocationCheckError(`extension ${ext.extnID} is malformed`);
  }
  return parsed.result;
}

export function find(
  extensions: readonly pkijs.Extension[] | undefined,
  oid: string,
): pkijs.Extension | undefined {
  const found = (extensions ?? []).filter((e) => e.extnID === oid);
  if (found.length > 1) throw new RevocationCheckError(`extension ${oid} appears twice`);
  return found[0];
}

/** The invalidityDate (GeneralizedTime) of an entry or single response, if present. */
export function invalidityDate(
  extensions: readonly pkijs.Extension[] | undefined,
): Date | undefined {
  const ext = find(extensions, EXT.invalidityDate);
  if (!ext) return undefined;
  const time = value(ext);
  if (!(time instanceof asn1js.GeneralizedTime)) {
    throw new RevocationCheckError('the invalidity date extension is malformed');
  }
  return time.toDate();
}

/** The CRLReason (ENUMERATED) of an entry, if present. */
export function reasonCode(extensions: readonly pkijs.Extension[] | undefined): number | undefined {
  const ext = find(extensions, EXT.reasonCode);
  if (!ext) return undefined;
  const reason = value(ext);
  if (!(reason instanceof asn1js.Enumerated)) {
    throw new RevocationCheckError('the CRL reason code extension is malformed');
  }
  return reason.valueBlock.valueDec;
}

/** An INTEGER extension (CRL number, delta CRL indicator), if present. */
export function integerExtension(
  extensions: readonly pkijs.Extension[] | undefined,
  oid: string,
): bigint | undefined {
  const ext = find(extensions, oid);
  if (!ext) return undefined;
  const number = value(ext);
  if (!(number instanceof asn1js.Integer)) {
    throw new RevocationCheckError(`extension ${oid} is not an integer`);
  }
  return number.toBigInt();
}

/** Refuses critical extensions outside `known` (RFC 5280 §5.2: a CRL with one must not be used). */
export function rejectUnknownCritical(
  extensions: readonly pkijs.Extension[] | undefined,
  known: readonly string[],
  where: string,
): void {
  const unknown = (extensions ?? []).find((e) => e.critical && !known.includes(e.extnID));
  if (unknown) {
    throw new RevocationCheckError(
      `${where} has an unsupported critical extension ${unknown.extnID}`,
    );
  }
}
