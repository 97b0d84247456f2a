import { describe, expect, it } from 'vitest';
import { makeChain } from '../../../test/support/certs.js';
import { craftCrl, craftOcspResponse, routeFetcher } from '../../../test/support/revocation-pki.js';
import { vector, vectorText } from '../../../test/support/vectors.js';
import * as x509 from '../x509/peculiar.js';
import { RevocationCache } from './cache.js';
import { checkRevocation } from './check.js';
import type { RevocationFetcher } from './fetcher.js';

const CRL_DIR = 'certs/notation-e2e/crl';
const NOW = new Date('2026-11-22T00:00:00Z');
const LEAF_CRL = 'http://localhost:10086/leaf.crl';
const INTERMEDIATE_CRL = 'http://localhost:10086/intermediate.crl';
const INTERMEDIATE_OCSP = 'http://localhost.test/ocsp';

function pemChain(pem: string): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new x509.X509Certificate(block));
}

const crlChain = pemChain(vectorText(`${CRL_DIR}/certchain_with_crl.pem`));

/** Serves the vector CRLs as notation's CRL scenario does; the OCSP host does not resolve. */
function crlScenario(leafCrl: string, intermediateCrl: string) {
  return routeFetcher({
    [LEAF_CRL]: vector(`${CRL_DIR}/${leafCrl}`),
    [INTERMEDIATE_CRL]: vector(`${CRL_DIR}/${intermediateCrl}`),
    [INTERMEDIATE_OCSP]: () => {
      throw new Error('getaddrinfo ENOTFOUND localhost.test');
    },
  });
}

describe('checkRevocation', () => {
  describe('when the CRL vectors revoke nothing', () => {
    it('C-68 returns ok after falling back from the failing OCSP responder to the CRL', async () => {
      const fetcher = crlScenario('leaf.crl', 'intermediate.crl');
      const result = await checkRevocation(crlChain, { fetcher, now: NOW });
      expect(result.status).toBe('ok');
      expect(result.certificates.map((c) => [c.status, c.method])).toEqual([
        ['ok', 'crl'],
        ['ok', 'crl'],
        ['nonRevocable', undefined],
      ]);
      expect(result.nextUpdate).toEqual(new Date('2124-10-18T05:30:51Z'));
      const urls = fetcher.requests.map((r) => r.url);
      expect(urls.filter((u) => u.startsWith(INTERMEDIATE_OCSP))).toHaveLength(1);
      expect(urls).toContain(LEAF_CRL);
      expect(urls).toContain(INTERMEDIATE_CRL);
    });

    it('C-73 never asks about the root', async () => {
      const fetcher = crlScenario('leaf.crl', 'intermediate.crl');
      await checkRevocation(crlChain, { fetcher, now: NOW });
      expect(fetcher.requests).toHaveLength(3); // leaf CRL, intermediate OCSP + CRL
    });
  });

  describe('when a certificate is on a CRL', () => {
    it('C-69 returns revoked for the revoked leaf', async () => {
      const fetcher = crlScenario('leaf_revoked.crl', 'intermediate.crl');
      const result = await checkRevocation(crlChain, { fetcher, now: NOW });
      expect(result.status).toBe('revoked');
      expect(result.certificates[0]).toMatchObject({ status: 'revoked', method: 'crl' });
      expect(result.certificates[1]!.status).toBe('ok');
    });

    it('C-70 returns revoked for the revoked intermediate', async () => {
      const fetcher = crlScenario('leaf.crl', 'intermediate_revoked.crl');
      const result = await checkRevocation(crlChain, { fetcher, now: NOW });
      expect(result.status).toBe('revoked');
      expect(result.certificates[1]).toMatchObject({
        subject: crlChain[1]!.subject,
        status: 'revoked',
        method: 'crl',
      });
    });
  });

  describe('when the revocation status cannot be determined', () => {
    it('C-71 returns unknown for an expired CRL', async () => {
      const fetcher = crlScenario('leaf_expired.crl', 'intermediate.crl');
      const result = await checkRevocation(crlChain, { fetcher, now: NOW });
      expect(result.status).toBe('unknown');
      // The vector is also signed by another key than the chain's intermediate (its AKI
      // differs), so the signature check rejects it first; crl.test.ts covers expiry alone.
      expect(result.certificates[0]!.detail).toMatch(/CRL signature does not verify/);
    });

    it('C-71 returns unknown when the CRL server is down', async () => {
      const fetcher = routeFetcher({});
      const result = await checkRevocation(crlChain, { fetcher, now: NOW });
      expect(result.status).toBe('unknown');
      expect(result.certificates[0]!.detail).toMatch(/HTTP 404/);
    });

    it('C-71 returns unknown within the timeout when the fetcher never answers', async () => {
      const fetcher: RevocationFetcher = () => new Promise(() => undefined);
      const started = performance.now();
      const result = await checkRevocation(crlChain, {
        fetcher,
        now: NOW,
        crlTimeoutMs: 50,
        ocspTimeoutMs: 50,
      });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(result.status).toBe('unknown');
      expect(result.certificates[0]!.detail).toMatch(/no answer from .* within 50 ms/);
    });

    it('C-71 returns unknown for a CRL larger than maxResponseBytes', async () => {
      const fetcher = crlScenario('leaf.crl', 'intermediate.crl');
      const result = await checkRevocation(crlChain, { fetcher, now: NOW, maxResponseBytes: 100 });
      expect(result.status).toBe('unknown');
      expect(result.certificates[0]!.detail).toMatch(/more than the limit of 100 bytes/);
    });

    it('returns unknown when the fetcher throws synchronously', async () => {
      const fetcher: RevocationFetcher = () => {
        throw new Error('boom');
      };
      const result = await checkRevocation(crlChain, { fetcher, now: NOW });
      expect(result.status).toBe('unknown');
      expect(result.certificates[0]!.detail).toMatch(/boom/);
    });

    it('returns unknown for an empty chain', async () => {
      const result = await checkRevocation([], { fetcher: routeFetcher({}), now: NOW });
      expect(result).toEqual({ status: 'unknown', certificates: [] });
    });
  });

  describe('when a certificate names no OCSP responder and no CRL', () => {
    it('C-73 returns ok for e2e.crt with no fetch at all', async () => {
      const e2e = new x509.X509Certificate(vectorText('certs/notation-e2e/localkeys/e2e.crt'));
      const fetcher = routeFetcher({});
      const result = await checkRevocation([e2e], { fetcher, now: NOW });
      expect(result).toEqual({
        status: 'ok',
        certificates: [{ subject: e2e.subject, status: 'nonRevocable' }],
      });
      expect(fetcher.requests).toHaveLength(0);
    });

    it('C-73 returns ok for a chain without pointers, without fetching', async () => {
      const chain = await makeChain({ levels: 3 });
      const fetcher = routeFetcher({});
      const result = await checkRevocation(
        chain.certs.map((c) => c.cert),
        { fetcher, now: new Date() },
      );
      expect(result.status).toBe('ok');
      expect(result.certificates.map((c) => c.status)).toEqual([
        'nonRevocable',
        'nonRevocable',
        'nonRevocable',
      ]);
      expect(fetcher.requests).toHaveLength(0);
    });
  });

  describe('when one certificate is revoked and another unknown', () => {
    it('returns revoked (revoked outranks unknown)', async () => {
      const fetcher = crlScenario('leaf_revoked.crl', 'intermediate.crl');
      const withoutIntermediateCrl = routeFetcher({
        [LEAF_CRL]: vector(`${CRL_DIR}/leaf_revoked.crl`),
      });
      const result = await checkRevocation(crlChain, { fetcher: withoutIntermediateCrl, now: NOW });
      expect(result.status).toBe('revoked');
      expect(result.certificates.map((c) => c.status)).toEqual([
        'revoked',
        'unknown',
        'nonRevocable',
      ]);
      expect(fetcher.requests).toHaveLength(0);
    });
  });

  describe('when OCSP answers', () => {
    it('uses OCSP and does not fetch the CRL', async () => {
      const now = new Date();
      const chain = await makeChain({
        levels: 2,
        leaf: { ocspUrl: 'http://ocsp.test/a', crlUrl: 'http://crl.test/a.crl' },
      });
      const good = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'good',
      });
      const fetcher = routeFetcher({ 'http://ocsp.test/a': good });
      const result = await checkRevocation([chain.leaf.cert, chain.root.cert], { fetcher, now });
      expect(result.status).toBe('ok');
      expect(result.certificates[0]).toMatchObject({ status: 'ok', method: 'ocsp' });
      expect(fetcher.requests.map((r) => r.url.startsWith('http://ocsp.test/a/'))).toEqual([true]);
    });

    it('falls back to the CRL when OCSP says unknown', async () => {
      const now = new Date();
      const chain = await makeChain({
        levels: 2,
        leaf: { ocspUrl: 'http://ocsp.test/a', crlUrl: 'http://crl.test/a.crl' },
      });
      const unknown = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'unknown',
      });
      const crl = await craftCrl({ issuer: chain.root, entries: [{ cert: chain.leaf }] });
      const fetcher = routeFetcher({ 'http://ocsp.test/a': unknown, 'http://crl.test/a.crl': crl });
      const result = await checkRevocation([chain.leaf.cert, chain.root.cert], { fetcher, now });
      expect(result.status).toBe('revoked');
      expect(result.certificates[0]).toMatchObject({ status: 'revoked', method: 'crl' });
    });
  });

  describe('when a cache is given', () => {
    it('answers the second check from the cache', async () => {
      const cache = new RevocationCache();
      const fetcher = crlScenario('leaf.crl', 'intermediate.crl');
      await checkRevocation(crlChain, { fetcher, now: NOW, cache });
      const first = fetcher.requests.length;
      const again = await checkRevocation(crlChain, { fetcher, now: NOW, cache });
      expect(again.status).toBe('ok');
      // Only the failing OCSP request is repeated; both CRLs come from the cache.
      expect(fetcher.requests.length - first).toBe(1);
    });

    it('does not serve a cached CRL past its nextUpdate', async () => {
      const cache = new RevocationCache({ maxAgeMs: 200 * 365 * 24 * 3600_000 });
      const fetcher = crlScenario('leaf.crl', 'intermediate.crl');
      await checkRevocation(crlChain, { fetcher, now: NOW, cache });
      const later = new Date('2124-10-19T00:00:00Z');
      const result = await checkRevocation(crlChain, { fetcher, now: later, cache });
      expect(result.status).toBe('unknown');
      expect(result.certificates[0]!.detail).toMatch(/CRL expired/);
    });
  });
});
