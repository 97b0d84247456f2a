import { beforeAll, describe, expect, it } from 'vitest';
import { issue, makeChain, type Chain } from '../../../test/support/certs.js';
import {
  craftCrl,
  REASON,
  routeFetcher,
  type Route,
} from '../../../test/support/revocation-pki.js';
import { createCrlBundle, CrlBundleError, mergeCrlBundles, type CrlBundle } from './bundle.js';
import { checkRevocation } from './check.js';

const URL = 'http://crl.test/root.crl';
const DAY = 24 * 3600_000;

let chain: Chain;
/** Another CA with the same subject as chain.root: its CRLs name the same issuer. */
let lookAlike: Chain;

beforeAll(async () => {
  [chain, lookAlike] = await Promise.all([
    makeChain({ levels: 2, leaf: { crlUrl: URL } }),
    makeChain({ levels: 2 }),
  ]);
});

const pem = (der: Uint8Array): string =>
  `-----BEGIN X509 CRL-----\n${Buffer.from(der).toString('base64')}\n-----END X509 CRL-----\n`;

async function statusOf(
  crls: CrlBundle | undefined,
  options: { now?: Date; routes?: Record<string, Route> } = {},
) {
  const fetcher = routeFetcher(options.routes ?? {});
  const result = await checkRevocation([chain.leaf.cert, chain.root.cert], {
    fetcher,
    now: options.now ?? new Date(),
    ...(crls && { crls }),
  });
  return { ...result.certificates[0]!, requests: fetcher.requests.length, result };
}

describe('CRL bundle', () => {
  describe('when the bundle holds a valid CRL of the issuer', () => {
    it('returns revoked for a listed leaf without fetching anything', async () => {
      const der = await craftCrl({
        issuer: chain.root,
        entries: [{ cert: chain.leaf, reason: REASON.keyCompromise }],
      });
      const got = await statusOf(createCrlBundle([{ data: der, source: 'ca.crl' }]));
      expect(got).toMatchObject({ status: 'revoked', method: 'crl', requests: 0 });
      expect(got.detail).toContain('bundled CRL ca.crl');
    });

    it('returns ok with the CRL nextUpdate for a leaf it does not list', async () => {
      const nextUpdate = new Date(Math.floor((Date.now() + 3 * DAY) / 1000) * 1000);
      const der = await craftCrl({ issuer: chain.root, nextUpdate });
      const got = await statusOf(createCrlBundle([{ data: pem(der), source: 'ca.pem' }]));
      expect(got).toMatchObject({ status: 'ok', requests: 0 });
      expect(got.result.nextUpdate).toEqual(nextUpdate);
    });

    it('uses the newest CRL by number', async () => {
      const older = await craftCrl({ issuer: chain.root, number: 1n });
      const newer = await craftCrl({
        issuer: chain.root,
        number: 2n,
        entries: [{ cert: chain.leaf }],
      });
      const bundle = createCrlBundle([{ data: pem(older) + pem(newer), source: 'both.pem' }]);
      expect((await statusOf(bundle)).status).toBe('revoked');
    });
  });

  describe('when the bundle is out of date', () => {
    it('returns unknown past nextUpdate, and fetches nothing', async () => {
      const der = await craftCrl({ issuer: chain.root, nextUpdate: new Date(Date.now() + DAY) });
      const got = await statusOf(createCrlBundle([{ data: der, source: 'ca.crl' }]), {
        now: new Date(Date.now() + 2 * DAY),
        routes: { [URL]: der },
      });
      expect(got).toMatchObject({ status: 'unknown', requests: 0 });
      expect(got.detail).toMatch(/ca\.crl: the CRL expired at/);
    });
  });

  describe('when the CRL names the issuer but another key signed it', () => {
    it('returns unknown, never ok', async () => {
      const forged = await craftCrl({ issuer: chain.root, signer: lookAlike.root });
      const got = await statusOf(createCrlBundle([{ data: forged, source: 'forged.crl' }]));
      expect(got).toMatchObject({ status: 'unknown', requests: 0 });
      expect(got.detail).toContain('does not verify');
    });
  });

  describe('when the bundle holds only another CA', () => {
    it('leaves the certificate to the fetcher', async () => {
      const other = await issue({ profile: 'root', subject: 'CN=Other CA' });
      const bundle = createCrlBundle([{ data: await craftCrl({ issuer: other }), source: 'o' }]);
      const online = await craftCrl({ issuer: chain.root });
      const got = await statusOf(bundle, { routes: { [URL]: online } });
      expect(got).toMatchObject({ status: 'ok', requests: 1 });
    });
  });

  describe('when the base CRL names a delta CRL the bundle lacks', () => {
    it('returns unknown', async () => {
      const base = await craftCrl({ issuer: chain.root, number: 5n, freshestUrls: [URL] });
      const got = await statusOf(createCrlBundle([{ data: base, source: 'base.crl' }]));
      expect(got.status).toBe('unknown');
      expect(got.detail).toContain('delta');
    });

    it('applies the delta when the bundle has it', async () => {
      const base = await craftCrl({ issuer: chain.root, number: 5n, freshestUrls: [URL] });
      const delta = await craftCrl({
        issuer: chain.root,
        number: 6n,
        deltaOf: 5n,
        entries: [{ cert: chain.leaf }],
      });
      const bundle = createCrlBundle([
        { data: base, source: 'base.crl' },
        { data: delta, source: 'delta.crl' },
      ]);
      expect((await statusOf(bundle)).status).toBe('revoked');
    });
  });
});

describe('createCrlBundle', () => {
  describe('when an input is not a CRL', () => {
    it('throws CrlBundleError naming it', () => {
      expect(() => createCrlBundle([{ data: 'hello', source: 'notes.txt' }])).toThrow(
        new CrlBundleError('notes.txt: neither a DER CRL nor PEM "X509 CRL" blocks'),
      );
      const junk = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
      expect(() => createCrlBundle([{ data: junk, source: 'junk.crl' }])).toThrow(/junk\.crl/);
    });
  });

  describe('when the same CRL comes twice', () => {
    it('keeps one copy, also when merging', async () => {
      const der = await craftCrl({ issuer: chain.root });
      const a = createCrlBundle([
        { data: der, source: 'a' },
        { data: pem(der), source: 'b' },
      ]);
      expect(a.crls).toHaveLength(1);
      expect(mergeCrlBundles([a, a, undefined]).crls).toHaveLength(1);
    });
  });
});
