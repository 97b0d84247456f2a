import { describe, expect, it } from 'vitest';
import { issue, makeChain } from '../../../test/support/certs.js';
import { vector } from '../../../test/support/vectors.js';
import * as x509 from './peculiar.js';
import { findTrustedCertificate, firstInvalidAt } from './trust.js';

const cert = (path: string): x509.X509Certificate =>
  new x509.X509Certificate(vector(`certs/notation-e2e/localkeys/${path}`));

describe('findTrustedCertificate', () => {
  describe('when the trusted certificate has the same key but other bytes', () => {
    it('C-47 returns undefined for e2e.crt trusted as new_e2e.crt', () => {
      const e2e = cert('e2e.crt');
      const other = cert('new_e2e.crt');
      const spki = (c: x509.X509Certificate): string =>
        Buffer.from(c.publicKey.rawData).toString('hex');
      expect(spki(other)).toBe(spki(e2e));
      expect(findTrustedCertificate([e2e], [other])).toBeUndefined();
    });
  });

  describe('when a chain certificate is byte-equal to a trusted one', () => {
    it('returns the self-signed leaf trusted as itself (e2e.crt)', () => {
      const e2e = cert('e2e.crt');
      const trusted = new x509.X509Certificate(e2e.rawData);
      expect(findTrustedCertificate([e2e], [cert('new_e2e.crt'), trusted])).toBe(e2e);
    });

    it('returns a pinned intermediate (any position in the chain counts)', async () => {
      const { certs, intermediate } = await makeChain({ levels: 3 });
      const chain = certs.map((c) => c.cert);
      expect(findTrustedCertificate(chain, [intermediate!.cert])).toBe(chain[1]);
    });

    it('returns the root of a 3-level chain', async () => {
      const { certs, root } = await makeChain({ levels: 3 });
      const chain = certs.map((c) => c.cert);
      expect(findTrustedCertificate(chain, [root.cert])).toBe(chain[2]);
    });
  });

  describe('when nothing is trusted or nothing matches', () => {
    it('returns undefined', async () => {
      const { certs } = await makeChain({ levels: 2 });
      const other = await issue({ profile: 'root' });
      const chain = certs.map((c) => c.cert);
      expect(findTrustedCertificate(chain, [])).toBeUndefined();
      expect(findTrustedCertificate(chain, [other.cert])).toBeUndefined();
    });
  });
});

describe('firstInvalidAt', () => {
  // expired_e2e.crt: valid 2023-06-26T06:10Z … 2023-06-27T06:10Z.
  const expired = cert('expired_e2e.crt');

  describe('when the time is on a bound', () => {
    it('returns undefined at exactly notBefore and exactly notAfter (inclusive)', () => {
      expect(firstInvalidAt([expired], expired.notBefore)).toBeUndefined();
      expect(firstInvalidAt([expired], expired.notAfter)).toBeUndefined();
    });
  });

  describe('when the time is outside the validity', () => {
    it('returns the certificate 1 ms before notBefore and 1 ms after notAfter', () => {
      const before = new Date(expired.notBefore.getTime() - 1);
      const after = new Date(expired.notAfter.getTime() + 1);
      expect(firstInvalidAt([expired], before)).toBe(expired);
      expect(firstInvalidAt([expired], after)).toBe(expired);
    });

    it('returns the first invalid certificate of the chain, not the leaf', async () => {
      const now = Date.now();
      const root = await issue({ profile: 'root' });
      const mid = await issue({ profile: 'intermediate', notAfter: new Date(now + 1000) }, root);
      const leaf = await issue({ profile: 'codeSigning' }, mid);
      const chain = [leaf.cert, mid.cert, root.cert];
      expect(firstInvalidAt(chain, new Date(now))).toBeUndefined();
      expect(firstInvalidAt(chain, new Date(now + 5000))).toBe(mid.cert);
    });

    it('returns the leaf for an invalid Date (fails closed)', () => {
      const e2e = cert('e2e.crt');
      expect(firstInvalidAt([e2e], new Date(Number.NaN))).toBe(e2e);
    });
  });
});
