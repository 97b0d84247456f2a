import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { vectorText } from '../../../test/support/vectors.js';
import { compileTrustStore, type StoreSources } from './trust-store-object.js';
import type { TrustStoreObject, TrustStoreSpec } from './types.js';

const E2E_PEM = vectorText('certs/notation-e2e/localkeys/e2e.crt');
const NEW_E2E_PEM = vectorText('certs/notation-e2e/localkeys/new_e2e.crt');
const EXPIRED_PEM = vectorText('certs/notation-e2e/localkeys/expired_e2e.crt');
const E2E_KEY = vectorText('certs/notation-e2e/localkeys/e2e.key');
const LEAF = 'truststores/notation-go/truststore/x509/ca/trust-store-with-leaf-certs/non-ca.crt';
const WABBIT = 'truststores/notation-go/truststore/x509/tsa/test-nonCA/wabbit-networks.io.crt';
const NOW = new Date('2026-11-22T00:00:00Z');

const derOf = (pem: string): Uint8Array =>
  new Uint8Array(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
const fingerprint = (pem: string) => createHash('sha256').update(derOf(pem)).digest('hex');

const E2E_STATUS = {
  subject: 'C=US, ST=WA, L=Seattle, O=Notary, CN=e2e',
  sha256Fingerprint: 'e38aea13f2b051f7183cca64a51ee676f4d4456f41d9fecf15eb367efc7343b9',
  notAfter: '2122-12-19T02:43:39.000Z',
};

const store = (spec: Partial<TrustStoreSpec> | Record<string, unknown>, name = 'e2e') =>
  ({
    apiVersion: 'notary-admission.dev/v1alpha1',
    kind: 'TrustStore',
    metadata: { name, generation: 7 },
    spec: { type: 'ca', ...spec },
  }) as TrustStoreObject;

const sources = (over: Partial<StoreSources> = {}): StoreSources => ({
  secrets: new Map([
    ['bundle', { 'ca.crt': derOf(NEW_E2E_PEM), 'both.pem': Buffer.from(E2E_PEM + NEW_E2E_PEM) }],
  ]),
  configMaps: new Map([['roots', { 'e2e.pem': E2E_PEM }]]),
  trustNamespace: 'notary-admission',
  now: NOW,
  ...over,
});

describe('compileTrustStore', () => {
  describe('when the certificates are inline PEM', () => {
    it('returns a Ready store with each certificate in status', () => {
      const { verdict, store: compiled } = compileTrustStore(
        store({ certificates: [E2E_PEM] }),
        sources(),
      );
      expect(verdict).toEqual({
        ready: true,
        reason: 'Valid',
        message: '1 certificate',
        observedGeneration: 7,
        certificates: [E2E_STATUS],
      });
      expect(compiled?.type).toBe('ca');
      expect(compiled?.name).toBe('e2e');
      expect(compiled?.certificates.map((c) => c.subject)).toEqual([E2E_STATUS.subject]);
    });
  });

  describe('when the certificates come from a Secret (DER, PEM bundle) and a ConfigMap', () => {
    it('returns every certificate of every source, in order', () => {
      const spec = {
        certificatesFrom: [
          { secretKeyRef: { name: 'bundle', key: 'ca.crt' } },
          { configMapKeyRef: { name: 'roots', key: 'e2e.pem' } },
          { secretKeyRef: { name: 'bundle', key: 'both.pem' } },
        ],
      };
      const { verdict } = compileTrustStore(store(spec), sources());
      expect(verdict.ready).toBe(true);
      expect(verdict.message).toBe('4 certificates');
      expect(verdict.certificates.map((c) => c.sha256Fingerprint)).toEqual([
        fingerprint(NEW_E2E_PEM),
        fingerprint(E2E_PEM),
        fingerprint(E2E_PEM),
        fingerprint(NEW_E2E_PEM),
      ]);
    });
  });

  describe('when a referenced Secret, ConfigMap or key does not exist', () => {
    it('returns SourceNotFound naming each missing source in the trust namespace', () => {
      const spec = {
        certificates: [E2E_PEM],
        certificatesFrom: [
          { secretKeyRef: { name: 'absent', key: 'ca.crt' } },
          { configMapKeyRef: { name: 'roots', key: 'other.pem' } },
          { secretKeyRef: { name: 'bundle', key: 'ca.crt' } },
        ],
      };
      const { verdict, store: compiled } = compileTrustStore(store(spec), sources());
      expect(compiled).toBeUndefined();
      expect(verdict).toEqual({
        ready: false,
        reason: 'SourceNotFound',
        message:
          'spec.certificatesFrom[0]: Secret "notary-admission/absent" not found; spec.certificatesFrom[1]: ConfigMap "notary-admission/roots" has no key "other.pem"',
        observedGeneration: 7,
        certificates: [],
      });
    });

    it('returns SourceNotFound for a key inherited from Object.prototype', () => {
      const spec = {
        certificatesFrom: [{ configMapKeyRef: { name: 'roots', key: 'constructor' } }],
      };
      expect(compileTrustStore(store(spec), sources()).verdict.reason).toBe('SourceNotFound');
    });
  });

  describe('when a certificate is not acceptable', () => {
    it('returns CertificateInvalid for a leaf that is neither a CA nor self-signed', () => {
      const spec = { certificates: [E2E_PEM, vectorText(LEAF)] };
      const { verdict } = compileTrustStore(store(spec), sources());
      expect(verdict.reason).toBe('CertificateInvalid');
      expect(verdict.message).toMatch(
        /^spec\.certificates\[1\]: certificate ".*" is neither a CA certificate nor self-signed$/,
      );
    });

    it('returns CertificateInvalid for a tsa store with a self-signed non-CA certificate', () => {
      const { verdict } = compileTrustStore(
        store({ type: 'tsa', certificates: [vectorText(WABBIT)] }),
        sources(),
      );
      expect(verdict.reason).toBe('CertificateInvalid');
      expect(verdict.message).toContain('which a tsa store requires');
    });

    it('returns CertificateInvalid for garbage bytes in a Secret', () => {
      const secrets = new Map([['bundle', { 'ca.crt': new Uint8Array([1, 2, 3]) }]]);
      const spec = { certificatesFrom: [{ secretKeyRef: { name: 'bundle', key: 'ca.crt' } }] };
      const { verdict } = compileTrustStore(store(spec), sources({ secrets }));
      expect(verdict).toMatchObject({
        ready: false,
        reason: 'CertificateInvalid',
        message:
          'spec.certificatesFrom[0] (Secret "notary-admission/bundle" key "ca.crt"): is neither PEM nor DER certificates',
      });
    });

    it('returns CertificateInvalid for a private key without quoting it', () => {
      const { verdict } = compileTrustStore(store({ certificates: [E2E_KEY] }), sources());
      expect(verdict.reason).toBe('CertificateInvalid');
      expect(verdict.message).toBe('spec.certificates[0]: has a PEM block "PRIVATE KEY"');
    });
  });

  describe('when a certificate has expired', () => {
    it('returns Ready with the expired certificate named in the message', () => {
      const { verdict } = compileTrustStore(
        store({ certificates: [EXPIRED_PEM, E2E_PEM] }),
        sources(),
      );
      expect(verdict.ready).toBe(true);
      expect(verdict.message).toBe(
        '2 certificates; expired, so no signature can chain to them now: "O=Internet Widgits Pty Ltd, ST=Some-State, C=AU" (notAfter 2023-06-27T06:10:00.000Z)',
      );
    });
  });

  describe('when the spec is invalid (a schema the API server did not enforce)', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'an unknown type',
        { type: 'root', certificates: [E2E_PEM] },
        'spec.type: "root" is not one of ca, signingAuthority, tsa',
      ],
      [
        'no source',
        { certificates: [], certificatesFrom: [] },
        'spec: at least one of certificates or certificatesFrom is required',
      ],
      [
        'a non-string certificate',
        { certificates: [42] },
        'spec.certificates[0]: must be a PEM string',
      ],
      [
        'both references in one item',
        {
          certificatesFrom: [
            { secretKeyRef: { name: 'a', key: 'b' }, configMapKeyRef: { name: 'a', key: 'b' } },
          ],
        },
        'spec.certificatesFrom[0]: needs exactly one of secretKeyRef or configMapKeyRef, each with name and key',
      ],
      [
        'a reference without key',
        { certificatesFrom: [{ secretKeyRef: { name: 'a' } }] },
        'spec.certificatesFrom[0]: needs exactly one of secretKeyRef or configMapKeyRef, each with name and key',
      ],
    ];
    it.each(cases)('returns InvalidSpec for %s', (_, spec, message) => {
      expect(compileTrustStore(store(spec), sources()).verdict).toEqual({
        ready: false,
        reason: 'InvalidSpec',
        message,
        observedGeneration: 7,
        certificates: [],
      });
    });
  });
});
