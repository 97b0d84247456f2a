// Low-level facts about one certificate, read from its parsed form (certificate.ts): raw issuer
// and subject names (compared byte for byte, as Go's RawIssuer/RawSubject), the signature
// algorithm, the public key, and issuance checks. Signatures are verified by OpenSSL through
// node:crypto, once per (certificate, issuer) pair.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificateOf, type Certificate, type CertificateLike } from './certificate.js';
import { perCertificate } from './memo.js';

export { CertificateProblem } from './certificate.js';
export { basicConstraints, extendedKeyUsage, keyUsage } from './extensions.js';

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
/** Issuers remembered per certificate: one in a real chain, a few at most (decision 10). */
const MAX_ISSUERS = 4;

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function pssProblem(params: Uint8Array | undefined): string | undefined {
  if (params === undefined) throw new Error('RSASSA-PSS without parameters');
  const pss = new pkijs.RSASSAPSSParams({ schema: asn1js.fromBER(params).result });
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

function readAlgorithmProblem(cert: Certificate): string | undefined {
  const { signatureAlgorithm, signatureAlgorithmsMatch } = cert.fields;
  const oid = signatureAlgorithm.oid;
  if (!signatureAlgorithmsMatch)
    return 'signature algorithm differs from the one inside the signed certificate body';
  if (oid === RSASSA_PSS) return pssProblem(signatureAlgorithm.params);
  if (SIGNATURE_ALGORITHMS.has(oid)) return undefined;
  const sha1 = oid === '1.2.840.113549.1.1.5' || oid === '1.2.840.10045.4.1';
  return sha1
    ? 'is signed with SHA-1, which is not allowed'
    : `signature algorithm ${oid} is not allowed`;
}

/** Why the certificate's own signature algorithm is not acceptable, if it is not (C-43). */
export const signatureAlgorithmProblem = perCertificate(readAlgorithmProblem);

/** Signature checks already made, by issuer key, per certificate. */
const signatures = perCertificate(() => new Map<string, boolean>());

function signedBy(cert: Certificate, issuer: Certificate): boolean {
  const known = signatures(cert);
  let valid = known.get(issuer.key);
  if (valid !== undefined) return valid;
  try {
    valid = cert.node.verify(issuer.node.publicKey);
  } catch {
    valid = false;
  }
  if (known.size >= MAX_ISSUERS) known.delete(known.keys().next().value!);
  known.set(issuer.key, valid);
  return valid;
}

/** Issuer name equals the issuer's subject (raw bytes) and the issuer's key verifies the signature. */
export function issuedBy(child: CertificateLike, parent: CertificateLike): boolean {
  const cert = certificateOf(child);
  const issuer = certificateOf(parent);
  return bytesEqual(cert.fields.rawIssuer, issuer.fields.rawSubject) && signedBy(cert, issuer);
}

/** Self-issued and signed by its own key with an allowed algorithm. */
export function isSelfSigned(cert: CertificateLike): boolean {
  return signatureAlgorithmProblem(cert) === undefined && issuedBy(cert, cert);
}

/**
 * Why the public key is not acceptable, if it is not. Leaf: the algorithm table only (RSA
 * 2048/3072/4096, P-256/384/521: D6). CA: RSA of at least 2048 bits, the same three curves.
 */
export function keyProblem(cert: CertificateLike, role: 'leaf' | 'ca'): string | undefined {
  const key = certificateOf(cert).node.publicKey;
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
