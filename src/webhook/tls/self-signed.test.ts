import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as x509 from '../../verify/x509/peculiar.js';
import { generateSelfSigned } from './self-signed.js';
import { TlsError } from './serving-tls.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
const SVC = 'notary-admission.notary-admission.svc';
let dir: string;

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'self-signed-')), 'tls');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

const load = async (path: string) => new X509Certificate(await readFile(path));
const peculiar = async (path: string) => new x509.X509Certificate(await readFile(path, 'utf8'));
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

describe('generateSelfSigned', () => {
  describe('when the directory is empty', () => {
    it('writes a P-256 CA and a serving leaf it signed, the key with mode 0600', async () => {
      const out = await generateSelfSigned({ dir, dnsNames: [SVC, '127.0.0.1', '::1'], now: NOW });
      expect(out).toEqual({
        caPath: join(dir, 'ca.crt'),
        certPath: join(dir, 'tls.crt'),
        keyPath: join(dir, 'tls.key'),
        reused: false,
      });
      const [ca, leaf] = [await load(out.caPath), await load(out.certPath)];
      expect(ca.ca).toBe(true);
      expect(leaf.ca).toBe(false);
      expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.checkPrivateKey(createPrivateKey(await readFile(out.keyPath)))).toBe(true);
      expect(leaf.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
      expect(leaf.subject).toBe(`CN=${SVC}`);
      expect(leaf.subjectAltName).toBe(
        `DNS:${SVC}, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1`,
      );
      expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // Node's name for the EKU list
      expect(((await stat(out.keyPath)).mode & 0o777).toString(8)).toBe('600');
    });

    it('writes CA:true with keyCertSign and a leaf valid for one year', async () => {
      const out = await generateSelfSigned({ dir, dnsNames: ['localhost'], now: NOW });
      const ca = await peculiar(out.caPath);
      const bc = ca.getExtension(x509.BasicConstraintsExtension)!;
      expect([bc.ca, bc.pathLength, bc.critical]).toEqual([true, 0, true]);
      const ku = ca.getExtension(x509.KeyUsagesExtension)!;
      expect(ku.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
      const leaf = await peculiar(out.certPath);
      expect(leaf.getExtension(x509.KeyUsagesExtension)!.usages).toBe(
        x509.KeyUsageFlags.digitalSignature,
      );
      expect(leaf.notBefore).toEqual(new Date(NOW.getTime() - 3_600_000));
      expect(leaf.notAfter).toEqual(at(365));
      expect(ca.notAfter).toEqual(at(365));
    });
  });

  describe('when the files are still good for the names', () => {
    it('reuses them, also for a subset of the names', async () => {
      const first = await generateSelfSigned({ dir, dnsNames: [SVC, 'localhost'], now: NOW });
      const ca = (await load(first.caPath)).fingerprint256;
      const again = await generateSelfSigned({ dir, dnsNames: ['LOCALHOST'], now: at(334) });
      expect(again.reused).toBe(true);
      expect((await load(again.caPath)).fingerprint256).toBe(ca);
    });
  });

  describe('when the leaf is within 30 days of expiry', () => {
    it('writes a new CA and leaf', async () => {
      const first = await generateSelfSigned({ dir, dnsNames: ['localhost'], now: NOW });
      const ca = (await load(first.caPath)).fingerprint256;
      const again = await generateSelfSigned({ dir, dnsNames: ['localhost'], now: at(336) });
      expect(again.reused).toBe(false);
      expect((await load(again.caPath)).fingerprint256).not.toBe(ca);
      expect(Date.parse((await load(again.certPath)).validTo)).toBe(at(336 + 365).getTime());
    });
  });

  describe('when a name is not covered', () => {
    it('writes a new pair that covers it', async () => {
      await generateSelfSigned({ dir, dnsNames: ['localhost'], now: NOW });
      const again = await generateSelfSigned({ dir, dnsNames: ['localhost', SVC], now: NOW });
      expect(again.reused).toBe(false);
      expect((await load(again.certPath)).subjectAltName).toBe(`DNS:localhost, DNS:${SVC}`);
    });
  });

  describe('when the key on disk is damaged', () => {
    it('writes a new pair', async () => {
      const first = await generateSelfSigned({ dir, dnsNames: ['localhost'], now: NOW });
      await writeFile(first.keyPath, 'garbage');
      const again = await generateSelfSigned({ dir, dnsNames: ['localhost'], now: NOW });
      expect(again.reused).toBe(false);
      const leaf = await load(again.certPath);
      expect(leaf.checkPrivateKey(createPrivateKey(await readFile(again.keyPath)))).toBe(true);
    });
  });

  describe('when a name is neither a DNS name nor an IP address', () => {
    it.each([['bad name'], ['-x.svc'], ['a..b'], ['x,O=evil']])(
      'throws TLS_NAME_INVALID for %j',
      async (name) => {
        const err: unknown = await generateSelfSigned({ dir, dnsNames: [name] }).catch(
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(TlsError);
        expect((err as TlsError).code).toBe('TLS_NAME_INVALID');
        expect((err as TlsError).message).toBe(`"${name}" is neither a DNS name nor an IP address`);
      },
    );
  });

  describe('when no name is given', () => {
    it('throws TLS_NAME_INVALID', async () => {
      await expect(generateSelfSigned({ dir, dnsNames: [] })).rejects.toMatchObject({
        code: 'TLS_NAME_INVALID',
        message: 'no DNS name for the certificate',
      });
    });
  });
});
