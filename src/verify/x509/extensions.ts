// The three extensions the certificate requirements read (RFC 5280 §4.2.1.3, .9, .12), decoded
// from the parsed form's raw values once per certificate, with the meaning @peculiar/x509 gave
// them before (its classes cost 20–70 µs each through asn1-schema; these read a few bytes).
// Only these are decoded: other extensions are located (fields.ts) and left alone.
import { certificateOf, CertificateProblem, type CertificateLike } from './certificate.js';
import { checkNested, children, contentOf, oidText, readWhole, TAG } from './der.js';
import type { RawExtension } from './fields.js';
import { perCertificate } from './memo.js';

export interface BasicConstraints {
  critical: boolean;
  ca: boolean;
  pathLength: number | undefined;
}

export interface KeyUsage {
  critical: boolean;
  /** Bit i of the BIT STRING (digitalSignature = bit 0) is 2^i, as x509.KeyUsageFlags. */
  usages: number;
}

export interface ExtendedKeyUsage {
  critical: boolean;
  usages: string[];
}

const OID = { basicConstraints: '2.5.29.19', keyUsage: '2.5.29.15', extKeyUsage: '2.5.29.37' };

/** The extension with this OID; a duplicated extension is a problem (Go refuses to parse it). */
export function extension(cert: CertificateLike, oid: string): RawExtension | undefined {
  const found = certificateOf(cert).fields.extensions.filter((e) => e.oid === oid);
  if (found.length > 1) throw new CertificateProblem(`has a duplicated extension ${oid}`);
  return found[0];
}

/** The value's single DER element; a malformed value throws a plain Error ("could not be parsed"). */
function element(ext: RawExtension, tag: number) {
  const tlv = readWhole(ext.value);
  checkNested(ext.value, tlv);
  if (tlv.tag !== tag) throw new Error(`extension ${ext.oid} is malformed`);
  return tlv;
}

/** A two's-complement INTEGER as a number (beyond 2^53 only its order of magnitude matters). */
function integer(bytes: Uint8Array): number {
  if (bytes.length === 0) throw new Error('empty INTEGER');
  let value = BigInt.asIntN(8, BigInt(bytes[0]!));
  for (const byte of bytes.subarray(1)) value = (value << 8n) | BigInt(byte);
  return Number(value);
}

export function readBasicConstraints(ext: RawExtension): BasicConstraints {
  const value = ext.value;
  const parts = children(value, element(ext, TAG.SEQUENCE));
  let ca = false;
  let i = 0;
  if (parts[i]?.tag === TAG.BOOLEAN) {
    const flag = contentOf(value, parts[i++]!);
    // DER: TRUE is 0xFF and FALSE 0x00 (Go's cryptobyte refuses any other octet).
    if (flag.length !== 1 || (flag[0] !== 0 && flag[0] !== 0xff)) throw new Error('malformed cA');
    ca = flag[0] === 0xff;
  }
  const length = parts[i]?.tag === TAG.INTEGER ? parts[i++] : undefined;
  if (i !== parts.length) throw new Error('basic constraints are malformed');
  const pathLength = length && integer(contentOf(value, length));
  return { critical: ext.critical, ca, pathLength };
}

/** The BIT STRING as x509.KeyUsagesExtension read it (asn1-schema BitString.toNumber). */
export function readKeyUsage(ext: RawExtension): KeyUsage {
  const bits = contentOf(ext.value, element(ext, TAG.BIT_STRING));
  const unused = bits[0];
  // DER, as Go's cryptobyte reads it: at most 7 unused bits, none without an octet, all zero.
  const last = bits[bits.length - 1]!;
  if (
    unused === undefined ||
    unused > 7 ||
    (bits.length === 1 && unused > 0) ||
    (last & ((1 << unused) - 1)) !== 0
  )
    throw new Error('key usage is malformed');
  let text = '';
  for (const octet of bits.subarray(1)) text += octet.toString(2).padStart(8, '0');
  text = text.split('').reverse().join('').slice(unused);
  return { critical: ext.critical, usages: parseInt(text, 2) };
}

export function readExtendedKeyUsage(ext: RawExtension): ExtendedKeyUsage {
  const value = ext.value;
  const usages = children(value, element(ext, TAG.SEQUENCE)).map((oid) => {
    if (oid.tag !== TAG.OID) throw new Error('extended key usage is malformed');
    return oidText(contentOf(value, oid));
  });
  return { critical: ext.critical, usages };
}

/** Decodes the extension `oid` of a certificate once, or undefined when it has none. */
function decoded<T>(oid: string, read: (ext: RawExtension) => T) {
  return perCertificate((cert): T | undefined => {
    const ext = extension(cert, oid);
    return ext && read(ext);
  });
}

export const basicConstraints = decoded(OID.basicConstraints, readBasicConstraints);
export const keyUsage = decoded(OID.keyUsage, readKeyUsage);
export const extendedKeyUsage = decoded(OID.extKeyUsage, readExtendedKeyUsage);
