import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  notationVerify,
  OciClient,
  pushImage,
  simpleTrustPolicy,
  startRegistry,
  type Pki,
  type Registry,
} from './index.js';

const SIGNATURE = 'application/vnd.cncf.notary.signature';

describe('notationSign and notationVerify', () => {
  let pki: Pki;
  let stranger: Pki;
  const registries: Registry[] = [];
  beforeAll(async () => {
    [pki, stranger] = await Promise.all([
      makePki({ key: 'ec-p384' }),
      makePki({ key: 'rsa-2048', levels: 2 }),
    ]);
  });
  afterAll(async () => {
    for (const r of registries) await r.stop();
  });
  const trust = () => ({
    trustPolicy: simpleTrustPolicy({ trustStores: ['ca:test'] }),
    trustStores: { ca: { test: [pki.root.certPath] } },
  });

  describe.each([
    ['distribution', 'the referrers tag schema'],
    ['olareg', 'the referrers API'],
  ] as const)('on %s (%s)', (kind, _path) => {
    let registry: Registry;
    beforeAll(async () => {
      registry = await startRegistry({ kind, auth: 'basic', tls: true });
      registries.push(registry);
    });

    it.each(['jws', 'cose'] as const)(
      'signs in %s and notation verify accepts it',
      async (format) => {
        const image = await pushImage(registry, `signed/${format}`, {
          credentials: registry.credentials,
        });
        await notationSign(image.reference, registry, {
          key: pki.leaf.keyPath,
          certChain: pki.chainPath,
          format,
          referrersApi: kind === 'olareg',
        });
        const client = new OciClient(registry, registry.credentials);
        const tagIndex = await client.getManifest(
          `signed/${format}`,
          `sha256-${image.digest.slice(7)}`,
        );
        if (kind === 'olareg') {
          const referrers = await client.request(
            'GET',
            `/v2/signed/${format}/referrers/${image.digest}`,
          );
          const listed = (
            JSON.parse(referrers.body.toString()) as { manifests: { artifactType: string }[] }
          ).manifests;
          expect(listed.map((m) => m.artifactType)).toEqual([SIGNATURE]);
          expect(tagIndex.status).toBe(404); // signed through the API: no fallback tag was written
        } else {
          expect(tagIndex.status).toBe(200);
        }
        const verdict = await notationVerify(image.reference, registry, trust());
        expect(verdict.stderr).toBe('');
        expect(verdict.verified).toBe(true);
      },
    );

    it('notation verify rejects a signature from a CA outside the trust store', async () => {
      const image = await pushImage(registry, 'signed/stranger', {
        credentials: registry.credentials,
      });
      await notationSign(image.reference, registry, {
        key: stranger.leaf.keyPath,
        certChain: stranger.chainPath,
        referrersApi: kind === 'olareg',
      });
      const verdict = await notationVerify(image.reference, registry, trust());
      expect(verdict.verified).toBe(false);
      expect(verdict.stderr).toMatch(/signature verification failed/);
    });
  });
});
