import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  notationVerify,
  pushImage,
  serveCrl,
  simpleTrustPolicy,
  startOcspResponder,
  startRegistry,
  startTsa,
  type CrlServer,
  type OcspResponder,
  type Registry,
  type Tsa,
} from './index.js';

describe('startTsa, serveCrl and startOcspResponder with notation', () => {
  let registry: Registry;
  let tsa: Tsa;
  let crl: CrlServer;
  let ocsp: OcspResponder;
  beforeAll(async () => {
    [registry, tsa, crl, ocsp] = await Promise.all([
      startRegistry({ kind: 'distribution' }),
      startTsa(),
      serveCrl(),
      startOcspResponder(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([registry.stop(), tsa.stop(), crl.stop(), ocsp.stop()]);
  });

  it('timestamps a signature at the local TSA and notation verifies the timestamp', async () => {
    const pki = await makePki({ key: 'ec-p256' });
    const image = await pushImage(registry, 'ts/app');
    const before = tsa.requests;
    await notationSign(image.reference, registry, {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      timestampUrl: tsa.url,
      timestampRootCert: tsa.pki.root.certPath,
    });
    expect(tsa.requests).toBe(before + 1);
    const policy = simpleTrustPolicy({
      trustStores: ['ca:signer', 'tsa:local'],
      verifyTimestamp: 'always',
    });
    const stores = { ca: { signer: [pki.root.certPath] }, tsa: { local: [tsa.pki.root.certPath] } };
    const good = await notationVerify(image.reference, registry, {
      trustPolicy: policy,
      trustStores: stores,
    });
    expect(good.verified).toBe(true);
    // The same signature, with a tsa store that does not hold the TSA's root, fails.
    const other = await makePki({ levels: 2, key: 'ec-p256' });
    const wrongTsa = { ca: { signer: [pki.root.certPath] }, tsa: { local: [other.root.certPath] } };
    const bad = await notationVerify(image.reference, registry, {
      trustPolicy: policy,
      trustStores: wrongTsa,
    });
    expect(bad.verified).toBe(false);
  });

  it.each(['crl', 'ocsp'] as const)(
    'notation rejects a leaf once it is revoked (%s)',
    async (method) => {
      const server = method === 'crl' ? crl : ocsp;
      const pki = await makePki({ revocation: { [method]: server } });
      const image = await pushImage(registry, `revoked/${method}`);
      await notationSign(image.reference, registry, {
        key: pki.leaf.keyPath,
        certChain: pki.chainPath,
      });
      const trust = {
        trustPolicy: simpleTrustPolicy({ trustStores: ['ca:r'] }),
        trustStores: { ca: { r: [pki.root.certPath] } },
      };
      const seen = server.requests.length;
      expect((await notationVerify(image.reference, registry, trust)).verified).toBe(true);
      expect(server.requests.length).toBeGreaterThan(seen);
      await pki.revoke(pki.leaf);
      const after = await notationVerify(image.reference, registry, trust);
      expect(after.verified).toBe(false);
      expect(after.stderr).toMatch(/signature verification failed/);
    },
  );
});
