// Issue 15 item 5 through the real HTTPS service: revocation without the network. The test PKI's
// certificates name a CRL distribution point and an OCSP responder on 127.0.0.1, both stopped
// before any review; the CRLs the CA issued (`openssl ca -gencrl`) are published to the service
// as a directory (`--crl-bundle`, `--revocation offline`). A revoked leaf is denied from the
// bundle, a good one admitted; a CRL revoking a leaf later reaches the service without a restart
// and its cached verdict is not reused; a bundle past its nextUpdate is "unknown", which strict
// denies and permissive logs.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  pushImage,
  serveCrl,
  startOcspResponder,
  startRegistry,
  type Certificate,
  type Pki,
  type PushedImage,
  type Registry,
} from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';

const DAY = 24 * 3600_000;

describe('offline revocation from a CRL bundle (service)', () => {
  let registry: Registry;
  let pki: Pki;
  let bundle: string;
  let svc: TestService;
  let stale: TestService;
  const img: Record<string, PushedImage> = {};
  const leaf: Record<string, Certificate> = {};

  /** The CRLs the CAs published (root's and intermediate's), copied into the bundle directory. */
  const publish = () =>
    Promise.all(
      ['root', 'intermediate'].map((ca) =>
        copyFile(path.join(pki.dir, ca, 'crl.pem'), path.join(bundle, `${ca}.crl`)),
      ),
    );

  /** One statement per level, each governing the repositories under `<registry>/<level>/`. */
  const trustPolicy = () => ({
    version: '1.0',
    trustPolicies: ['strict', 'permissive'].map((level) => ({
      name: level,
      registryScopes: [`${registry.host}/${level}/*`],
      signatureVerification: { level },
      trustStores: ['ca:test'],
      trustedIdentities: ['*'],
    })),
  });

  beforeAll(async () => {
    const [crl, ocsp] = await Promise.all([serveCrl(), startOcspResponder()]);
    [registry, pki] = await Promise.all([
      startRegistry({ kind: 'olareg' }),
      makePki({ key: 'ec-p256', name: 'Offline CA', revocation: { crl, ocsp } }),
    ]);
    leaf['good'] = pki.leaf;
    leaf['revoked'] = await pki.issue('revoked');
    leaf['later'] = await pki.issue('later');
    await pki.revoke(leaf['revoked']);
    for (const [name, level] of [
      ['good', 'strict'],
      ['revoked', 'strict'],
      ['later', 'strict'],
      ['good', 'permissive'],
    ] as const) {
      const image = await pushImage(registry, `${level}/${name}`);
      await notationSign(image.reference, registry, {
        key: leaf[name]!.keyPath,
        certChain: pki.chainFor(leaf[name]!),
        referrersApi: true,
      });
      img[`${level}/${name}`] = image;
    }
    // No route to the CA: nothing is asked online from here on.
    await Promise.all([crl.stop(), ocsp.stop()]);
    bundle = path.join(makeWorkdir('crl-bundle'), 'crls');
    await mkdir(bundle);
    await publish();
    const options = {
      trustPolicy: trustPolicy(),
      trustStores: { ca: { test: [pki.root.pem] } },
      flags: [
        '--revocation',
        'offline',
        '--crl-bundle',
        bundle,
        '--insecure-registry',
        registry.host,
      ],
    };
    svc = await startTestService(options);
    // The same bundle 40 days on: the CA's CRLs (30 days) are out of date, its certificates not.
    stale = await startTestService({ ...options, overrides: { now: () => Date.now() + 40 * DAY } });
  });
  afterAll(async () => {
    await Promise.allSettled([svc?.close(), stale?.close()]);
    await registry?.stop();
  });

  const review = (s: TestService, name: string) =>
    s.client().review(podReview({ images: [img[name]!.reference] }));

  describe('when the bundle is current', () => {
    it('admits an image signed by a good leaf', async () => {
      const outcome = await review(svc, 'strict/good');
      expect(outcome.message).toBeUndefined();
      expect(outcome.kind).toBe('admitted');
    });

    it('denies an image signed by a revoked leaf, from the bundled CRL', async () => {
      const outcome = await review(svc, 'strict/revoked');
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain('revoked according to the bundled CRL');
      expect(outcome.message).toMatch(/\[CERT_REVOKED\]$/);
    });
  });

  describe('when the CA revokes a leaf and publishes a new CRL into the bundle', () => {
    it('denies its image without a restart, though a pass was cached', async () => {
      expect((await review(svc, 'strict/later')).kind).toBe('admitted');
      await pki.revoke(leaf['later']!);
      await publish();
      // The file source polls every 2 s; the new bundle is a new revision, so no cached pass.
      let outcome = await review(svc, 'strict/later');
      for (let i = 0; i < 50 && outcome.kind === 'admitted'; i++) {
        await sleep(100);
        outcome = await review(svc, 'strict/later');
      }
      expect(outcome.message).toMatch(/\[CERT_REVOKED\]$/);
    });
  });

  describe('when the bundle is past its nextUpdate', () => {
    it('denies under strict (revocation unknown is enforced)', async () => {
      const outcome = await review(stale, 'strict/good');
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain('the CRL expired at');
      expect(outcome.message).toMatch(/\[REVOCATION_UNKNOWN\]$/);
    });

    it('admits under permissive, with the unknown status logged as a warning', async () => {
      const outcome = await review(stale, 'permissive/good');
      expect(outcome.kind).toBe('admitted');
      expect(outcome.warnings.join(' ')).toContain('revocation [REVOCATION_UNKNOWN]');
    });
  });
});
