import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { issue, makeChain, type Chain, type Issued } from '../../../test/support/certs.js';
import {
  OID,
  REASON,
  craftCrl,
  distributionPoints,
  extension,
  routeFetcher,
  type Route,
} from '../../../test/support/revocation-pki.js';
import { vector, vectorText } from '../../../test/support/vectors.js';
import * as x509 from '../x509/peculiar.js';
import { checkRevocation, type RevocationOptions } from './check.js';

const BASE = 'http://crl.test/base.crl';
const DELTA = 'http://crl.test/delta.crl';
const DAY = 24 * 3600_000;

/** A freshest-CRL extension for @peculiar/x509 certificates. */
function freshest(urls: string[]): x509.Extension {
  return new x509.Extension(OID.freshestCrl, false, distributionPoints(urls).toSchema().toBER());
}

function codeSigningExtensions(): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, false),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  ];
}

let chain: Chain;
let deltaLeaf: Issued;

beforeAll(async () => {
  chain = await makeChain({ levels: 2, leaf: { crlUrl: BASE } });
  deltaLeaf = await issue(
    { extensions: [...codeSigningExtensions(), freshest([DELTA])], crlUrl: BASE },
    chain.root,
  );
});

async function statusOf(
  leaf: Issued,
  routes: Record<string, Route>,
  options: Partial<RevocationOptions> = {},
) {
  const fetcher = routeFetcher(routes);
  const result = await checkRevocation([leaf.cert, chain.root.cert], {
    fetcher,
    now: new Date(),
    ...options,
  });
  return { ...result.certificates[0]!, fetcher, result };
}

describe('CRL checking', () => {
  describe('when the CRL is valid', () => {
    it('returns ok when the leaf is not listed, with the CRL nextUpdate', async () => {
      const nextUpdate = new Date(Math.floor((Date.now() + 3 * DAY) / 1000) * 1000);
      const crl = await craftCrl({ issuer: chain.root, nextUpdate });
      const { status, result } = await statusOf(chain.leaf, { [BASE]: crl });
      expect(status).toBe('ok');
      expect(result.nextUpdate).toEqual(nextUpdate);
    });

    it('returns revoked when the leaf is listed', async () => {
      const crl = await craftCrl({
        issuer: chain.root,
        entries: [{ cert: chain.leaf, reason: REASON.keyCompromise }],
      });
      expect((await statusOf(chain.leaf, { [BASE]: crl })).status).toBe('revoked');
    });

    it('returns revoked for certificateHold', async () => {
      const crl = await craftCrl({
        issuer: chain.root,
        entries: [{ cert: chain.leaf, reason: REASON.certificateHold }],
      });
      expect((await statusOf(chain.leaf, { [BASE]: crl })).status).toBe('revoked');
    });

    it('ignores an unknown non-critical entry extension', async () => {
      const ext = extension('1.2.3.4', new asn1js.Null(), false);
      const crl = await craftCrl({
        issuer: chain.root,
        entries: [{ cert: chain.leaf, extensions: [ext] }],
      });
      expect((await statusOf(chain.leaf, { [BASE]: crl })).status).toBe('revoked');
    });
  });

  describe('when the signing authority signed before the invalidity date', () => {
    const signedAt = new Date(Date.now() - 10 * DAY);

    it('C-74 returns ok when the invalidity date is after authenticSigningTime', async () => {
      const crl = await craftCrl({
        issuer: chain.root,
        entries: [{ cert: chain.leaf, invalidityDate: new Date(signedAt.getTime() + DAY) }],
      });
      const { status } = await statusOf(
        chain.leaf,
        { [BASE]: crl },
        { authenticSigningTime: signedAt },
      );
      expect(status).toBe('ok');
    });

    it('C-74 returns revoked when the invalidity date is before authenticSigningTime', async () => {
      const crl = await craftCrl({
        issuer: chain.root,
        entries: [{ cert: chain.leaf, invalidityDate: new Date(signedAt.getTime() - DAY) }],
      });
      const { status } = await statusOf(
        chain.leaf,
        { [BASE]: crl },
        { authenticSigningTime: signedAt },
      );
      expect(status).toBe('revoked');
    });

    it('C-74 returns revoked without authenticSigningTime (notary.x509, divergence D12)', async () => {
      const crl = await craftCrl({
        issuer: chain.root,
        entries: [{ cert: chain.leaf, invalidityDate: new Date(signedAt.getTime() + DAY) }],
      });
      expect((await statusOf(chain.leaf, { [BASE]: crl })).status).toBe('revoked');
    });
  });

  describe('when the CRL cannot be trusted', () => {
    it('C-71 returns unknown for an expired CRL', async () => {
      const crl = await craftCrl({ issuer: chain.root, nextUpdate: new Date(Date.now() - DAY) });
      const { status, detail } = await statusOf(chain.leaf, { [BASE]: crl });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/the CRL expired at/);
    });

    it('returns unknown for a CRL without nextUpdate', async () => {
      const crl = await craftCrl({ issuer: chain.root, nextUpdate: null });
      const { status, detail } = await statusOf(chain.leaf, { [BASE]: crl });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/no nextUpdate/);
    });

    it('returns unknown for a CRL signed with another key', async () => {
      const other = await issue({ profile: 'root' });
      const crl = await craftCrl({ issuer: chain.root, signer: other });
      const { status, detail } = await statusOf(chain.leaf, { [BASE]: crl });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/signature does not verify/);
    });

    it('returns unknown for a CRL of another issuer', async () => {
      const other = await issue({ profile: 'root', subject: 'CN=Other Root' });
      const crl = await craftCrl({ issuer: other });
      const { status, detail } = await statusOf(chain.leaf, { [BASE]: crl });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/not issued by the certificate's issuer/);
    });

    it('returns unknown for an unknown critical CRL extension', async () => {
      const ext = extension('1.2.3.4', new asn1js.Null(), true);
      const crl = await craftCrl({ issuer: chain.root, extensions: [ext] });
      const { status, detail } = await statusOf(chain.leaf, { [BASE]: crl });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/unsupported critical extension 1\.2\.3\.4/);
    });

    it('returns unknown for an unknown critical entry extension', async () => {
      const ext = extension('1.2.3.4', new asn1js.Null(), true);
      const crl = await craftCrl({
        issuer: chain.root,
        entries: [{ cert: chain.leaf, extensions: [ext] }],
      });
      const { status, detail } = await statusOf(chain.leaf, { [BASE]: crl });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/CRL entry .* unsupported critical extension 1\.2\.3\.4/);
    });

    it('returns unknown for a CRL scoped to CA certificates only', async () => {
      const idp = new pkijs.IssuingDistributionPoint({ onlyContainsCACerts: true });
      const ext = extension(OID.issuingDistributionPoint, idp.toSchema(), true);
      const crl = await craftCrl({ issuer: chain.root, extensions: [ext] });
      const { status, detail } = await statusOf(chain.leaf, { [BASE]: crl });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/does not cover this kind of certificate/);
    });

    it('returns unknown for garbage', async () => {
      const { status, detail } = await statusOf(chain.leaf, { [BASE]: new Uint8Array([1, 2, 3]) });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/CRL is malformed/);
    });

    it('returns unknown for an https distribution point without fetching', async () => {
      const leaf = await issue({ crlUrl: 'https://crl.test/base.crl' }, chain.root);
      const { status, detail, fetcher } = await statusOf(leaf, {});
      expect(status).toBe('unknown');
      expect(detail).toMatch(/only http is supported/);
      expect(fetcher.requests).toHaveLength(0);
    });

    it('D14 returns unknown when any of several distribution points fails', async () => {
      const leaf = await issue(
        {
          extensions: [
            ...codeSigningExtensions(),
            new x509.CRLDistributionPointsExtension([BASE, 'http://crl.test/down.crl']),
          ],
        },
        chain.root,
      );
      const crl = await craftCrl({ issuer: chain.root });
      const { status, detail, fetcher } = await statusOf(leaf, { [BASE]: crl });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/down\.crl answered HTTP 404/);
      expect(fetcher.requests.map((r) => r.url)).toEqual([BASE, 'http://crl.test/down.crl']);
    });
  });

  describe('when a delta CRL is named (Freshest CRL)', () => {
    it('applies the delta CRL named by the certificate', async () => {
      const base = await craftCrl({ issuer: chain.root, number: 10n });
      const delta = await craftCrl({
        issuer: chain.root,
        number: 11n,
        deltaOf: 10n,
        entries: [{ cert: deltaLeaf }],
      });
      const { status, fetcher } = await statusOf(deltaLeaf, { [BASE]: base, [DELTA]: delta });
      expect(status).toBe('revoked');
      expect(fetcher.requests.map((r) => r.url)).toEqual([BASE, DELTA]);
    });

    it('applies the delta CRL named by the base CRL', async () => {
      const base = await craftCrl({ issuer: chain.root, number: 10n, freshestUrls: [DELTA] });
      const delta = await craftCrl({
        issuer: chain.root,
        number: 11n,
        deltaOf: 10n,
        entries: [{ cert: chain.leaf }],
      });
      expect((await statusOf(chain.leaf, { [BASE]: base, [DELTA]: delta })).status).toBe('revoked');
    });

    it('returns ok when the delta lifts a hold (removeFromCRL)', async () => {
      const base = await craftCrl({
        issuer: chain.root,
        number: 10n,
        entries: [
          {
            cert: deltaLeaf,
            reason: REASON.certificateHold,
            revocationDate: new Date(Date.now() - 2 * DAY),
          },
        ],
      });
      const delta = await craftCrl({
        issuer: chain.root,
        number: 11n,
        deltaOf: 10n,
        entries: [
          {
            cert: deltaLeaf,
            reason: REASON.removeFromCRL,
            revocationDate: new Date(Date.now() - DAY),
          },
        ],
      });
      expect((await statusOf(deltaLeaf, { [BASE]: base, [DELTA]: delta })).status).toBe('ok');
    });

    it('returns unknown when the delta is not newer than the base', async () => {
      const base = await craftCrl({ issuer: chain.root, number: 10n });
      const delta = await craftCrl({ issuer: chain.root, number: 10n, deltaOf: 9n });
      const { status, detail } = await statusOf(deltaLeaf, { [BASE]: base, [DELTA]: delta });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/does not apply to base CRL 10/);
    });

    it('returns unknown when the delta builds on a later base', async () => {
      const base = await craftCrl({ issuer: chain.root, number: 10n });
      const delta = await craftCrl({ issuer: chain.root, number: 12n, deltaOf: 11n });
      expect((await statusOf(deltaLeaf, { [BASE]: base, [DELTA]: delta })).status).toBe('unknown');
    });

    it('returns unknown when the delta CRL is unavailable', async () => {
      const base = await craftCrl({ issuer: chain.root, number: 10n });
      const { status, detail } = await statusOf(deltaLeaf, { [BASE]: base });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/delta\.crl answered HTTP 404/);
    });

    it('returns unknown when the file at the delta location is a base CRL', async () => {
      const base = await craftCrl({ issuer: chain.root, number: 10n });
      const { status, detail } = await statusOf(deltaLeaf, { [BASE]: base, [DELTA]: base });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/the delta CRL is not a delta CRL/);
    });

    it('returns unknown when the base CRL names two delta locations', async () => {
      const base = await craftCrl({ issuer: chain.root, freshestUrls: [DELTA, `${DELTA}2`] });
      const { status, detail } = await statusOf(chain.leaf, { [BASE]: base });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/2 delta CRL locations given/);
    });

    it('returns unknown for the delta.crl vector served as a base CRL', async () => {
      const { status, detail } = await statusOf(chain.leaf, {
        [BASE]: vector('revocation/notation-core-go-crl/delta.crl'),
      });
      expect(status).toBe('unknown');
      expect(detail).toMatch(/a delta CRL was served as a base CRL/);
    });
  });

  describe('when the certificate Freshest CRL extension is unusable (notation-core-go vectors)', () => {
    const DIR = 'revocation/notation-core-go-crl';
    it.each([
      ['certificateWith2DeltaCRL.cer', /2 delta CRL locations given/],
      ['certificateWithIncompleteFreshestCRL.cer', /extension is malformed/],
      ['certificateWithIncompleteFreshestCRL2.cer', /malformed|without a URI/],
      ['certificateWithNonURIDeltaCRL.cer', /extension is malformed/],
      ['certificateWithZeroDeltaCRLURL.cer', /Freshest CRL extension is malformed/],
    ])('returns unknown for %s without fetching', async (file, message) => {
      const cert = new x509.X509Certificate(vectorText(`${DIR}/${file}`));
      const fetcher = routeFetcher({});
      const result = await checkRevocation([cert, chain.root.cert], {
        fetcher,
        now: new Date('2025-06-01T00:00:00Z'),
      });
      expect(result.status).toBe('unknown');
      expect(result.certificates[0]!.detail).toMatch(message);
      expect(fetcher.requests).toHaveLength(0);
    });
  });
});
