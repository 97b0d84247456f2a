import { sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ecdsaKey,
  ed25519Key,
  rsaKey,
  rootCertKey,
  signWith,
  type SigningKey,
} from '../../../test/support/tuf-repo.js';
import { keyId, publicKeyOf, verifySignature, type TufKey } from './keys.js';

const asTuf = (k: SigningKey): TufKey => ({
  id: k.id,
  type: k.keytype,
  public: Buffer.from(k.public, 'base64'),
});
const message = Buffer.from('{"_type":"Timestamp"}');

function verifies(k: SigningKey, method = k.method, sig = signWith(k, message)): boolean {
  const key = asTuf(k);
  const object = publicKeyOf(key);
  return object !== undefined && verifySignature({ key, object }, method, sig, message);
}

describe('keyId', () => {
  describe('when given keys a real notary-server published', () => {
    it('returns the IDs Notary gave them', () => {
      const ed = Buffer.from('XB/9gD5Iu/tO+/tKbpW0TLK+VGjEiIsl6ast2c32QDE=', 'base64');
      expect(keyId('ed25519', ed)).toBe(
        'b9d9bf949077f372b0a2abb24cd90e09207b8621dc57b424b2e7c27165fdc1b8',
      );
      const ec = Buffer.from(
        'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEr5QW+h3BjigEoxJd1UaKAiGWCoLweJbmORAHJlXfWjokxM8GO14yqi1noV1Q7uDWjxmQGlq57CvdTz+eHb/q/w==',
        'base64',
      );
      expect(keyId('ecdsa', ec)).toBe(
        '3110f0c23d7fe7eb253d553d2096f02647a4e267a5580a2eaa16e617f17fdb44',
      );
    });
  });
});

describe('verifySignature', () => {
  describe('when the key type and method are ones Notary uses', () => {
    it.each([
      ['ecdsa P-256', () => ecdsaKey()],
      ['ecdsa P-384', () => ecdsaKey('P-384')],
      ['ed25519', () => ed25519Key()],
      ['rsa rsapss', () => rsaKey('rsapss')],
      ['rsa rsapkcs1v15', () => rsaKey('rsapkcs1v15')],
    ])('returns true for a %s signature', (_, make) => {
      expect(verifies(make())).toBe(true);
    });

    it('returns true for ecdsa-x509 and rsa-x509 root keys', async () => {
      expect(verifies(await rootCertKey('r.example/a'))).toBe(true);
      expect(verifies(await rootCertKey('r.example/a', { key: 'rsa-2048' }))).toBe(true);
    });

    it('returns true for a method in upper case (Notary lower-cases it)', () => {
      const k = ecdsaKey();
      expect(verifies(k, 'ECDSA')).toBe(true);
    });
  });

  describe('when the signature or key is not what Notary accepts', () => {
    it('returns false for a method of another key family', () => {
      expect(verifies(ecdsaKey(), 'eddsa')).toBe(false);
      expect(verifies(ed25519Key(), 'ecdsa')).toBe(false);
      expect(verifies(rsaKey(), 'ecdsa')).toBe(false);
    });

    it('returns false for an ECDSA signature in DER instead of raw r||s', () => {
      const k = ecdsaKey();
      expect(verifies(k, 'ecdsa', sign('sha256', message, k.privateKey))).toBe(false);
    });

    it('returns false for an RSA key under 2048 bits', () => {
      expect(verifies(rsaKey('rsapss', 1024))).toBe(false);
    });

    it('returns false for a signature over other bytes', () => {
      const k = ed25519Key();
      const key = asTuf(k);
      expect(
        verifySignature(
          { key, object: publicKeyOf(key)! },
          'eddsa',
          signWith(k, message),
          Buffer.from('{}'),
        ),
      ).toBe(false);
    });

    it('returns undefined as the key of an unknown type or a malformed key', () => {
      expect(publicKeyOf({ id: 'x', type: 'rsa-pss', public: Buffer.alloc(32) })).toBeUndefined();
      expect(publicKeyOf({ id: 'x', type: 'ed25519', public: Buffer.alloc(31) })).toBeUndefined();
      expect(
        publicKeyOf({ id: 'x', type: 'ecdsa-x509', public: Buffer.from('junk') }),
      ).toBeUndefined();
    });
  });
});
