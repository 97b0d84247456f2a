// The fields of a certificate the verifier reads, located in its exact DER (RFC 5280 §4.1) with
// the strict reader of der.ts: raw names (compared byte for byte, as Go's RawIssuer and
// RawSubject), the algorithm identifiers, the key, the validity and the extensions, whose
// values stay undecoded until a rule asks for one (cert-facts.ts, revocation/cert-info.ts).
import * as asn1js from 'asn1js';
import {
  checkNested,
  children,
  contentOf,
  DerError,
  encodingOf,
  oidText,
  readWhole,
  TAG,
  type Tlv,
} from './der.js';

export interface RawExtension {
  oid: string;
  critical: boolean;
  /** The content of extnValue: the extension's own DER. */
  value: Uint8Array;
}

export interface AlgorithmId {
  oid: string;
  /** The parameters' DER, when present. */
  params: Uint8Array | undefined;
}

export interface CertificateFields {
  /** The serial number INTEGER's content octets. */
  serial: Uint8Array;
  rawIssuer: Uint8Array;
  rawSubject: Uint8Array;
  /** SubjectPublicKeyInfo, DER. */
  spki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** The outer signatureAlgorithm, and whether it equals the one inside the TBS. */
  signatureAlgorithm: AlgorithmId;
  signatureAlgorithmsMatch: boolean;
  extensions: readonly RawExtension[];
}

const VERSION = 0xa0;
const ISSUER_UID = 0x81;
const SUBJECT_UID = 0x82;
const EXTENSIONS = 0xa3;

function expect(tlv: Tlv | undefined, tag: number): Tlv {
  if (tlv?.tag !== tag) throw new DerError('unexpected element');
  return tlv;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function algorithm(der: Uint8Array, tlv: Tlv): AlgorithmId {
  const [oid, params, extra] = children(der, expect(tlv, TAG.SEQUENCE));
  if (extra !== undefined) throw new DerError('unexpected element');
  return {
    oid: oidText(contentOf(der, expect(oid, TAG.OID))),
    params: params && encodingOf(der, params),
  };
}

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
/** The forms RFC 5280 §4.1.2.5 prescribes: YYMMDDHHMMSSZ and YYYYMMDDHHMMSSZ. */
const DER_TIME = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/** The prescribed forms, computed exactly as asn1js computes them (Date.UTC, the 50 pivot). */
function derTime(tag: number, text: string): Date | undefined {
  const m = DER_TIME.exec(text);
  const digits = tag === UTC_TIME ? 2 : 4;
  if (!m || m[1]!.length !== digits) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map<number>(Number);
  const fullYear = tag === GENERALIZED_TIME ? year! : year! >= 50 ? 1900 + year! : 2000 + year!;
  return new Date(Date.UTC(fullYear, month! - 1, day, hour, minute, second));
}

/** UTCTime or GeneralizedTime, read as @peculiar/x509 reads them (asn1js; other forms too). */
function time(der: Uint8Array, tlv: Tlv | undefined): Date {
  if (tlv?.tag !== UTC_TIME && tlv?.tag !== GENERALIZED_TIME) throw new DerError('not a time');
  const fast = derTime(tlv.tag, Buffer.from(contentOf(der, tlv)).toString('latin1'));
  if (fast !== undefined) return fast;
  let date: Date | undefined;
  try {
    const { result, offset } = asn1js.fromBER(encodingOf(der, tlv));
    // GeneralizedTime extends UTCTime.
    if (offset !== -1 && result instanceof asn1js.UTCTime) date = result.toDate();
  } catch {
    // asn1js throws on some malformed contents: refused below like any other.
  }
  if (date === undefined || Number.isNaN(date.getTime())) throw new DerError('not a time');
  return date;
}

function boolean(der: Uint8Array, tlv: Tlv): boolean {
  const value = contentOf(der, tlv);
  // DER: TRUE is 0xFF and FALSE 0x00 (Go's cryptobyte refuses any other octet).
  if (value.length !== 1 || (value[0] !== 0 && value[0] !== 0xff)) throw new DerError('boolean');
  return value[0] === 0xff;
}

function extension(der: Uint8Array, tlv: Tlv): RawExtension {
  const parts = children(der, expect(tlv, TAG.SEQUENCE));
  const flagged = parts.length === 3;
  if (parts.length !== 2 && !flagged) throw new DerError('unexpected element');
  const critical = flagged ? boolean(der, expect(parts[1], TAG.BOOLEAN)) : false;
  return {
    oid: oidText(contentOf(der, expect(parts[0], TAG.OID))),
    critical,
    value: contentOf(der, expect(parts[flagged ? 2 : 1], TAG.OCTET_STRING)),
  };
}

function extensions(der: Uint8Array, tlv: Tlv | undefined): RawExtension[] {
  if (tlv === undefined) return [];
  const [list, extra] = children(der, expect(tlv, EXTENSIONS));
  if (extra !== undefined) throw new DerError('unexpected element');
  return children(der, expect(list, TAG.SEQUENCE)).map((e) => extension(der, e));
}

/** The optional trailing fields of the TBS, in order: issuerUID, subjectUID, extensions. */
function trailing(rest: Tlv[]): Tlv | undefined {
  let i = 0;
  if (rest[i]?.tag === ISSUER_UID) i++;
  if (rest[i]?.tag === SUBJECT_UID) i++;
  const ext = rest[i];
  if (ext !== undefined && (ext.tag !== EXTENSIONS || i + 1 !== rest.length))
    throw new DerError('unexpected element');
  return ext;
}

/**
 * Locates the fields of one DER certificate, checking DER length rules throughout.
 * @throws DerError when the bytes are not a DER certificate of the expected shape.
 */
export function readFields(der: Uint8Array): CertificateFields {
  const cert = readWhole(der);
  checkNested(der, cert);
  const [tbs, outer, signature, extra] = children(der, expect(cert, TAG.SEQUENCE));
  expect(signature, TAG.BIT_STRING);
  if (extra !== undefined) throw new DerError('unexpected element');
  const fields = children(der, expect(tbs, TAG.SEQUENCE));
  const at = fields[0]?.tag === VERSION ? 1 : 0;
  const [serial, inner, issuer, validity, subject, spki, ...rest] = fields.slice(at);
  const [notBefore, notAfter, more] = children(der, expect(validity, TAG.SEQUENCE));
  if (more !== undefined) throw new DerError('unexpected element');
  const signatureAlgorithm = algorithm(der, outer!);
  algorithm(der, inner!);
  return {
    serial: contentOf(der, expect(serial, TAG.INTEGER)),
    rawIssuer: encodingOf(der, expect(issuer, TAG.SEQUENCE)),
    rawSubject: encodingOf(der, expect(subject, TAG.SEQUENCE)),
    spki: encodingOf(der, expect(spki, TAG.SEQUENCE)),
    notBefore: time(der, notBefore),
    notAfter: time(der, notAfter),
    signatureAlgorithm,
    signatureAlgorithmsMatch: bytesEqual(encodingOf(der, outer!), encodingOf(der, inner!)),
    extensions: extensions(der, trailing(rest)),
  };
}
