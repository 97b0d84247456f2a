import {
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { issue, makeChain, type KeyAlg } from '../../../test/support/certs.js';
import { ENVELOPE_FORMATS, signJws, signWithAlgorithm } from '../../../test/support/envelopes.js';
import { integrityError } from '../../../test/support/matchers.js';
import { JWS_MEDIA_TYPE } from '../types.js';
import * as x509 from '../x509/peculiar.js';
import {
  algorithmForKey,
  canonicalSpki,
  coseAlgorithm,
  jwsAlgorithm,
  verifySignature,
} from './algorithms.js';
import { parseEnvelope } from './index.js';

// RSA-3072/4096 key generation alone takes seconds on a busy shared core: a timeout, not a bug.
vi.setConfig({ testTimeout: 60_000 });

/** A certificate for any SubjectPublicKeyInfo, signed by a throwaway P-256 issuer. */
async function certFor(publicKey: KeyObject | Buffer): Promise<x509.X509Certificate> {
  const issuer = await issue({ key: 'ec-p256' });
  return x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: 'CN=odd key',
    issuer: issuer.cert.subject,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: Buffer.isBuffer(publicKey)
      ? publicKey
      : publicKey.export({ format: 'der', type: 'spki' }),
    signingKey: issuer.keys.privateKey,
  });
}

/** An RSA public key of any size without generating one: only the modulus length matters. */
function rsaPublicKey(bits: number): KeyObject {
  const modulus = randomBytes(bits / 8);
  modulus[0]! |= 0x80;
  modulus[modulus.length - 1]! |= 1;
  return createPublicKey({
    key: { kty: 'RSA', n: modulus.toString('base64url'), e: 'AQAB' },
    format: 'jwk',
  });
}

describe('algorithmForKey', () => {
  describe('when the key is one of the six', () => {
    it.each([
      ['rsa-2048', 'PS256'],
      ['rsa-3072', 'PS384'],
      ['rsa-4096', 'PS512'],
      ['ec-p256', 'ES256'],
      ['ec-p384', 'ES384'],
      ['ec-p521', 'ES512'],
    ] as [KeyAlg, string][])('returns the algorithm of %s: %s', async (key, algorithm) => {
      const { cert } = await issue({ key });
      expect(algorithmForKey(cert)).toBe(algorithm);
    });
  });

  describe('when the key is not one of the six', () => {
    it.each([
      ['RSA-1024', async () => (await issue({ key: 'rsa-1024' })).cert],
      ['RSA-8192', () => certFor(rsaPublicKey(8192))],
      ['RSA-2047', () => certFor(rsaPublicKey(2040))],
      ['P-224', () => certFor(generateKeyPairSync('ec', { namedCurve: 'secp224r1' }).publicKey)],
      [
        'secp256k1',
        () => certFor(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey),
      ],
      ['Ed25519', () => certFor(generateKeyPairSync('ed25519').publicKey)],
      [
        'RSASSA-PSS',
        () => certFor(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey),
      ],
    ])('C-23 throws ALGORITHM_UNSUPPORTED for %s', async (_, make) => {
      const cert = await make();
      expect(() => algorithmForKey(cert)).toThrow(integrityError('ALGORITHM_UNSUPPORTED'));
    });
  });

  describe('when the key is not canonically encoded', () => {
    it('throws ALGORITHM_UNSUPPORTED for RSA parameters that are not NULL', async () => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const spki = publicKey.export({ format: 'der', type: 'spki' });
      const params = spki.indexOf(Buffer.from('2a864886f70d0101010500', 'hex')) + 9;
      spki[params] = 0x27; // what the fuzzer found: OpenSSL still reads the key
      expect(() => createPublicKey({ key: spki, format: 'der', type: 'spki' })).not.toThrow();
      const cert = await certFor(spki);
      expect(() => algorithmForKey(cert)).toThrow(integrityError('ALGORITHM_UNSUPPORTED'));
    });

    it('throws ALGORITHM_UNSUPPORTED for a compressed EC point', async () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const { x, y } = publicKey.export({ format: 'jwk' });
      const odd = Buffer.from(y!, 'base64url').at(-1)! & 1;
      const spki = Buffer.concat([
        Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
        Buffer.of(odd ? 3 : 2),
        Buffer.from(x!, 'base64url'),
      ]);
      expect(createPublicKey({ key: spki, format: 'der', type: 'spki' }).asymmetricKeyType).toBe(
        'ec',
      );
      const cert = await certFor(spki);
      expect(() => algorithmForKey(cert)).toThrow(integrityError('ALGORITHM_UNSUPPORTED'));
    });
  });

  describe('when a signed envelope uses an unsupported key', () => {
    it('C-23 throws ALGORITHM_UNSUPPORTED for an RSA-1024 leaf', async () => {
      const chain = await makeChain({ key: 'rsa-1024', levels: 1 });
      const bytes = signJws({ chain: chain.certs, alg: 'PS256' });
      expect(() => parseEnvelope(JWS_MEDIA_TYPE, bytes)).toThrow(
        integrityError('ALGORITHM_UNSUPPORTED'),
      );
    });
  });
});

describe('canonicalSpki', () => {
  describe('when the key is on one of the three curves', () => {
    it.each(['prime256v1', 'secp384r1', 'secp521r1'])(
      'returns what a JWK round trip returns for %s keys',
      (namedCurve) => {
        for (let i = 0; i < 40; i++) {
          const { publicKey } = generateKeyPairSync('ec', { namedCurve });
          const jwk = publicKey.export({ format: 'jwk' });
          const roundTrip = createPublicKey({ key: jwk, format: 'jwk' });
          expect(canonicalSpki(publicKey)).toEqual(
            roundTrip.export({ format: 'der', type: 'spki' }),
          );
        }
      },
    );
  });

  describe('when the key is RSA or on another curve', () => {
    it.each([
      ['RSA-2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey],
      ['secp256k1', () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey],
    ])('returns the SPKI of a JWK round trip for %s', (_, make) => {
      const key = make();
      expect(canonicalSpki(key)).toEqual(key.export({ format: 'der', type: 'spki' }));
    });
  });
});

describe('jwsAlgorithm', () => {
  describe('when alg is allowed', () => {
    it.each(['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'])('returns %s', (alg) => {
      expect(jwsAlgorithm(alg)).toBe(alg);
    });
  });

  describe('when alg is not allowed', () => {
    it.each(['none', 'HS256', 'RS256', 'ps256', 'EdDSA', '', -37, undefined, null])(
      'C-21 throws ALGORITHM_UNSUPPORTED for %j',
      (alg) => {
        expect(() => jwsAlgorithm(alg)).toThrow(integrityError('ALGORITHM_UNSUPPORTED'));
      },
    );
  });
});

describe('coseAlgorithm', () => {
  describe('when alg is allowed', () => {
    it.each([
      [-37, 'PS256'],
      [-38, 'PS384'],
      [-39, 'PS512'],
      [-7, 'ES256'],
      [-35, 'ES384'],
      [-36, 'ES512'],
    ])('returns %d as %s', (alg, name) => {
      expect(coseAlgorithm(alg)).toBe(name);
    });
  });

  describe('when alg is not allowed', () => {
    it.each([-257, -8, 5, 0, -37.5, 'PS256', undefined])(
      'C-21 throws ALGORITHM_UNSUPPORTED for %j',
      (alg) => {
        expect(() => coseAlgorithm(alg)).toThrow(integrityError('ALGORITHM_UNSUPPORTED'));
      },
    );
  });
});

describe('verifySignature', () => {
  const data = Buffer.from('signing input');

  describe('when the signature uses the required encoding', () => {
    it('returns for RSASSA-PSS with salt length = hash length', async () => {
      const { privateKey, publicKey } = await issue({ key: 'rsa-2048' });
      const signature = signWithAlgorithm('PS256', privateKey, data);
      expect(() =>
        verifySignature({ algorithm: 'PS256', key: publicKey, signed: data, signature }),
      ).not.toThrow();
    });

    it('returns for ECDSA r||s', async () => {
      const { privateKey, publicKey } = await issue({ key: 'ec-p384' });
      const signature = signWithAlgorithm('ES384', privateKey, data);
      expect(() =>
        verifySignature({ algorithm: 'ES384', key: publicKey, signed: data, signature }),
      ).not.toThrow();
    });
  });

  describe('when the signature uses another encoding', () => {
    it('throws SIGNATURE_INVALID for a PSS salt of another length', async () => {
      const { privateKey, publicKey } = await issue({ key: 'rsa-2048' });
      const signature = sign('sha256', data, { key: privateKey, padding: 6, saltLength: 20 });
      expect(() =>
        verifySignature({ algorithm: 'PS256', key: publicKey, signed: data, signature }),
      ).toThrow(integrityError('SIGNATURE_INVALID'));
    });

    it('throws SIGNATURE_INVALID for a DER-encoded ECDSA signature', async () => {
      const { privateKey, publicKey } = await issue({ key: 'ec-p256' });
      const signature = sign('sha256', data, privateKey);
      expect(() =>
        verifySignature({ algorithm: 'ES256', key: publicKey, signed: data, signature }),
      ).toThrow(integrityError('SIGNATURE_INVALID'));
    });

    it('throws SIGNATURE_INVALID for PKCS#1 v1.5', async () => {
      const { privateKey, publicKey } = await issue({ key: 'rsa-2048' });
      const signature = signWithAlgorithm('RS256', privateKey, data);
      expect(() =>
        verifySignature({ algorithm: 'PS256', key: publicKey, signed: data, signature }),
      ).toThrow(integrityError('SIGNATURE_INVALID'));
    });
  });
});

describe.each(ENVELOPE_FORMATS)('algorithm checks of $name envelopes', (format) => {
  const ids: Record<string, string | number> =
    format.name === 'JWS'
      ? { PS256: 'PS256', ES384: 'ES384', RS256: 'RS256', none: 'none', HS256: 'HS256' }
      : { PS256: -37, ES384: -35, RS256: -257, none: 0, HS256: 5 };

  describe('when alg differs from what the leaf key requires', () => {
    it('C-22 throws SIGNATURE_INVALID for PS256 from an RSA-3072 key', async () => {
      const chain = await makeChain({ key: 'rsa-3072', levels: 1 });
      const bytes = format.sign({ chain: chain.certs, alg: ids['PS256']!, signAs: 'PS256' });
      expect(() => parseEnvelope(format.mediaType, bytes)).toThrow(
        integrityError('SIGNATURE_INVALID'),
      );
    });

    it('C-22 throws SIGNATURE_INVALID for ES384 from a P-256 key', async () => {
      const chain = await makeChain({ key: 'ec-p256', levels: 1 });
      const bytes = format.sign({ chain: chain.certs, alg: ids['ES384']!, signAs: 'ES384' });
      expect(() => parseEnvelope(format.mediaType, bytes)).toThrow(
        integrityError('SIGNATURE_INVALID'),
      );
    });
  });

  describe('when alg is not allowed at all', () => {
    it.each(['RS256', 'none', 'HS256'])(
      'C-21 throws ALGORITHM_UNSUPPORTED for %s',
      async (name) => {
        const chain = await makeChain({ key: 'rsa-2048', levels: 1 });
        const bytes = format.sign({ chain: chain.certs, alg: ids[name]!, signAs: 'RS256' });
        expect(() => parseEnvelope(format.mediaType, bytes)).toThrow(
          integrityError('ALGORITHM_UNSUPPORTED'),
        );
      },
    );
  });
});
