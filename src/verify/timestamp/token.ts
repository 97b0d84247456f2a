// Parsing of an RFC 3161 TimeStampToken (a CMS SignedData over a TSTInfo) into the fields the
// verifier checks. Nothing here decides trust: verify-token.ts does. Every parse failure is a
// TIMESTAMP_INVALID, so hostile bytes can only ever produce a VerificationError.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { VerificationError } from '../errors.js';
import { derOf, peculiarOf, type CertificateLike } from '../x509/certificate.js';
import * as x509 from '../x509/peculiar.js';

export const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  baselinePolicy: '0.4.0.2023.1.1',
} as const;

/** A certificate carried in the token, with the raw DER fields chain building compares. */
export interface TokenCertificate {
  der: Uint8Array;
  cert: x509.X509Certificate;
  issuer: Uint8Array;
  subject: Uint8Array;
  serial: bigint;
  /** The outer signatureAlgorithm (OID and raw parameters) the issuer signed with. */
  signatureAlgorithm: string;
  signatureParams: asn1js.AsnType | undefined;
}

export interface IssuerSerial {
  issuer: Uint8Array;
  serial: bigint;
}

export interface TokenAttribute {
  type: string;
  values: asn1js.AsnType[];
}

export interface TokenSignerInfo {
  version: number;
  /** Absent when the signer is identified by subjectKeyIdentifier. */
  sid: IssuerSerial | undefined;
  digestAlgorithm: string;
  signatureAlgorithm: string;
  signature: Uint8Array;
  /** The DER SET OF Attribute the signature covers, or undefined without signed attributes. */
  signedAttrsDer: Uint8Array | undefined;
  signedAttrs: TokenAttribute[];
}

/** A TimeStampToken as parsed, not yet verified. */
export interface TimestampToken {
  contentType: string;
  /** The eContent octets (the DER TSTInfo the message-digest attribute covers). */
  content: Uint8Array | undefined;
  certificates: TokenCertificate[];
  signerInfos: TokenSignerInfo[];
}

const MAX_CERTIFICATES = 32;

export function malformed(what: string): VerificationError {
  return new VerificationError('TIMESTAMP_INVALID', 'authenticTimestamp', what);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Decodes one whole BER element; trailing bytes are refused. */
export function decodeBer(bytes: Uint8Array, what: string): asn1js.AsnType {
  const decoded = asn1js.fromBER(bytes);
  if (decoded.offset === -1 || decoded.offset !== bytes.length) {
    throw malformed(`the timestamp token's ${what} is not valid ASN.1`);
  }
  return decoded.result;
}

export function integerValue(value: asn1js.Integer): bigint {
  const bytes = value.valueBlock.valueHexView;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  // Two's complement: a set top bit is a negative number.
  return bytes.length > 0 && (bytes[0]! & 0x80) !== 0 ? n - (1n << BigInt(bytes.length * 8)) : n;
}

function children(node: asn1js.AsnType | undefined): asn1js.AsnType[] {
  const value = (node as asn1js.Constructed | undefined)?.valueBlock.value;
  return Array.isArray(value) ? value : [];
}

function isTag(node: asn1js.AsnType | undefined, tagClass: number, tagNumber: number): boolean {
  return node?.idBlock.tagClass === tagClass && node.idBlock.tagNumber === tagNumber;
}

function raw(node: asn1js.AsnType): Uint8Array {
  return Uint8Array.from(node.valueBeforeDecodeView);
}

function parseCertificate(node: asn1js.AsnType, parsed?: x509.X509Certificate): TokenCertificate {
  if (!isTag(node, 1, 16)) throw malformed('the timestamp token carries a non-X.509 certificate');
  const der = raw(node);
  const [tbsNode, algorithm] = children(node);
  const [oid, signatureParams] = children(algorithm);
  const tbs = children(tbsNode);
  const fields = isTag(tbs[0], 3, 0) ? tbs.slice(1) : tbs;
  const [serial, , issuer, , subject] = fields;
  if (!(serial instanceof asn1js.Integer) || !(oid instanceof asn1js.ObjectIdentifier)) {
    throw malformed('a certificate in the timestamp token is malformed');
  }
  if (!issuer || !subject) {
    throw malformed('a certificate in the timestamp token is malformed');
  }
  let cert: x509.X509Certificate;
  try {
    cert = parsed ?? new x509.X509Certificate(der);
  } catch {
    throw malformed('a certificate in the timestamp token cannot be parsed');
  }
  return {
    der,
    cert,
    issuer: raw(issuer),
    subject: raw(subject),
    serial: integerValue(serial),
    signatureAlgorithm: oid.valueBlock.toString(),
    signatureParams,
  };
}

/** SignedData `certificates [0] IMPLICIT CertificateSet`, read from the raw tree for exact DER. */
function parseCertificates(signedData: asn1js.AsnType): TokenCertificate[] {
  const set = children(signedData).find((node) => isTag(node, 3, 0));
  const certificates = children(set);
  // Real tokens carry a handful; a bound keeps chain building cheap on hostile input.
  if (certificates.length > MAX_CERTIFICATES) {
    throw malformed(`the timestamp token carries more than ${MAX_CERTIFICATES} certificates`);
  }
  return certificates.map((node) => parseCertificate(node));
}

/** The same fields for a trusted certificate (a tsa trust store root). */
export function describeCertificate(cert: CertificateLike): TokenCertificate {
  return parseCertificate(decodeBer(derOf(cert), 'root certificate'), peculiarOf(cert));
}

function parseSignerInfo(info: pkijs.SignerInfo): TokenSignerInfo {
  const sid =
    info.sid instanceof pkijs.IssuerAndSerialNumber
      ? {
          issuer: new Uint8Array(info.sid.issuer.valueBeforeDecode),
          serial: integerValue(info.sid.serialNumber),
        }
      : undefined;
  // pkijs keeps the received bytes re-tagged as the universal SET OF the signature covers.
  const signedAttrsDer = info.signedAttrs
    ? Uint8Array.from(new Uint8Array(info.signedAttrs.encodedValue))
    : undefined;
  return {
    version: info.version,
    sid,
    digestAlgorithm: info.digestAlgorithm.algorithmId,
    signatureAlgorithm: info.signatureAlgorithm.algorithmId,
    signature: Uint8Array.from(info.signature.valueBlock.valueHexView),
    signedAttrsDer,
    signedAttrs: (info.signedAttrs?.attributes ?? []).map((a) => ({
      type: a.type,
      values: a.values as asn1js.AsnType[],
    })),
  };
}

function parseStructure(bytes: Uint8Array): TimestampToken {
  const contentInfo = new pkijs.ContentInfo({ schema: decodeBer(bytes, 'ContentInfo') });
  if (contentInfo.contentType !== OID.signedData) {
    throw malformed('the timestamp token is not a CMS SignedData');
  }
  const signedDataNode = contentInfo.content as asn1js.AsnType;
  const signedData = new pkijs.SignedData({ schema: signedDataNode });
  const eContent = signedData.encapContentInfo.eContent;
  return {
    contentType: signedData.encapContentInfo.eContentType,
    content: eContent ? new Uint8Array(eContent.getValue()) : undefined,
    certificates: parseCertificates(signedDataNode),
    signerInfos: signedData.signerInfos.map(parseSignerInfo),
  };
}

/** Parses a BER TimeStampToken (RFC 3161 §2.4.2) without verifying anything. */
export function parseTimestampToken(bytes: Uint8Array): TimestampToken {
  try {
    return parseStructure(bytes);
  } catch (err) {
    if (err instanceof VerificationError) throw err;
    throw malformed('the timestamp token is not a valid CMS SignedData');
  }
}

/** The TSTInfo fields verification uses (RFC 3161 §2.4.2). */
export interface TstInfo {
  version: number;
  policy: string;
  imprintAlgorithm: string;
  imprint: Uint8Array;
  genTime: Date;
  /** Milliseconds, rounded up, widened by 1 ms when genTime has sub-millisecond digits. */
  accuracyMs: number;
}

const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?Z$/;

/** genTime as RFC 3161 requires it (UTC, `Z`); sub-millisecond digits are reported. */
function parseGenTime(node: asn1js.AsnType | undefined): { at: Date; subMs: boolean } {
  const text =
    node instanceof asn1js.GeneralizedTime
      ? Buffer.from(node.valueBlock.valueHexView).toString('latin1')
      : '';
  const m = GENERALIZED_TIME.exec(text);
  if (!m) throw malformed('the timestamp genTime is not a UTC GeneralizedTime');
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, ...number[]];
  const fraction = m[7] ?? '';
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const at = new Date(Date.UTC(y, mo! - 1, d, h, mi, s, ms));
  if (at.getUTCMonth() !== mo! - 1 || at.getUTCDate() !== d || h! > 23 || mi! > 59 || s! > 59) {
    throw malformed('the timestamp genTime is not a valid date');
  }
  at.setUTCFullYear(y); // Date.UTC maps years 0–99 onto 1900–1999
  return { at, subMs: /[1-9]/.test(fraction.slice(3)) };
}

function accuracyMs(accuracy: pkijs.Accuracy | undefined, policy: string): number {
  const { seconds = 0, millis = 0, micros = 0 } = accuracy ?? {};
  if (![seconds, millis, micros].every((v) => Number.isSafeInteger(v) && v >= 0)) {
    throw malformed('the timestamp accuracy is invalid');
  }
  // tspclient-go: a baseline-policy token (RFC 3628 / ETSI) without accuracy means ±1 s.
  if (seconds === 0 && millis === 0 && micros === 0 && policy === OID.baselinePolicy) return 1000;
  return seconds * 1000 + millis + Math.ceil(micros / 1000);
}

/** Decodes the eContent as a TSTInfo. */
export function parseTstInfo(content: Uint8Array): TstInfo {
  const node = decodeBer(content, 'TSTInfo');
  let info: pkijs.TSTInfo;
  try {
    info = new pkijs.TSTInfo({ schema: node });
  } catch {
    throw malformed('the timestamp token does not contain a valid TSTInfo');
  }
  const genTime = parseGenTime(children(node)[4]);
  return {
    version: info.version,
    policy: info.policy,
    imprintAlgorithm: info.messageImprint.hashAlgorithm.algorithmId,
    imprint: Uint8Array.from(info.messageImprint.hashedMessage.valueBlock.valueHexView),
    genTime: genTime.at,
    accuracyMs: accuracyMs(info.accuracy, info.policy) + (genTime.subMs ? 1 : 0),
  };
}

/** The first ESSCertIDv2 of a signing-certificate-v2 attribute value (RFC 5035 §3). */
export interface EssCertIdV2 {
  hashAlgorithm: string;
  certHash: Uint8Array;
  issuerSerial: IssuerSerial | undefined;
}

function parseIssuerSerial(node: asn1js.AsnType | undefined): IssuerSerial | undefined {
  if (node === undefined) return undefined;
  const [generalNames, serial] = children(node);
  // tspclient-go reads the first GeneralName and requires a directoryName ([4] EXPLICIT Name).
  const name = children(generalNames)[0];
  const issuer = children(name)[0];
  if (!isTag(name, 3, 4) || !isTag(issuer, 1, 16) || !(serial instanceof asn1js.Integer)) {
    throw malformed('the signing-certificate-v2 issuerSerial is not a directory name and serial');
  }
  return { issuer: raw(issuer!), serial: integerValue(serial) };
}

export function parseSigningCertificateV2(value: asn1js.AsnType): EssCertIdV2 {
  const first = children(children(value)[0])[0];
  const fields = children(first);
  if (!isTag(value, 1, 16) || !isTag(first, 1, 16)) {
    throw malformed('the signing-certificate-v2 attribute names no certificate');
  }
  let hashAlgorithm: string = OID.sha256; // DEFAULT id-sha256
  if (isTag(fields[0], 1, 16)) {
    const oid = children(fields.shift())[0];
    if (!(oid instanceof asn1js.ObjectIdentifier)) throw malformed('bad ESSCertIDv2 hash');
    hashAlgorithm = oid.valueBlock.toString();
  }
  const [certHash, issuerSerial] = fields;
  if (!(certHash instanceof asn1js.OctetString) || fields.length > 2) {
    throw malformed('the signing-certificate-v2 attribute is malformed');
  }
  return {
    hashAlgorithm,
    certHash: Uint8Array.from(certHash.valueBlock.valueHexView),
    issuerSerial: parseIssuerSerial(issuerSerial),
  };
}
