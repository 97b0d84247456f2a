// Named trust stores (trust-store-trust-policy.md §"Trust Store"), validated as notation-go does
// (verifier/truststore/truststore.go): a valid name, at least one certificate per source, every
// certificate a CA or self-signed, and for `tsa` stores only self-signed root CAs.
import { PolicyError } from '../errors.js';
import type { TrustStore, TrustStoreType } from '../types.js';
import {
  basicConstraints,
  CertificateProblem,
  isSelfSigned,
  keyUsage,
} from '../x509/cert-facts.js';
import { certificateFromDer, type Certificate } from '../x509/certificate.js';
import * as x509 from '../x509/peculiar.js';

export const TRUST_STORE_TYPES: readonly TrustStoreType[] = ['ca', 'signingAuthority', 'tsa'];
const STORE_NAME = /^[a-zA-Z0-9_.-]+$/;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \1-----/g;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface CreateTrustStoreOptions {
  type: TrustStoreType;
  name: string;
  /** One entry per source (e.g. file): DER (one or more concatenated) or PEM (one or more blocks). */
  certificates: (Uint8Array | string)[];
  /** Names of the entries for messages, e.g. file names; "entry N" otherwise. */
  sources?: readonly string[];
}

/** Splits concatenated DER certificates (strict DER lengths; trailing bytes are an error). */
function splitDer(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const first = bytes[at + 1] ?? 0;
    const long = first >= 0x80;
    const lengthBytes = long ? first & 0x7f : 0;
    // A certificate is a SEQUENCE with a definite length (no BER indefinite form, 0x80).
    if (bytes[at] !== 0x30 || (long && (lengthBytes === 0 || lengthBytes > 4)))
      throw new CertificateProblem('is neither PEM nor DER certificates');
    let length = long ? 0 : first;
    for (let i = 0; i < lengthBytes; i++) length = length * 256 + (bytes[at + 2 + i] ?? 0);
    const end = at + 2 + lengthBytes + length;
    if (end > bytes.length) throw new CertificateProblem('is truncated');
    out.push(bytes.subarray(at, end));
    at = end;
  }
  return out;
}

function pemBlocks(text: string): Uint8Array[] {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length !== text.split('-----BEGIN ').length - 1)
    throw new CertificateProblem('has a malformed PEM block');
  return blocks.map(([, label, body]) => {
    const base64 = (body ?? '').replace(/\s+/g, '');
    if (label !== 'CERTIFICATE') throw new CertificateProblem(`has a PEM block "${label}"`);
    if (!BASE64.test(base64)) throw new CertificateProblem('has a PEM block that is not base64');
    return new Uint8Array(Buffer.from(base64, 'base64'));
  });
}

/**
 * DER or PEM, several certificates allowed (notation-core-go x509/cert.go parseCertificates),
 * each parsed strictly (OpenSSL and strict DER) into the form envelopes' certificates share.
 */
export function parseCertificates(data: Uint8Array | string): Certificate[] {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  const isPem = text.includes('-----BEGIN ');
  if (typeof data === 'string' && !isPem) throw new CertificateProblem('is not PEM');
  const ders = isPem ? pemBlocks(text) : splitDer(data as Uint8Array);
  if (isPem && ders.some((der) => splitDer(der).length !== 1))
    throw new CertificateProblem('has a PEM block that is not one certificate');
  return ders.map((der) => certificateFromDer(der));
}

function isCA(cert: Certificate): boolean {
  return basicConstraints(cert)?.ca === true;
}

/** notation-go isRootCACertificate (Go's CheckSignatureFrom on itself, plus subject == issuer). */
function isRootCA(cert: Certificate): boolean {
  const ku = keyUsage(cert);
  const mayCertSign = !ku || (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
  return isCA(cert) && mayCertSign && isSelfSigned(cert);
}

function checkCertificate(cert: Certificate, type: TrustStoreType): void {
  if (type === 'tsa') {
    if (!isRootCA(cert))
      throw new CertificateProblem(
        `certificate "${cert.subject}" is not a root CA certificate (self-signed, cA=true), which a tsa store requires`,
      );
  } else if (!isCA(cert) && !isSelfSigned(cert)) {
    throw new CertificateProblem(
      `certificate "${cert.subject}" is neither a CA certificate nor self-signed`,
    );
  }
}

function readSource(data: Uint8Array | string, type: TrustStoreType): Certificate[] {
  const certs = parseCertificates(data);
  if (certs.length === 0) throw new CertificateProblem('holds no certificate');
  certs.forEach((cert) => checkCertificate(cert, type));
  return certs;
}

/**
 * Builds a named trust store from certificate sources (one per file), validated as notation-go
 * validates a store directory.
 * @throws PolicyError TRUST_STORE_INVALID, path `<type>:<name>`
 */
export function createTrustStore(options: CreateTrustStoreOptions): TrustStore {
  const { type, name } = options;
  const path = `${type}:${name}`;
  if (!TRUST_STORE_TYPES.includes(type))
    throw new PolicyError('TRUST_STORE_INVALID', path, `unknown trust store type "${type}"`);
  if (!STORE_NAME.test(name))
    throw new PolicyError('TRUST_STORE_INVALID', path, 'the name must match [a-zA-Z0-9_.-]+');
  if (options.certificates.length === 0)
    throw new PolicyError('TRUST_STORE_INVALID', path, 'the trust store holds no certificate');
  const certificates = options.certificates.flatMap((data, i) => {
    const source = options.sources?.[i] ?? `entry ${i + 1}`;
    try {
      return readSource(data, type);
    } catch (err) {
      const why = err instanceof CertificateProblem ? err.message : 'is not a valid certificate';
      throw new PolicyError('TRUST_STORE_INVALID', path, `${source}: ${why}`, { cause: err });
    }
  });
  return { type, name, certificates };
}
