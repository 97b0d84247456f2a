// The one parsed form of a certificate (issue 20). Each distinct DER is parsed once: OpenSSL
// (node:crypto) parses it strictly and checks signatures with its key, and its fields are
// located in the same bytes (fields.ts). Every rule reads this form: the certificate
// requirements, the key import, the trust check, the identity match, the revocation pointers.
// What only some paths need is derived when first asked for and kept (memo.ts); a
// @peculiar/x509 reading is made only for a name in a message or for the timestamp path.
import { createHash, X509Certificate as NodeCertificate } from 'node:crypto';
import { DerError } from './der.js';
import { readFields, type CertificateFields } from './fields.js';
import { Lru } from './lru.js';
import * as x509 from './peculiar.js';

/** A certificate requirement that is not met; the message names the rule. */
export class CertificateProblem extends Error {}

/** SHA-256 of DER bytes, as a cache key. */
export function derKey(der: Uint8Array | ArrayBuffer): string {
  return createHash('sha256')
    .update(der instanceof Uint8Array ? der : new Uint8Array(der))
    .digest('base64');
}

export class Certificate {
  /** The exact DER, in a buffer of its own. */
  readonly der: Uint8Array;
  /** SHA-256 of the DER (base64): the certificate's identity in every cache. */
  readonly key: string;
  /** OpenSSL's parse: the public key and the signature checks. */
  readonly node: NodeCertificate;
  readonly fields: CertificateFields;
  #subject: string | undefined;
  #issuer: string | undefined;
  #peculiar: x509.X509Certificate | undefined;

  /** Use {@link certificateFromDer}: it refuses what is not a certificate. */
  constructor(der: Uint8Array, key: string, node: NodeCertificate, fields: CertificateFields) {
    this.der = der;
    this.key = key;
    this.node = node;
    this.fields = fields;
  }

  get notBefore(): Date {
    return this.fields.notBefore;
  }

  get notAfter(): Date {
    return this.fields.notAfter;
  }

  /** A copy of the DER (the @peculiar/x509 name, which callers outside src/verify read). */
  get rawData(): ArrayBuffer {
    return this.der.slice().buffer;
  }

  /** The subject as @peculiar/x509 prints it ("C=US, O=…, CN=…"), for messages. */
  get subject(): string {
    return (this.#subject ??= new x509.Name(this.fields.rawSubject).toString());
  }

  get issuer(): string {
    return (this.#issuer ??= new x509.Name(this.fields.rawIssuer).toString());
  }

  /** The serial number in hex, as @peculiar/x509 prints it (no sign octet before a high bit). */
  get serialNumber(): string {
    const serial = this.fields.serial;
    const signOctet = serial.length > 1 && serial[0] === 0 && serial[1]! > 0x7f;
    return Buffer.from(signOctet ? serial.subarray(1) : serial).toString('hex');
  }

  /** The same certificate read by @peculiar/x509 (the timestamp path's chain building). */
  get peculiar(): x509.X509Certificate {
    return (this.#peculiar ??= new x509.X509Certificate(this.der));
  }
}

/** What the rules accept: this form, or a @peculiar/x509 certificate (read into it once). */
export type CertificateLike = Certificate | x509.X509Certificate;

/**
 * Parsed certificates by DER hash: each distinct certificate is parsed (and checked) once.
 * Bounded in count and in size (decision 10): an envelope of 1 MiB may carry a certificate of
 * nearly that size, while real ones are 0.5–3 KiB, so a larger one is parsed each time.
 */
const parsed = new Lru<Certificate>(1024);
const MAX_KEPT_DER = 8 * 1024;

function parse(bytes: Uint8Array, key: string): Certificate {
  const der = Uint8Array.from(bytes); // never a view of the caller's (or an envelope's) buffer
  const node = new NodeCertificate(der);
  // OpenSSL ignores bytes after the certificate; its re-serialisation shows them.
  if (!node.raw.equals(der)) throw new Error('trailing data after the certificate');
  let fields: CertificateFields;
  try {
    fields = readFields(der);
  } catch (err) {
    if (err instanceof DerError) throw new CertificateProblem('is not a well-formed certificate');
    throw err;
  }
  return new Certificate(der, key, node, fields);
}

/**
 * The certificate in `der`, parsed once per distinct DER (a bounded cache: decision 10).
 * @throws CertificateProblem for bytes that are not strict DER; another Error for bytes
 *   OpenSSL does not parse as a certificate. Nothing is kept for bytes that fail.
 */
export function certificateFromDer(der: Uint8Array, key = derKey(der)): Certificate {
  const known = parsed.get(key);
  if (known) return known;
  const cert = parse(der, key);
  if (cert.der.length <= MAX_KEPT_DER) parsed.set(key, cert);
  return cert;
}

const fromPeculiar = new WeakMap<x509.X509Certificate, Certificate>();

/** The parsed form of either kind. @throws as {@link certificateFromDer} */
export function certificateOf(cert: CertificateLike): Certificate {
  if (cert instanceof Certificate) return cert;
  let known = fromPeculiar.get(cert);
  if (known === undefined) {
    known = certificateFromDer(new Uint8Array(cert.rawData));
    fromPeculiar.set(cert, known);
  }
  return known;
}

/** The DER of either kind, without parsing anything. */
export function derOf(cert: CertificateLike): Uint8Array {
  return cert instanceof Certificate ? cert.der : new Uint8Array(cert.rawData);
}

/** The @peculiar/x509 reading of either kind. */
export function peculiarOf(cert: CertificateLike): x509.X509Certificate {
  return cert instanceof Certificate ? cert.peculiar : cert;
}
