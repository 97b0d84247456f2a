// checkRevocation against real OCSP responses (openssl ocsp) and real CRLs (openssl ca -gencrl)
// served on 127.0.0.1 by the harness, through a node:http fetcher.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRevocation, type RevocationResult } from '../../src/verify/index.js';
import * as x509 from '../../src/verify/x509/peculiar.js';
import {
  makePki,
  serveCrl,
  startOcspResponder,
  type Certificate,
  type CrlServer,
  type OcspResponder,
  type Pki,
} from '../harness/index.js';
import { httpFetcher } from '../support/http-fetcher.js';

function chainOf(pki: Pki, cert: Certificate = pki.leaf): x509.X509Certificate[] {
  const pem = readFileSync(pki.chainFor(cert), 'utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new x509.X509Certificate(block));
}

function check(pki: Pki): Promise<RevocationResult> {
  return checkRevocation(chainOf(pki), { fetcher: httpFetcher, now: new Date() });
}

const statuses = (result: RevocationResult): string[] =>
  result.certificates.map((c) => `${c.status}${c.method ? `/${c.method}` : ''}`);

describe('checkRevocation with the harness PKI', () => {
  let ocsp: OcspResponder;
  let crl: CrlServer;
  beforeAll(async () => {
    [ocsp, crl] = await Promise.all([startOcspResponder(), serveCrl()]);
  });
  afterAll(async () => {
    await Promise.all([ocsp.stop(), crl.stop()]);
  });

  describe('when the certificates name an OCSP responder only', () => {
    let pki: Pki;
    beforeAll(async () => {
      pki = await makePki({ key: 'ec-p256', revocation: { ocsp } });
    });

    it('C-72 returns ok when the responder says good', async () => {
      const result = await check(pki);
      expect(result.status).toBe('ok');
      expect(statuses(result)).toEqual(['ok/ocsp', 'ok/ocsp', 'nonRevocable']);
      expect(result.nextUpdate!.getTime()).toBeGreaterThan(Date.now());
    });

    it('C-72 returns revoked once the leaf is revoked', async () => {
      const other = await makePki({ key: 'ec-p256', levels: 2, revocation: { ocsp } });
      await other.revoke(other.leaf);
      const result = await check(other);
      expect(result.status).toBe('revoked');
      expect(statuses(result)).toEqual(['revoked/ocsp', 'nonRevocable']);
    });

    it('C-72 returns unknown when the responder does not know the certificate', async () => {
      const other = await makePki({ key: 'ec-p256', levels: 2, revocation: { ocsp } });
      // Answer for the same CA from an empty database: openssl says "unknown", signed by the CA.
      const dir = mkdtempSync(path.join(tmpdir(), 'ocsp-empty-'));
      const indexPath = path.join(dir, 'index.txt');
      writeFileSync(indexPath, '');
      const aia = chainOf(other)[0]!.getExtension(x509.AuthorityInfoAccessExtension)!;
      const url = String(aia.ocsp[0]!.value);
      ocsp.register(url.split('/').pop()!, { ...other.root, indexPath });
      const result = await check(other);
      expect(result.status).toBe('unknown');
      expect(result.certificates[0]!.detail).toMatch(/does not know it/);
    });

    it('C-72 returns unknown when the responder is down and there is no CRL', async () => {
      ocsp.failing = true;
      try {
        const result = await check(pki);
        expect(result.status).toBe('unknown');
        expect(result.certificates[0]!.detail).toMatch(/answered HTTP 503/);
      } finally {
        ocsp.failing = false;
      }
    });
  });

  describe('when the certificates name a CRL only', () => {
    it('C-68 returns ok, then C-69 revoked once the leaf is revoked', async () => {
      const pki = await makePki({ key: 'ec-p256', revocation: { crl } });
      const good = await check(pki);
      expect(good.status).toBe('ok');
      expect(statuses(good)).toEqual(['ok/crl', 'ok/crl', 'nonRevocable']);
      await pki.revoke(pki.leaf);
      const revoked = await check(pki);
      expect(revoked.status).toBe('revoked');
      expect(statuses(revoked)).toEqual(['revoked/crl', 'ok/crl', 'nonRevocable']);
    });

    it('C-70 returns revoked when the intermediate is revoked', async () => {
      const pki = await makePki({ key: 'ec-p256', revocation: { crl } });
      await pki.revoke(pki.intermediate!);
      const result = await check(pki);
      expect(result.status).toBe('revoked');
      expect(statuses(result)).toEqual(['ok/crl', 'revoked/crl', 'nonRevocable']);
    });

    it('C-71 returns unknown when the CRL server is down', async () => {
      const pki = await makePki({ key: 'ec-p256', levels: 2, revocation: { crl } });
      crl.failing = true;
      try {
        const result = await check(pki);
        expect(result.status).toBe('unknown');
        expect(result.certificates[0]!.detail).toMatch(/answered HTTP 503/);
      } finally {
        crl.failing = false;
      }
    });
  });

  describe('when the certificates name both', () => {
    it('falls back to the CRL when the OCSP responder is down', async () => {
      const pki = await makePki({ key: 'ec-p256', levels: 2, revocation: { ocsp, crl } });
      await pki.revoke(pki.leaf, 'certificateHold');
      ocsp.failing = true;
      try {
        const result = await check(pki);
        expect(result.status).toBe('revoked');
        expect(statuses(result)).toEqual(['revoked/crl', 'nonRevocable']);
      } finally {
        ocsp.failing = false;
      }
    });

    it('uses OCSP without fetching the CRL when the responder answers', async () => {
      const pki = await makePki({ key: 'ec-p256', levels: 2, revocation: { ocsp, crl } });
      const before = crl.requests.length;
      const result = await check(pki);
      expect(statuses(result)).toEqual(['ok/ocsp', 'nonRevocable']);
      expect(crl.requests.length).toBe(before);
    });
  });

  describe('when the key is RSA (the harness default)', () => {
    it('returns ok for OCSP and CRL alike', async () => {
      const pki = await makePki({ levels: 2, revocation: { ocsp } });
      const viaCrl = await makePki({ levels: 2, revocation: { crl } });
      expect((await check(pki)).status).toBe('ok');
      expect((await check(viaCrl)).status).toBe('ok');
    });
  });
});
