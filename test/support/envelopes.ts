// Crafting kit for signature envelopes (JWS and COSE): sign any variant, valid or broken, with
// keys from test/support/certs.ts or the published e2e test key. Test-only code.
import { constants, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { Encoder, Tag } from 'cbor-x';
import type { Descriptor, SigningScheme } from '../../src/verify/types.js';
import { vector } from './vectors.js';

/** A certificate of the chain; the first one's private key signs unless `signWith` is given. */
export interface ChainCert {
  der: Uint8Array;
  privateKey?: KeyObject;
}

export interface EnvelopeOptions {
  /** Leaf first (an Issued[] from test/support/certs.ts fits). */
  chain: readonly ChainCert[];
  /** A descriptor becomes `{"targetArtifact": …}`; bytes are used as they are. */
  payload?: Descriptor | Uint8Array;
  scheme?: SigningScheme;
  /** signingTime (notary.x509) or authenticSigningTime (signingAuthority). */
  signingTime?: Date;
  expiry?: Date;
  /**
   * Extra or replacement protected header entries; `undefined` deletes one. For COSE, integer
   * keys ("1", "-7") and alg/crit/cty/x5chain are integer labels; Dates are tag-1 times.
   */
  protected?: Record<string, unknown>;
  unprotected?: Record<string, unknown>;
  /** The `alg` header value (JWS name or COSE number); default: the key's algorithm. */
  alg?: string | number;
  /** How to sign: `PS256`…`ES512` or `RS256`…`RS512`; default from `alg`, else from the key. */
  signAs?: string;
  signWith?: KeyObject;
  /** Replaces the computed signature. */
  signature?: Uint8Array;
}

/** The artifact of the e2e vectors (`oci-layouts/notation-e2e/e2e-valid-signature`). */
export const E2E_ARTIFACT: Descriptor = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9',
  size: 517,
};
export const DEFAULT_SIGNING_TIME = new Date('2025-01-01T00:00:00Z');
const CTY = 'application/vnd.cncf.notary.payload.v1+json';
const SCHEME = 'io.cncf.notary.signingScheme';
const EXPIRY = 'io.cncf.notary.expiry';
const AUTHENTIC = 'io.cncf.notary.authenticSigningTime';
const COSE_IDS: Record<string, number> = {
  PS256: -37,
  PS384: -38,
  PS512: -39,
  ES256: -7,
  ES384: -35,
  ES512: -36,
  RS256: -257,
  RS384: -258,
  RS512: -259,
};
const HASH_BYTES: Record<string, number> = { '256': 32, '384': 48, '512': 64 };

/** The published notation e2e test signer: `e2e.crt` with `e2e.key` (RSA 2048, PS256). */
export function e2eSigner(): ChainCert {
  const pem = vector('certs/notation-e2e/localkeys/e2e.crt').toString('utf8');
  const base64 = pem.replace(/-----[A-Z ]+-----|\s/g, '');
  return {
    der: Buffer.from(base64, 'base64'),
    privateKey: createPrivateKey(vector('certs/notation-e2e/localkeys/e2e.key')),
  };
}

/** The algorithm a key signs with by default (unsupported sizes fall back to SHA-256). */
export function keyAlgorithm(key: KeyObject): string {
  const { modulusLength, namedCurve } = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    return namedCurve === 'secp384r1' ? 'ES384' : namedCurve === 'secp521r1' ? 'ES512' : 'ES256';
  }
  return modulusLength === 3072 ? 'PS384' : modulusLength === 4096 ? 'PS512' : 'PS256';
}

/** A primitive signature as JWS/COSE carry it (PSS salt = hash length, ECDSA r||s). */
export function signWithAlgorithm(algorithm: string, key: KeyObject, data: Uint8Array): Buffer {
  const bits = algorithm.slice(2);
  const hash = `sha${bits}`;
  if (algorithm.startsWith('ES')) return sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
  if (algorithm.startsWith('RS')) return sign(hash, data, key);
  const saltLength = HASH_BYTES[bits] ?? 32;
  return sign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
}

type CommonOptions = Omit<EnvelopeOptions, 'payload'>;

function signer(options: CommonOptions): KeyObject {
  const key = options.signWith ?? options.chain[0]?.privateKey;
  if (!key) throw new Error('envelopes: no signing key (give signWith or a chain with a key)');
  return key;
}

function signingAlgorithm(options: CommonOptions, key: KeyObject): string {
  if (options.signAs) return options.signAs;
  const alg = options.alg;
  if (typeof alg === 'string' && /^(PS|ES|RS)(256|384|512)$/.test(alg)) return alg;
  const named = Object.entries(COSE_IDS).find(([, id]) => id === alg)?.[0];
  return named ?? keyAlgorithm(key);
}

export function payloadBytes(payload: Descriptor | Uint8Array = E2E_ARTIFACT): Uint8Array {
  return payload instanceof Uint8Array
    ? payload
    : Buffer.from(JSON.stringify({ targetArtifact: payload }));
}

/** The Notary signed attributes, before format-specific encoding and overrides. */
function notaryHeaders(options: CommonOptions): Record<string, unknown> {
  const scheme = options.scheme ?? 'notary.x509';
  const sa = scheme === 'notary.x509.signingAuthority';
  const crit = [SCHEME, ...(sa ? [AUTHENTIC] : []), ...(options.expiry ? [EXPIRY] : [])];
  return {
    crit,
    [SCHEME]: scheme,
    [sa ? AUTHENTIC : 'io.cncf.notary.signingTime']: options.signingTime ?? DEFAULT_SIGNING_TIME,
    ...(options.expiry && { [EXPIRY]: options.expiry }),
  };
}

function applyOverrides<K>(
  target: Map<K, unknown>,
  overrides: Record<string, unknown> | undefined,
  key: (name: string) => K,
): void {
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) target.delete(key(name));
    else target.set(key(name), value);
  }
}

/** RFC 3339 without fractional seconds, as notation writes it. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const b64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

/** A flattened JWS envelope (`application/jose+json`) as bytes. */
export function signJws(options: EnvelopeOptions): Uint8Array {
  const key = signer(options);
  const header = new Map<string, unknown>([['alg', options.alg ?? keyAlgorithm(key)]]);
  header.set('cty', CTY);
  for (const [name, value] of Object.entries(notaryHeaders(options))) {
    header.set(name, value instanceof Date ? rfc3339(value) : value);
  }
  applyOverrides(header, options.protected, (name) => name);
  const protectedText = b64url(JSON.stringify(Object.fromEntries(header)));
  const payloadText = b64url(payloadBytes(options.payload));
  const signature =
    options.signature ??
    signWithAlgorithm(
      signingAlgorithm(options, key),
      key,
      Buffer.from(`${protectedText}.${payloadText}`),
    );
  const unprotected = new Map<string, unknown>([
    ['x5c', options.chain.map((c) => Buffer.from(c.der).toString('base64'))],
    ['io.cncf.notary.signingAgent', 'notary-admission-tests/1.0.0'],
  ]);
  applyOverrides(unprotected, options.unprotected, (name) => name);
  return Buffer.from(
    JSON.stringify({
      payload: payloadText,
      protected: protectedText,
      header: Object.fromEntries(unprotected),
      signature: b64url(signature),
    }),
  );
}

/** cbor-x configured for COSE: plain maps (no tag 259), untagged byte strings. */
export const cbor = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  useTag259ForMaps: false,
} as ConstructorParameters<typeof Encoder>[0]);

const COSE_NAMES: Record<string, number> = { alg: 1, crit: 2, cty: 3, x5chain: 33 };
/** COSE labels: integer strings and the names alg, crit, cty, x5chain become integer labels. */
const coseLabel = (name: string): string | number =>
  COSE_NAMES[name] ?? (/^-?\d+$/.test(name) ? Number(name) : name);

/** Sig_structure ["Signature1", protected, h'', payload] (RFC 9052 §4.4). */
export function coseToBeSigned(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return cbor.encode(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}

export interface CoseOptions extends CommonOptions {
  /** Replaces the encoded protected header (the signature covers these bytes). */
  protectedBytes?: Uint8Array;
  /** `null` writes a detached (nil) payload. */
  payload?: Descriptor | Uint8Array | null;
  /** The outer tag: 18 by default; `null` for an untagged COSE_Sign1. */
  tag?: number | null;
}

/** A COSE_Sign1 envelope (`application/cose`) as bytes. */
export function signCose(options: CoseOptions): Uint8Array {
  const key = signer(options);
  const header = new Map<string | number, unknown>([
    [1, options.alg ?? COSE_IDS[keyAlgorithm(key)]],
  ]);
  const { crit, ...notary } = notaryHeaders(options);
  header.set(2, crit);
  header.set(3, CTY);
  for (const [name, value] of Object.entries(notary)) header.set(name, value);
  applyOverrides(header, options.protected, coseLabel);
  const protectedBytes = options.protectedBytes ?? cbor.encode(header);
  const payload = options.payload === null ? null : payloadBytes(options.payload);
  const signature =
    options.signature ??
    signWithAlgorithm(
      signingAlgorithm(options, key),
      key,
      coseToBeSigned(protectedBytes, payload ?? new Uint8Array(0)),
    );
  const unprotected = new Map<string | number, unknown>([
    [33, options.chain.map((c) => Buffer.from(c.der))],
    ['io.cncf.notary.signingAgent', 'notary-admission-tests/1.0.0'],
  ]);
  applyOverrides(unprotected, options.unprotected, coseLabel);
  const sign1 = [protectedBytes, unprotected, payload, signature];
  return cbor.encode(options.tag === null ? sign1 : new Tag(sign1, options.tag ?? 18));
}

/** The two envelope formats side by side, for rules that apply to both. */
export const ENVELOPE_FORMATS = [
  {
    name: 'JWS',
    mediaType: 'application/jose+json',
    sign: (options: EnvelopeOptions): Uint8Array => signJws(options),
    /** A time header value as the format encodes it. */
    time: (date: Date): unknown => rfc3339(date),
  },
  {
    name: 'COSE',
    mediaType: 'application/cose',
    sign: (options: EnvelopeOptions): Uint8Array => signCose(options),
    time: (date: Date): unknown => date,
  },
] as const;
