// The six signature algorithms of the Notary Project (spec §"Signature Algorithm Requirements").
// The leaf key alone decides the algorithm; an envelope's `alg` header must merely agree with it,
// which stops algorithm substitution (a PS256 signature from a key that mandates PS384).
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { VerificationError } from '../errors.js';
import type { SignatureAlgorithm } from '../types.js';
import { certificateOf, type Certificate, type CertificateLike } from '../x509/certificate.js';
import { perCertificate } from '../x509/memo.js';

type Hash = 'sha256' | 'sha384' | 'sha512';

const HASH: Record<SignatureAlgorithm, Hash> = {
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};
const HASH_BYTES: Record<Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };
/** ECDSA signatures are the fixed-length r||s concatenation (RFC 7518 §3.4, RFC 9053 §2.1). */
const ECDSA_SIGNATURE_BYTES: Partial<Record<SignatureAlgorithm, number>> = {
  ES256: 64,
  ES384: 96,
  ES512: 132,
};
const RSA_BY_BITS = new Map<number, SignatureAlgorithm>([
  [2048, 'PS256'],
  [3072, 'PS384'],
  [4096, 'PS512'],
]);
const EC_BY_CURVE = new Map<string, SignatureAlgorithm>([
  ['prime256v1', 'ES256'],
  ['secp384r1', 'ES384'],
  ['secp521r1', 'ES512'],
]);
const JWS_ALGORITHMS: ReadonlySet<string> = new Set(Object.keys(HASH));
/** COSE algorithm identifiers (RFC 9053) of the six algorithms. */
export const COSE_ALGORITHMS: ReadonlyMap<number, SignatureAlgorithm> = new Map([
  [-37, 'PS256'],
  [-38, 'PS384'],
  [-39, 'PS512'],
  [-7, 'ES256'],
  [-35, 'ES384'],
  [-36, 'ES512'],
]);

function unsupported(message: string): VerificationError {
  return new VerificationError('ALGORITHM_UNSUPPORTED', 'integrity', message);
}

/**
 * The certificate's public key as a Node KeyObject; ALGORITHM_UNSUPPORTED when Node cannot use
 * it. Read once per certificate, from OpenSSL's own parse of it (the parsed form's `node`).
 */
export function publicKeyOf(cert: CertificateLike): KeyObject {
  let parsed: Certificate;
  try {
    parsed = certificateOf(cert);
  } catch {
    throw unsupported('the signing certificate carries a public key of an unsupported type');
  }
  return checkedKeys(parsed);
}

const checkedKeys = perCertificate(readPublicKey);

/** DER of a canonical EC SubjectPublicKeyInfo up to the point, for the three curves. */
const EC_SPKI_PREFIX: ReadonlyMap<string, Buffer> = new Map([
  ['prime256v1', Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex')],
  ['secp384r1', Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex')],
  ['secp521r1', Buffer.from('30819b301006072a8648ce3d020106052b8104002303818600', 'hex')],
]);

/**
 * The canonical SPKI of a key: RSA parameters NULL, EC points uncompressed. For the three
 * curves it is written from the key's coordinates (OpenSSL checked the point when it read
 * it); anything else takes a JWK round trip, whose import costs as much as a signature check.
 */
export function canonicalSpki(key: KeyObject): Buffer {
  const prefix =
    key.asymmetricKeyType === 'ec'
      ? EC_SPKI_PREFIX.get(key.asymmetricKeyDetails?.namedCurve ?? '')
      : undefined;
  const jwk = key.export({ format: 'jwk' });
  if (prefix !== undefined && jwk.x !== undefined && jwk.y !== undefined) {
    const point = [Buffer.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')];
    return Buffer.concat([prefix, ...point]);
  }
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'der', type: 'spki' });
}

function readPublicKey(cert: Certificate): KeyObject {
  const spki = cert.fields.spki;
  let key: KeyObject;
  let canonical: Buffer;
  try {
    key = cert.node.publicKey;
    canonical = canonicalSpki(key);
  } catch {
    throw unsupported('the signing certificate carries a public key of an unsupported type');
  }
  // OpenSSL tolerates encodings Go refuses; accept only the canonical one, so that every
  // verifier reads the same key from the same certificate.
  if (!canonical.equals(spki)) {
    throw unsupported("the signing certificate's public key is not canonically encoded");
  }
  return key;
}

/** The algorithm a key mandates: RSA 2048/3072/4096 → PS256/384/512, P-256/384/521 → ES256/384/512. */
export function algorithmForPublicKey(key: KeyObject): SignatureAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    const algorithm = RSA_BY_BITS.get(bits);
    if (algorithm) return algorithm;
    throw unsupported(`RSA ${bits}-bit signing keys are not supported (2048, 3072 or 4096 only)`);
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = details.namedCurve ?? 'explicit parameters';
    const algorithm = EC_BY_CURVE.get(curve);
    if (algorithm) return algorithm;
    throw unsupported(`EC curve ${curve} is not supported (P-256, P-384 or P-521 only)`);
  }
  throw unsupported(`${key.asymmetricKeyType ?? 'unknown'} signing keys are not supported`);
}

/**
 * The signature algorithm the certificate's key mandates (spec §2.5).
 * @throws VerificationError ALGORITHM_UNSUPPORTED for any other key type or size.
 */
export function algorithmForKey(cert: CertificateLike): SignatureAlgorithm {
  return algorithmForPublicKey(publicKeyOf(cert));
}

/** Maps a JWS `alg` header; `none`, HMAC, PKCS#1 v1.5 and anything else are refused. */
export function jwsAlgorithm(alg: unknown): SignatureAlgorithm {
  if (typeof alg === 'string' && JWS_ALGORITHMS.has(alg)) return alg as SignatureAlgorithm;
  throw unsupported(`signature algorithm ${describe(alg)} is not allowed`);
}

/** Maps a COSE `alg` label (1) value; only the six integer identifiers are accepted. */
export function coseAlgorithm(alg: unknown): SignatureAlgorithm {
  const algorithm = typeof alg === 'number' ? COSE_ALGORITHMS.get(alg) : undefined;
  if (algorithm) return algorithm;
  throw unsupported(`COSE signature algorithm ${describe(alg)} is not allowed`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'number') return String(value);
  return value === undefined ? '(missing)' : `of type ${typeof value}`;
}

/** Options of {@link verifySignature}. */
export interface SignatureCheck {
  algorithm: SignatureAlgorithm;
  key: KeyObject;
  /** The exact bytes the signer signed (JWS signing input or COSE Sig_structure). */
  signed: Uint8Array;
  signature: Uint8Array;
}

/**
 * Checks a primitive signature: RSASSA-PSS with salt length = hash length, or ECDSA r||s.
 * @throws VerificationError SIGNATURE_INVALID when it does not verify.
 */
export function verifySignature(check: SignatureCheck): void {
  const hash = HASH[check.algorithm];
  const ecdsaBytes = ECDSA_SIGNATURE_BYTES[check.algorithm];
  let valid = false;
  if (ecdsaBytes === undefined || check.signature.length === ecdsaBytes) {
    const key =
      ecdsaBytes === undefined
        ? {
            key: check.key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: HASH_BYTES[hash],
          }
        : { key: check.key, dsaEncoding: 'ieee-p1363' as const };
    try {
      valid = verify(hash, check.signed, key, check.signature);
    } catch {
      valid = false;
    }
  }
  if (!valid) {
    throw new VerificationError(
      'SIGNATURE_INVALID',
      'integrity',
      `the envelope's ${check.algorithm} signature does not verify with the signing certificate's key`,
    );
  }
}
