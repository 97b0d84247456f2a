// The key types and signature methods Notary uses (tuf/data/keys.go, tuf/signed/verifiers.go):
// how a key's ID is computed and how one signature is checked. SPEC.md § Keys and signatures.
import { createHash, createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import * as x509 from '../x509/peculiar.js';
import { canonicalBytes } from './canonical-json.js';

export type KeyType = 'ecdsa' | 'ecdsa-x509' | 'rsa' | 'rsa-x509' | 'ed25519';
const KEY_TYPES: ReadonlySet<string> = new Set<KeyType>([
  'ecdsa',
  'ecdsa-x509',
  'rsa',
  'rsa-x509',
  'ed25519',
]);

/** A key as the metadata lists it. `public` is DER (ecdsa, rsa), PEM text (x509) or raw (ed25519). */
export interface TufKey {
  readonly id: string;
  readonly type: string;
  readonly public: Buffer;
}

/** sha256 of `{"keytype":T,"keyval":{"private":null,"public":base64}}` in canonical JSON. */
export function keyId(type: string, publicBytes: Buffer): string {
  const form = canonicalBytes({
    keytype: type,
    keyval: { private: null, public: publicBytes.toString('base64') },
  });
  return createHash('sha256').update(form).digest('hex');
}

/** The certificates of a PEM bundle, in order; undefined when any block is not a certificate. */
export function pemCertificates(pem: Buffer): x509.X509Certificate[] | undefined {
  const text = pem.toString('latin1');
  const blocks = [
    ...text.matchAll(/-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/g),
  ];
  if (blocks.length === 0 || blocks.some((b) => b[1] !== 'CERTIFICATE')) return undefined;
  try {
    return blocks.map(
      (b) => new x509.X509Certificate(Buffer.from(b[2]!.replace(/\s/g, ''), 'base64')),
    );
  } catch {
    return undefined;
  }
}

/** What Go's pem.Encode writes for a certificate: the only form whose key ID Notary re-derives. */
export function canonicalPem(certs: readonly x509.X509Certificate[]): string {
  return certs
    .map((c) => {
      const b64 = Buffer.from(c.rawData).toString('base64');
      return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
    })
    .join('');
}

function ed25519Key(raw: Buffer): KeyObject | undefined {
  if (raw.length !== 32) return undefined;
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

/** SPKI DER of an ecdsa/rsa key; for the x509 forms, the first PEM block's, as Notary's verifiers read it. */
function spkiOf(key: TufKey): Buffer {
  if (!key.type.endsWith('-x509')) return key.public;
  return Buffer.from(pemCertificates(key.public)?.[0]?.publicKey.rawData ?? new ArrayBuffer(0));
}

/** The key that checks signatures, or undefined for a key type or encoding Notary cannot use. */
export function publicKeyOf(key: TufKey): KeyObject | undefined {
  if (!KEY_TYPES.has(key.type)) return undefined;
  try {
    if (key.type === 'ed25519') return ed25519Key(key.public);
    const object = createPublicKey({ key: spkiOf(key), format: 'der', type: 'spki' });
    const family = key.type.startsWith('ecdsa') ? 'ec' : 'rsa';
    // Notary refuses RSA under 2048 bits (verifiers.go minRSAKeySizeBit).
    const tooShort = family === 'rsa' && (object.asymmetricKeyDetails?.modulusLength ?? 0) < 2048;
    return object.asymmetricKeyType === family && !tooShort ? object : undefined;
  } catch {
    return undefined;
  }
}

/** The signature method each key family accepts (Notary lower-cases the method it reads). */
function methodFits(type: string, method: string): boolean {
  if (type === 'ed25519') return method === 'eddsa';
  if (type.startsWith('ecdsa')) return method === 'ecdsa';
  if (method === 'pycrypto-pkcs#1 pss') return type === 'rsa';
  return method === 'rsapss' || method === 'rsapkcs1v15';
}

/** A key with its parsed public key. */
export interface UsableKey {
  key: TufKey;
  object: KeyObject;
}

/** Whether `sig` is a valid signature of `message` by `key` with `method`; never throws. */
export function verifySignature(
  { key, object }: UsableKey,
  method: string,
  sig: Buffer,
  message: Buffer,
): boolean {
  const m = method.toLowerCase();
  if (!methodFits(key.type, m)) return false;
  try {
    if (key.type === 'ed25519') return sig.length === 64 && verify(null, message, object, sig);
    // ECDSA: raw r||s of twice the field size, over SHA-256 whatever the curve.
    if (key.type.startsWith('ecdsa'))
      return verify('sha256', message, { key: object, dsaEncoding: 'ieee-p1363' }, sig);
    if (sig.length < 256) return false;
    const padding =
      m === 'rsapkcs1v15' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_PSS_PADDING;
    return verify('sha256', message, { key: object, padding, saltLength: 32 }, sig);
  } catch {
    return false;
  }
}
