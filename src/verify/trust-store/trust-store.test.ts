import { describe, expect, it } from 'vitest';
import { issue } from '../../../test/support/certs.js';
import { vector, vectorText } from '../../../test/support/vectors.js';
import type { TrustStoreType } from '../types.js';
import * as x509 from '../x509/peculiar.js';
import { createTrustStore } from './trust-store.js';

const STORES = 'truststores/notation-go/truststore/x509';
const TIMESTAMP = 'certs/notation-e2e/timestamp';

function expectInvalid(options: Parameters<typeof createTrustStore>[0], reason: string): void {
  let error: unknown;
  try {
    createTrustStore(options);
  } catch (err) {
    error = err;
  }
  expect(error).toMatchObject({
    name: 'PolicyError',
    code: 'TRUST_STORE_INVALID',
    path: `${options.type}:${options.name}`,
    message: expect.stringContaining(reason) as string,
  });
}

describe('createTrustStore', () => {
  describe('when given valid notation-go stores', () => {
    it('returns ca:valid-trust-store with PEM text and DER bytes (6 certificates)', () => {
      const dir = `${STORES}/ca/valid-trust-store`;
      const files = [
        'GlobalSign.der',
        'GlobalSignRootCA.crt',
        'NotationTestRoot.pem',
        'TestTimestamp.crt',
        'TestTimestampNotYetValid.crt',
        'wabbit-networks.io.crt',
      ];
      const store = createTrustStore({
        type: 'ca',
        name: 'valid-trust-store',
        certificates: files.map((f) =>
          f.endsWith('.der') ? vector(`${dir}/${f}`) : vectorText(`${dir}/${f}`),
        ),
      });
      expect(store.type).toBe('ca');
      expect(store.name).toBe('valid-trust-store');
      expect(store.certificates).toHaveLength(6);
    });

    it('returns several certificates per multi-PEM and multi-DER file', () => {
      const store = createTrustStore({
        type: 'signingAuthority',
        name: 'multi',
        certificates: [
          vector('certs/notation-core-go-x509/multi-pem.crt'),
          vector('certs/notation-core-go-x509/multi-der.der'),
        ],
      });
      expect(store.certificates).toHaveLength(4);
    });

    it('returns a ca store holding a self-signed leaf (ca/valid-trust-store-self-signed)', () => {
      const pem = vectorText(
        `${STORES}/ca/valid-trust-store-self-signed/openssl-minimum-self-signed.pem`,
      );
      expect(
        createTrustStore({ type: 'ca', name: 's', certificates: [pem] }).certificates,
      ).toHaveLength(1);
    });

    it('returns a ca store pinning an intermediate CA (not self-signed, cA=true)', async () => {
      const root = await issue({ profile: 'root' });
      const mid = await issue({ profile: 'intermediate' }, root);
      expect(
        createTrustStore({ type: 'ca', name: 'pin', certificates: [mid.der] }).certificates[0]
          ?.subject,
      ).toBe(mid.cert.subject);
    });

    it.each([
      `${STORES}/tsa/test-timestamp/globalsignRoot.cer`,
      `${TIMESTAMP}/globalsignTSARoot.cer`,
      `${TIMESTAMP}/DigiCertTSARootSHA384.cer`,
    ])('returns a tsa store of the root %s', (path) => {
      expect(
        createTrustStore({ type: 'tsa', name: 'tsa', certificates: [vector(path)] }).certificates,
      ).toHaveLength(1);
    });

    it('accepts text around PEM blocks', () => {
      const pem = `subject=whatever\n${vectorText('certs/notation-core-go-x509/pem.crt')}\ntrailing\n`;
      expect(
        createTrustStore({ type: 'ca', name: 'c', certificates: [pem] }).certificates,
      ).toHaveLength(1);
    });
  });

  describe('when a certificate is neither a CA nor self-signed', () => {
    it('C-54 throws TRUST_STORE_INVALID for ca/trust-store-with-leaf-certs', () => {
      expectInvalid(
        {
          type: 'ca',
          name: 'trust-store-with-leaf-certs',
          certificates: [
            vector(`${STORES}/ca/trust-store-with-leaf-certs/GlobalSignRootCA.crt`),
            vector(`${STORES}/ca/trust-store-with-leaf-certs/non-ca.crt`),
          ],
          sources: ['GlobalSignRootCA.crt', 'non-ca.crt'],
        },
        'non-ca.crt: certificate "C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io" is neither a CA certificate nor self-signed',
      );
    });

    it('C-54 throws for a root and a leaf in one file', () => {
      const file = `${STORES}/ca/trust-store-with-leaf-certs-in-single-file/RootAndLeafCerts.crt`;
      expectInvalid(
        { type: 'signingAuthority', name: 'x', certificates: [vector(file)] },
        'neither a CA',
      );
    });
  });

  describe('when an entry is not certificates', () => {
    it.each([
      [
        'garbage bytes (trust-store-with-invalid-certs)',
        vector(`${STORES}/ca/trust-store-with-invalid-certs/invalid`),
        'entry 1: is neither PEM nor DER',
      ],
      ['an empty file', new Uint8Array(), 'entry 1: holds no certificate'],
      ['a text without PEM', 'hello', 'entry 1: is not PEM'],
      ['an empty PEM block', vector(`${TIMESTAMP}/invalid.crt`), 'not one certificate'],
      ['a private key PEM block', vector('certs/notation-e2e/localkeys/e2e.key'), 'PEM block "'],
      [
        'a truncated DER certificate',
        vector(`${STORES}/ca/valid-trust-store/GlobalSign.der`).subarray(0, 200),
        'truncated',
      ],
      [
        'DER with trailing bytes',
        Buffer.concat([
          vector(`${STORES}/ca/valid-trust-store/GlobalSign.der`),
          Buffer.from([1, 2]),
        ]),
        'neither PEM nor DER',
      ],
      [
        'an indefinite-length BER sequence',
        new Uint8Array([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]),
        'neither PEM nor DER',
      ],
    ])('C-54 throws for %s', (_, data, reason) => {
      expectInvalid({ type: 'ca', name: 'bad', certificates: [data] }, reason);
    });

    it('throws when the valid certificates come with one bad entry', () => {
      const good = vector('certs/notation-core-go-x509/pem.crt');
      expectInvalid(
        { type: 'ca', name: 'mixed', certificates: [good, 'junk'] },
        'entry 2: is not PEM',
      );
    });
  });

  describe('when the store itself is malformed', () => {
    it('throws for no certificates at all', () => {
      expectInvalid({ type: 'ca', name: 'empty', certificates: [] }, 'holds no certificate');
    });

    it.each(['', 'a b', 'a/b', 'ca:x', 'é'])('throws for the store name "%s"', (name) => {
      const pem = vectorText('certs/notation-core-go-x509/pem.crt');
      expectInvalid({ type: 'ca', name, certificates: [pem] }, '[a-zA-Z0-9_.-]+');
    });

    it('throws for an unknown type', () => {
      const pem = vectorText('certs/notation-core-go-x509/pem.crt');
      expectInvalid(
        { type: 'x509' as TrustStoreType, name: 'n', certificates: [pem] },
        'unknown trust store type',
      );
    });
  });

  describe('when a tsa store holds something other than a self-signed root CA', () => {
    it.each([
      [`${STORES}/tsa/test-nonCA/wabbit-networks.io.crt`, 'not a root CA'],
      [`${STORES}/tsa/test-nonSelfIssued/nonSelfIssued.crt`, 'not a root CA'],
      [`${TIMESTAMP}/invalid.crt`, 'not one certificate'],
      [`${TIMESTAMP}/Empty.txt`, 'holds no certificate'],
      [`${TIMESTAMP}/CertChain.pem`, 'not a root CA'],
      [`${TIMESTAMP}/intermediate.pem`, 'not a root CA'],
      [`${TIMESTAMP}/notSelfIssued.crt`, 'not a root CA'],
    ])('C-65 throws TRUST_STORE_INVALID for %s', (path, reason) => {
      expectInvalid({ type: 'tsa', name: 'tsa', certificates: [vector(path)] }, reason);
    });

    it('accepts the self-signed non-CA test-nonCA certificate in a ca store', () => {
      const pem = vector(`${STORES}/tsa/test-nonCA/wabbit-networks.io.crt`);
      expect(
        createTrustStore({ type: 'ca', name: 'ok', certificates: [pem] }).certificates,
      ).toHaveLength(1);
    });

    it('throws for a root CA without keyCertSign', async () => {
      const root = await issue({
        extensions: [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.cRLSign, true),
        ],
      });
      expectInvalid({ type: 'tsa', name: 'tsa', certificates: [root.pem] }, 'not a root CA');
    });

    it('C-43 throws for a root CA self-signed with SHA-1', async () => {
      const root = await issue({ profile: 'root', hash: 'SHA-1' });
      expect((root.cert.signatureAlgorithm as { hash?: { name?: string } }).hash?.name).toBe(
        'SHA-1',
      );
      expectInvalid({ type: 'tsa', name: 'tsa', certificates: [root.pem] }, 'not a root CA');
    });
  });
});
