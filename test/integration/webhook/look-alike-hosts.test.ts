// Issue 13, item 3 (standing decision 9, one normal form for references): through the real
// HTTPS service, a statement scoped to a registry's normal form governs the image whatever
// spelling of that registry the Pod uses. The `*` statement trusts another CA, so an image that
// fell to it would be denied; and every spelling shares the normal form's cache entry.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushedImage } from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient } from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import { startSigningWorld, statement, type SigningWorld } from './fixtures.js';

describe.each(['olareg', 'distribution'] as const)('look-alike registry hosts on %s', (kind) => {
  let world: SigningWorld;
  let svc: TestService;
  let api: ApiServerClient;
  let byName: PushedImage;
  let byAddress: PushedImage;
  let other: PushedImage;
  let port: string;

  beforeAll(async () => {
    world = await startSigningWorld({ kind });
    [byName, byAddress, other] = await Promise.all([
      world.push('apps/x'),
      world.push('apps/y'),
      world.push('apps/other'),
    ]);
    for (const image of [byName, byAddress, other]) await world.sign(image);
    port = world.registry.host.slice(world.registry.host.lastIndexOf(':') + 1);
    // A tag reaches /validate only where the statement does not require digests.
    const config = path.join(makeWorkdir('look-alike-config'), 'config.json');
    await writeFile(config, JSON.stringify({ policies: { 'by-name': { mutateDigest: false } } }));
    svc = await startTestService({
      trustPolicy: {
        version: '1.0',
        trustPolicies: [
          statement('by-name', [`localhost:${port}/apps/x`]),
          statement('by-address', [`127.0.0.1:${port}/apps/y`]),
          // Falling to `*` would show: it trusts only the stranger's CA.
          { ...(statement('everything-else', ['*']) as object), trustStores: ['ca:stranger'] },
        ],
      },
      trustStores: {
        ca: { trusted: [world.pki.root.pem], stranger: [world.stranger.root.pem] },
      },
      flags: [
        '--config',
        config,
        ...world.serviceFlags,
        '--insecure-registry',
        `localhost:${port}`,
      ],
    });
    api = svc.client();
  });
  afterAll(async () => {
    await svc?.close();
    await world?.stop();
  });

  /** The audit annotation of a one-container Pod, and whether it was admitted. */
  const review = async (image: string) => {
    const outcome = await api.review(podReview({ images: [image] }));
    return { image, kind: outcome.kind, audit: outcome.response?.auditAnnotations?.['image-0'] };
  };
  const verified = (image: string, digest: string, policy: string, hit: boolean) => ({
    image,
    kind: 'admitted',
    audit: `spec.containers[0].image ${image}: verified ${digest} policy=${policy}${hit ? ' cache-hit' : ''}`,
  });

  describe('when the Pod spells the registry of a localhost scope differently', () => {
    it('returns the verdict of the scope’s statement for every spelling, from one cache entry', async () => {
      const normal = `localhost:${port}/apps/x@${byName.digest}`;
      expect(await review(normal)).toEqual(verified(normal, byName.digest, 'by-name', false));
      for (const host of [
        `LOCALHOST:${port}`,
        `LocalHost:${port}`,
        `localhost:0${port}`,
        `localhost:00${port}`,
        `localhost.:${port}`,
        `LOCALHOST.:0${port}`,
      ]) {
        const image = `${host}/apps/x@${byName.digest}`;
        expect(await review(image)).toEqual(verified(image, byName.digest, 'by-name', true));
      }
    });

    it('returns the same verdict for a tag reference (resolved on the normal host)', async () => {
      const image = `LOCALHOST:0${port}/apps/x:${byName.tag}`;
      expect(await review(image)).toEqual(verified(image, byName.digest, 'by-name', true));
    });
  });

  describe('when the Pod spells the IPv4 address of an address scope differently', () => {
    it('returns the verdict of the scope’s statement for every spelling', async () => {
      const normal = `127.0.0.1:${port}/apps/y@${byAddress.digest}`;
      expect(await review(normal)).toEqual(verified(normal, byAddress.digest, 'by-address', false));
      for (const host of [`127.1:${port}`, `0x7f000001:${port}`, `127.0.0.1.:0${port}`]) {
        const image = `${host}/apps/y@${byAddress.digest}`;
        expect(await review(image)).toEqual(verified(image, byAddress.digest, 'by-address', true));
      }
    });
  });

  describe('when a repository is in no scope', () => {
    it('returns the "*" statement’s denial (the control: falling to "*" shows)', async () => {
      const image = `LOCALHOST:${port}/apps/other@${other.digest}`;
      const outcome = await api.review(podReview({ images: [image] }));
      expect(outcome.kind).toBe('denied');
      expect(outcome.response?.status?.message).toContain(
        `signature not trusted by policy "everything-else"`,
      );
      expect(outcome.response?.auditAnnotations?.['image-0']).toBe(
        `spec.containers[0].image ${image}: denied [CERT_CHAIN_UNTRUSTED]`,
      );
    });
  });
});
