// Low-level facts about one certificate, read from its exact DER bytes: raw issuer and subject
// names (compared byte for byte, as Go's RawIssuer/RawSubject), the signature algorithm, the
// public key, and issuance checks. Signatures are verified by OpenSSL through node:crypto.
import { X509Certificate as NodeCertificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { perCertificate } from './memo.js';
import * as x509 from './peculiar.js';

/** A certificate requirement that is not met; the message names the rule. */
export class CertificateProblem extends Error {}

const HASH_LENGTH = new Map([
  ['2.16.840.1.101.3.4.2.1', 32], // SHA-256
  ['2.16.840.1.101.3.4.2.2', 48], // SHA-384
  ['2.16.840.1.101.3.4.2.3', 64], // SHA-512
]);
/** Certificate signature algorithms accepted anywhere in a chain: no SHA-1, no MD5 (C-43). */
const SIGNATURE_ALGORITHMS = new Set([
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
]);
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';
const CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const LEAF_RSA_SIZES = new Set([2048, 3072, 4096]);

export interface CertificateFacts {
  rawIssuer: Uint8Array;
  rawSubject: Uint8Array;
  /** The outer signatureAlgorithm, and whether it equals the one inside the TBS. */
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
  signatureAlgorithmsMatch: boolean;
  node: NodeCertificate;
  /** The extension with this OID; a duplicated extension is a problem (Go refuses to parse it). */
  extension: (oid: string) => x509.Extension | undefined;
}

function raw(block: asn1js.AsnType | undefined): Uint8Array {
  if (!block) throw new CertificateProblem('is not a well-formed certificate');
  return block.valueBeforeDecodeView;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function readFacts(cert: x509.X509Certificate): CertificateFacts {
  const der = new Uint8Array(cert.rawData);
  const parsed = asn1js.fromBER(der);
  const [tbs, outerAlgorithm] =
    parsed.result instanceof asn1js.Sequence ? parsed.result.valueBlock.value : [];
  if (parsed.offset !== der.length || !(tbs instanceof asn1js.Sequence))
    throw new CertificateProblem('is not a well-formed certificate');
  const fields = tbs.valueBlock.value;
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, …
  const at = fields[0]?.idBlock.tagClass === 3 ? 1 : 0;
  return {
    rawIssuer: raw(fields[at + 2]),
    rawSubject: raw(fields[at + 4]),
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ schema: outerAlgorithm }),
    signatureAlgorithmsMatch: bytesEqual(raw(outerAlgorithm), raw(fields[at + 1])),
    node: new NodeCertificate(der),
    extension: (oid) => {
      const found = cert.extensions.filter((e) => e.type === oid);
      if (found.length > 1) throw new CertificateProblem(`has a duplicated extension ${oid}`);
      return found[0];
    },
  };
}

/** Parsed once per certificate object. */
export const certificateFacts = perCertificate(readFacts);

function pssProblem(params: unknown): string | undefined {
  const pss = new pkijs.RSASSAPSSParams({ schema: params });
  const hash = pss.hashAlgorithm.algorithmId;
  const mgfHash = new pkijs.AlgorithmIdentifier({ schema: pss.maskGenAlgorithm.algorithmParams });
  const ok =
    HASH_LENGTH.get(hash) === pss.saltLength &&
    pss.maskGenAlgorithm.algorithmId === MGF1 &&
    mgfHash.algorithmId === hash;
  return ok
    ? undefined
    : 'RSASSA-PSS signature parameters are not SHA-256/384/512 with MGF1 and salt = hash length';
}

/** Why the certificate's own signature algorithm is not acceptable, if it is not (C-43). */
export function signatureAlgorithmProblem(cert: x509.X509Certificate): string | undefined {
  const facts = certificateFacts(cert);
  const oid = facts.signatureAlgorithm.algorithmId;
  if (!facts.signatureAlgorithmsMatch)
    return 'signature algorithm differs from the one inside the signed certificate body';
  if (oid === RSASSA_PSS) return pssProblem(facts.signatureAlgorithm.algorithmParams);
  if (SIGNATURE_ALGORITHMS.has(oid)) return undefined;
  const sha1 = oid === '1.2.840.113549.1.1.5' || oid === '1.2.840.10045.4.1';
  return sha1
    ? 'is signed with SHA-1, which is not allowed'
    : `signature algorithm ${oid} is not allowed`;
}

function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): boolean {
  try {
    return certificateFacts(cert).node.verify(certificateFacts(issuer).node.publicKey);
  } catch {
    return false;
  }
}

/** Issuer name equals the issuer's subject (raw bytes) and the issuer's key verifies the signature. */
export function issuedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): boolean {
  const issuerName = certificateFacts(cert).rawIssuer;
  return bytesEqual(issuerName, certificateFacts(issuer).rawSubject) && signedBy(cert, issuer);
}

/** Self-issued and signed by its own key with an allowed algorithm. */
export function isSelfSigned(cert: x509.X509Certificate): boolean {
  return signatureAlgorithmProblem(cert) === undefined && issuedBy(cert, cert);
}

/**
 * Why the public key is not acceptable, if it is not. Leaf: the algorithm table only (RSA
 * 2048/3072/4096, P-256/384/521: D6). CA: RSA of at least 2048 bits, the same three curves.
 */
export function keyProblem(cert: x509.X509Certificate, role: 'leaf' | 'ca'): string | undefined {
  const key = certificateFacts(cert).node.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec')
    return CURVES.has(details.namedCurve ?? '')
      ? undefined
      : `EC curve ${details.namedCurve ?? 'unknown'} is not supported`;
  if (key.asymmetricKeyType !== 'rsa')
    return `${key.asymmetricKeyType ?? 'unknown'} keys are not supported`;
  const bits = details.modulusLength ?? 0;
  const ok = role === 'leaf' ? LEAF_RSA_SIZES.has(bits) : bits >= 2048;
  return ok ? undefined : `RSA key size ${bits} bits is not supported`;
}

/** The basicConstraints extension, decoded (criticality on `.critical`). */
export function basicConstraints(
  cert: x509.X509Certificate,
): x509.BasicConstraintsExtension | undefined {
  const ext = certificateFacts(cert).extension('2.5.29.19');
  return ext && new x509.BasicConstraintsExtension(ext.rawData);
}

/** The keyUsage extension, decoded. */
export function keyUsage(cert: x509.X509Certificate): x509.KeyUsagesExtension | undefined {
  const ext = certificateFacts(cert).extension('2.5.29.15');
  return ext && new x509.KeyUsagesExtension(ext.rawData);
}

/** The extendedKeyUsage extension, decoded. */
export function extendedKeyUsage(
  cert: x509.X509Certificate,
): x509.ExtendedKeyUsageExtension | undefined {
  const ext = certificateFacts(cert).extension('2.5.29.37');
  return ext && new x509.ExtendedKeyUsageExtension(ext.rawData);
}
