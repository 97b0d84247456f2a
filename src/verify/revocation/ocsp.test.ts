import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { issue, makeChain, type Chain, type Issued } from '../../../test/support/certs.js';
import {
  craftOcspResponse,
  routeFetcher,
  type Route,
} from '../../../test/support/revocation-pki.js';
import * as x509 from '../x509/peculiar.js';
import { checkRevocation, type RevocationOptions } from './check.js';
import { ocspHttpRequest } from './ocsp-request.js';

const OCSP = 'http://ocsp.test/ca';
const DAY = 24 * 3600_000;
const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

let chain: Chain;

beforeAll(async () => {
  chain = await makeChain({ levels: 2, leaf: { ocspUrl: OCSP } });
});

async function statusOf(routes: Record<string, Route>, options: Partial<RevocationOptions> = {}) {
  const fetcher = routeFetcher(routes);
  const result = await checkRevocation([chain.leaf.cert, chain.root.cert], {
    fetcher,
    now: new Date(),
    ...options,
  });
  return { ...result.certificates[0]!, fetcher, result };
}

function responder(issuer: Issued, eku: string[]): Promise<Issued> {
  return issue(
    {
      profile: 'none',
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        ...(eku.length > 0 ? [new x509.ExtendedKeyUsageExtension(eku, false)] : []),
      ],
    },
    issuer,
  );
}

describe('OCSP checking', () => {
  describe('when the issuer answers', () => {
    it('C-72 returns ok for good, with the response nextUpdate', async () => {
      const nextUpdate = new Date(Math.floor((Date.now() + DAY) / 1000) * 1000);
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'good',
        nextUpdate,
      });
      const { status, method, result } = await statusOf({ [OCSP]: body });
      expect([status, method]).toEqual(['ok', 'ocsp']);
      expect(result.nextUpdate).toEqual(nextUpdate);
    });

    it('sends a GET with a SHA-1 CertID for the leaf', async () => {
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'good',
      });
      const { fetcher } = await statusOf({ [OCSP]: body });
      const request = fetcher.requests[0]!;
      expect(request).toMatchObject({ method: 'GET', timeoutMs: 2000 });
      const encoded = request.url.slice(`${OCSP}/`.length);
      const der = Buffer.from(decodeURIComponent(encoded), 'base64');
      const parsed = pkijs.OCSPRequest.fromBER(der);
      const certId = parsed.tbsRequest.requestList[0]!.reqCert;
      expect(certId.hashAlgorithm.algorithmId).toBe('1.3.14.3.2.26');
      expect(certId.serialNumber.toBigInt()).toBe(BigInt(`0x${chain.leaf.cert.serialNumber}`));
    });

    it('C-72 returns revoked for revoked', async () => {
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'revoked',
      });
      const { status, detail } = await statusOf({ [OCSP]: body });
      expect(status).toBe('revoked');
      expect(detail).toMatch(/revoked according to OCSP responder http:\/\/ocsp\.test\/ca/);
    });

    it('C-72 returns unknown for unknown when there is no CRL to fall back to', async () => {
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'unknown',
      });
      const { status, detail } = await statusOf({ [OCSP]: body });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/does not know it/);
    });
  });

  describe('when the signing authority signed before the invalidity date', () => {
    const signedAt = new Date(Date.now() - 10 * DAY);

    it('C-74 returns ok when the invalidity date is after authenticSigningTime', async () => {
      const invalidityDate = new Date(signedAt.getTime() + DAY);
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'revoked',
        invalidityDate,
      });
      expect((await statusOf({ [OCSP]: body }, { authenticSigningTime: signedAt })).status).toBe(
        'ok',
      );
    });

    it('C-74 returns revoked when the invalidity date is before authenticSigningTime', async () => {
      const invalidityDate = new Date(signedAt.getTime() - DAY);
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'revoked',
        invalidityDate,
      });
      expect((await statusOf({ [OCSP]: body }, { authenticSigningTime: signedAt })).status).toBe(
        'revoked',
      );
    });

    it('C-74 returns revoked without authenticSigningTime', async () => {
      const invalidityDate = new Date(signedAt.getTime() + DAY);
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'revoked',
        invalidityDate,
      });
      expect((await statusOf({ [OCSP]: body })).status).toBe('revoked');
    });
  });

  describe('when a delegated responder answers', () => {
    it('returns ok for a responder the issuer certified for OCSP signing', async () => {
      const signer = await responder(chain.root, [OCSP_SIGNING]);
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        signer,
        certs: [signer],
        status: 'good',
      });
      expect((await statusOf({ [OCSP]: body })).status).toBe('ok');
    });

    it('returns unknown for a responder without id-kp-OCSPSigning', async () => {
      const signer = await responder(chain.root, ['1.3.6.1.5.5.7.3.3']);
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        signer,
        certs: [signer],
        status: 'revoked',
      });
      const { status, detail } = await statusOf({ [OCSP]: body });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/not signed by the certificate's issuer or a responder it authorised/);
    });

    it('returns unknown for a responder certified by another CA', async () => {
      const otherCa = await issue({ profile: 'root', subject: 'CN=Other CA' });
      const signer = await responder(otherCa, [OCSP_SIGNING]);
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        signer,
        certs: [signer, otherCa],
        status: 'good',
      });
      expect((await statusOf({ [OCSP]: body })).status).toBe('unknown');
    });
  });

  describe('when the response cannot be used', () => {
    it('C-72 returns unknown for a response past its nextUpdate', async () => {
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'good',
        thisUpdate: new Date(Date.now() - 2 * DAY),
        nextUpdate: new Date(Date.now() - DAY),
      });
      const { status, detail } = await statusOf({ [OCSP]: body });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/the OCSP response expired at/);
    });

    it('returns unknown for a response without nextUpdate', async () => {
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        status: 'good',
        nextUpdate: null,
      });
      const { status, detail } = await statusOf({ [OCSP]: body });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/no nextUpdate/);
    });

    it('returns unknown for a response signed by another key', async () => {
      const other = await issue({ profile: 'root', subject: chain.root.cert.subject });
      const body = await craftOcspResponse({
        cert: chain.leaf,
        issuer: chain.root,
        signer: other,
        status: 'good',
      });
      expect((await statusOf({ [OCSP]: body })).status).toBe('unknown');
    });

    it('returns unknown for a response about another certificate', async () => {
      const sibling = await issue({}, chain.root);
      const body = await craftOcspResponse({ cert: sibling, issuer: chain.root, status: 'good' });
      const { status, detail } = await statusOf({ [OCSP]: body });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/does not cover the certificate/);
    });

    it('returns unknown for a refusal (tryLater)', async () => {
      const { status, detail } = await statusOf({
        [OCSP]: new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x03]),
      });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/refused \(status 3\)/);
    });

    it('returns unknown for garbage', async () => {
      const { status, detail } = await statusOf({ [OCSP]: new Uint8Array([1, 2, 3]) });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/OCSP response is malformed/);
    });

    it('C-72 returns unknown when the responder is unreachable and there is no CDP', async () => {
      const { status, detail } = await statusOf({
        [OCSP]: () => {
          throw new Error('connect ECONNREFUSED');
        },
      });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/ECONNREFUSED/);
    });

    it('returns unknown for an https responder without fetching', async () => {
      const leaf = await issue({ ocspUrl: 'https://ocsp.test/ca' }, chain.root);
      const fetcher = routeFetcher({});
      const result = await checkRevocation([leaf.cert, chain.root.cert], {
        fetcher,
        now: new Date(),
      });
      expect(result.certificates[0]!.detail).toMatch(/only http is supported/);
      expect(fetcher.requests).toHaveLength(0);
    });
  });

  describe('when the certificate names two responders', () => {
    it('returns the answer of the second when the first fails', async () => {
      const leaf = await issue(
        {
          extensions: [
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.AuthorityInfoAccessExtension({ ocsp: ['http://down.test/ocsp', OCSP] }),
          ],
        },
        chain.root,
      );
      const body = await craftOcspResponse({ cert: leaf, issuer: chain.root, status: 'revoked' });
      const fetcher = routeFetcher({ [OCSP]: body });
      const result = await checkRevocation([leaf.cert, chain.root.cert], {
        fetcher,
        now: new Date(),
      });
      expect(result.status).toBe('revoked');
      expect(fetcher.requests).toHaveLength(2);
    });
  });
});

describe('ocspHttpRequest', () => {
  describe('when the escaped request is 255 characters or longer', () => {
    it('returns a POST of application/ocsp-request', () => {
      const der = new Uint8Array(200);
      expect(ocspHttpRequest(OCSP, der, 2000)).toEqual({
        url: OCSP,
        method: 'POST',
        body: der,
        contentType: 'application/ocsp-request',
        timeoutMs: 2000,
      });
    });
  });

  describe('when the escaped request is short', () => {
    it('returns a GET with the URL-escaped base64 as the last path segment', () => {
      const der = new Uint8Array([0xfb, 0xff, 0xfe]); // base64 "+//+"
      expect(ocspHttpRequest(`${OCSP}/`, der, 2000)).toEqual({
        url: `${OCSP}/%2B%2F%2F%2B`,
        method: 'GET',
        timeoutMs: 2000,
      });
    });
  });
});
