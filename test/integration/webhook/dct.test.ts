// Issue 18 through the real HTTPS service: a policy that accepts Docker Content Trust (the
// `--config` file's `policies.<name>.dct`, the root pinned in `truststore/notaryV1Root/hub/`),
// against the real notary-server with trust data published by the real notary client for images
// pushed to the harness registry, beside Notation signatures made by the real notation CLI.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  notaryClient,
  notaryRootCertificate,
  OciClient,
  pushImage,
  startNotaryServer,
  type NotaryServer,
  type PushedImage,
} from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient } from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import { notFound, startSigningWorld, statement, type SigningWorld } from './fixtures.js';

const DAY = 86_400_000;

describe('Docker Content Trust as a policy’s alternative (service)', () => {
  let world: SigningWorld;
  let notary: NotaryServer;
  let svc: TestService;
  let api: ApiServerClient;
  const img: Record<string, PushedImage> = {};
  const until = new Date(Date.now() + 30 * DAY).toISOString();
  const closedAt = new Date(Date.now() - DAY).toISOString();

  const tagged = (name: string, tag = 'v1') => `${world.registry.host}/dct/${name}:${tag}`;
  const review = (image: string) => api.review(podReview({ images: [image] }));

  beforeAll(async () => {
    [world, notary] = await Promise.all([
      startSigningWorld({ kind: 'distribution' }),
      startNotaryServer(),
    ]);
    for (const name of ['app', 'closed', 'notation']) img[name] = await world.push(`dct/${name}`);
    // Another image of dct/app, under its own tag, that no one signed with DCT.
    img['unsigned'] = await pushImage(world.registry, 'dct/app', { tag: 'v2' });
    // What a registry pusher can do: point a new tag at the DCT-signed digest (never signed under
    // that tag), and move the signed tag of dct/moved to an image no one signed.
    const oci = new OciClient(world.registry);
    const signedManifest = await oci.getManifest('dct/app', img['app']!.digest);
    await oci.pushManifest('dct/app', 'alias', img['app']!.mediaType, signedManifest.body);
    img['moved'] = await world.push('dct/moved');
    await world.sign(img['notation']!);
    const cli = notaryClient(notary);
    const gun = (name: string) => `${world.registry.host}/dct/${name}`;
    const dir = makeWorkdir('webhook-dct');
    // dct/app as `docker trust sign` publishes it: `notary add` of the manifest's bytes; the
    // others by `notary addhash` of the digest and size.
    const manifestFile = path.join(dir, 'app-manifest.json');
    writeFileSync(manifestFile, signedManifest.body);
    for (const name of ['app', 'closed', 'moved']) await cli.init(gun(name));
    await cli.add(gun('app'), 'v1', manifestFile);
    for (const name of ['closed', 'moved']) await cli.addHash(gun(name), 'v1', img[name]!);
    img['intruder'] = await pushImage(world.registry, 'dct/moved', { tag: 'v1' });
    const config = path.join(dir, 'config.json');
    const dct = { server: notary.url, trustStore: 'hub' };
    writeFileSync(
      config,
      JSON.stringify({
        policies: {
          migrating: { dct: { ...dct, until } },
          closed: { dct: { ...dct, until: closedAt } },
        },
      }),
    );
    svc = await startTestService({
      trustPolicy: {
        version: '1.0',
        trustPolicies: [
          statement('migrating', [gun('app'), gun('notation'), gun('moved')]),
          statement('closed', [gun('closed')]),
        ],
      },
      trustStores: {
        ...world.serviceStores,
        notaryV1Root: {
          hub: ['app', 'closed', 'moved'].map((n) => notaryRootCertificate(cli, gun(n))),
        },
      },
      flags: [
        '--config',
        config,
        ...world.serviceFlags,
        '--insecure-registry',
        new URL(notary.url).host,
        // Tags reach /validate unpinned, so the tag's own target is what DCT must sign.
        '--no-mutating-webhook',
      ],
    });
    api = svc.client();
  });
  afterAll(async () => {
    await svc?.close();
    await Promise.all([world?.stop(), notary?.stop()]);
  });

  const admissions = async (kind: 'dct' | 'notation'): Promise<number> => {
    const text = await (await fetch(`${svc.service.metricsUrl}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`notary_admission_admissions_total{signature_kind="${kind}"}`));
    return Number(line?.slice(line.lastIndexOf(' ') + 1));
  };

  describe('when an image is signed only with DCT, inside the window', () => {
    it('admits its tag and its digest, and the audit annotation says DCT passed it', async () => {
      const before = await admissions('dct');
      const byTag = await review(tagged('app'));
      expect(byTag.message).toBeUndefined();
      expect(byTag.kind).toBe('admitted');
      expect(byTag.response?.auditAnnotations?.['image-0']).toBe(
        `spec.containers[0].image ${tagged('app')}: verified ${img['app']!.digest} policy=migrating signature=dct role=targets tag=v1`,
      );
      const byDigest = await review(`${world.registry.host}/dct/app@${img['app']!.digest}`);
      expect(byDigest.kind).toBe('admitted');
      expect(await admissions('dct')).toBe(before + 2);
    });
  });

  describe('when the digest is not a DCT target', () => {
    it('denies it with the DCT code after the Notation clause', async () => {
      const outcome = await review(tagged('app', img['unsigned']!.tag));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain(
        `— ${notFound(img['unsigned']!.digest)} [SIGNATURE_NOT_FOUND]; Docker Content Trust (${notary.url}): no target for tag ${img['unsigned']!.tag} in targets`,
      );
      expect(outcome.message).toMatch(/ \[DCT_TARGET_NOT_FOUND\]$/);
    });
  });

  describe('when someone who pushes to the registry moves or adds tags', () => {
    it('denies a tag pointed at the signed digest but never signed under that tag, though the signed tag’s verdict is cached', async () => {
      expect((await review(tagged('app'))).kind).toBe('admitted');
      const outcome = await review(tagged('app', 'alias'));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(
        /no target for tag alias in targets.* \[DCT_TARGET_NOT_FOUND\]$/,
      );
    });

    it('denies the signed tag moved to an unsigned image, and still admits the signed digest', async () => {
      const outcome = await review(tagged('moved'));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(
        new RegExp(
          `tag v1 in targets is signed for ${img['moved']!.digest} .* \\[DCT_DIGEST_MISMATCH\\]$`,
        ),
      );
      const pinned = await review(`${tagged('moved')}@${img['moved']!.digest}`);
      expect(pinned.kind).toBe('admitted');
    });
  });

  describe('when the window has closed', () => {
    it('denies the DCT-signed image with DCT_WINDOW_CLOSED', async () => {
      const outcome = await review(tagged('closed'));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(
        new RegExp(
          `Docker Content Trust signatures stopped counting at ${closedAt.replaceAll('.', '\\.')}: sign the image with Notation \\[DCT_WINDOW_CLOSED\\]$`,
        ),
      );
    });
  });

  describe('when an image of the same policy is signed with Notation', () => {
    it('admits it as before, counted as a Notation admission', async () => {
      const before = await admissions('notation');
      const outcome = await review(tagged('notation'));
      expect(outcome.kind).toBe('admitted');
      expect(outcome.response?.auditAnnotations?.['image-0']).toBe(
        `spec.containers[0].image ${tagged('notation')}: verified ${img['notation']!.digest} policy=migrating`,
      );
      expect(await admissions('notation')).toBe(before + 1);
    });
  });
});
