import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as x509 from '../../verify/x509/peculiar.js';
import { BACKDATE_MS, checkNames, issueCa, issueServing } from './authority.js';
import { TlsError } from './serving-tls.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const SVC = 'na.na-system.svc';

describe('issueCa', () => {
  describe('when asked for a CA valid 365 days', () => {
    it('returns a P-256 CA (pathlen 0, keyCertSign) backdated an hour, with its key', async () => {
      const ca = await issueCa({ now: NOW, validityMs: 365 * DAY });
      const cert = new X509Certificate(ca.cert);
      expect(cert.ca).toBe(true);
      expect(cert.checkPrivateKey(createPrivateKey(ca.key))).toBe(true);
      expect(cert.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
      expect(Date.parse(cert.validFrom)).toBe(NOW.getTime() - BACKDATE_MS);
      expect(Date.parse(cert.validTo)).toBe(NOW.getTime() + 365 * DAY);
      const peculiar = new x509.X509Certificate(ca.cert);
      const bc = peculiar.getExtension(x509.BasicConstraintsExtension)!;
      expect([bc.ca, bc.pathLength, bc.critical]).toEqual([true, 0, true]);
      expect(peculiar.getExtension(x509.KeyUsagesExtension)!.usages).toBe(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
      );
    });

    it('returns CAs with distinct subjects (two of them share a bundle during an overlap)', async () => {
      const [a, b] = await Promise.all([1, 2].map(() => issueCa({ now: NOW, validityMs: DAY })));
      expect(new X509Certificate(a!.cert).subject).not.toBe(new X509Certificate(b!.cert).subject);
    });
  });
});

describe('issueServing', () => {
  describe('when the CA outlives the requested notAfter', () => {
    it('returns a serverAuth leaf for every name, signed by the CA, with a fresh key', async () => {
      const ca = await issueCa({ now: NOW, validityMs: 365 * DAY });
      const notAfter = new Date(NOW.getTime() + 90 * DAY);
      const leaf = await issueServing({ ca, names: [SVC, '127.0.0.1'], now: NOW, notAfter });
      const cert = new X509Certificate(leaf.cert);
      const issuer = new X509Certificate(ca.cert);
      expect(cert.checkIssued(issuer) && cert.verify(issuer.publicKey)).toBe(true);
      expect(cert.checkPrivateKey(createPrivateKey(leaf.key))).toBe(true);
      expect(cert.ca).toBe(false);
      expect(cert.subject).toBe(`CN=${SVC}`);
      expect(cert.subjectAltName).toBe(`DNS:${SVC}, IP Address:127.0.0.1`);
      expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
      expect(Date.parse(cert.validTo)).toBe(notAfter.getTime());
    });
  });

  describe('when the requested notAfter is past the CA', () => {
    it('returns a leaf that ends with its CA', async () => {
      const ca = await issueCa({ now: NOW, validityMs: 10 * DAY });
      const notAfter = new Date(NOW.getTime() + 90 * DAY);
      const leaf = await issueServing({ ca, names: [SVC], now: NOW, notAfter });
      expect(new X509Certificate(leaf.cert).validTo).toBe(new X509Certificate(ca.cert).validTo);
    });
  });

  describe('when the CA key is not a key', () => {
    it('throws TLS_INVALID without quoting it', async () => {
      const ca = await issueCa({ now: NOW, validityMs: DAY });
      const bad = { cert: ca.cert, key: 'not a key' };
      const issuing = issueServing({ ca: bad, names: [SVC], now: NOW, notAfter: NOW });
      await expect(issuing).rejects.toThrow(TlsError);
      await expect(issuing).rejects.not.toThrow('not a key');
    });
  });
});

describe('checkNames', () => {
  describe('when given names in mixed case, twice', () => {
    it('returns them lower-cased and once', () => {
      expect(checkNames(['NA.svc', 'na.svc', '::1'])).toEqual(['na.svc', '::1']);
    });
  });

  describe('when a name is neither a DNS name nor an address', () => {
    it('throws TLS_NAME_INVALID', () => {
      expect(() => checkNames(['bad name'])).toThrow(TlsError);
      expect(() => checkNames(['bad name'])).toThrow(/neither a DNS name nor an IP address/);
      try {
        checkNames(['bad name']);
      } catch (err) {
        expect((err as TlsError).code).toBe('TLS_NAME_INVALID');
      }
    });
  });
});
