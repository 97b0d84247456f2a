// Issue 15 item 3 through the real HTTPS service: an image under a registry-prefix scope
// (`host/team/*`) is governed by that statement, a longer prefix or an exact scope beats it, and a
// repository that only shares characters with it (`host/teamx/app`) falls to `*`. Each statement
// trusts another CA (or the same CA under another name), so the policy named in the verdict shows
// which statement governed the image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushedImage } from '../../harness/index.js';
import type { ApiServerClient } from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import { startSigningWorld, statement, type SigningWorld } from './fixtures.js';

const trusting = (name: string, scopes: string[], store: string) => ({
  ...(statement(name, scopes) as object),
  trustStores: [store],
});

describe('registry-prefix scopes through the service', () => {
  let world: SigningWorld;
  let svc: TestService;
  let api: ApiServerClient;
  const images: Record<string, PushedImage> = {};

  beforeAll(async () => {
    world = await startSigningWorld({ kind: 'olareg' });
    const host = world.registry.host;
    for (const [key, repository, signer] of [
      ['team', 'team/app', world.pki],
      ['teamStranger', 'team/other', world.stranger],
      ['deep', 'team/ci/builder', world.stranger],
      ['exact', 'team/legacy', world.stranger],
      ['sibling', 'teamx/app', world.pki],
    ] as const) {
      images[key] = await world.push(repository);
      await world.sign(images[key], { signer });
    }
    svc = await startTestService({
      trustPolicy: {
        version: '1.0',
        trustPolicies: [
          trusting('team', [`${host}/team/*`], 'ca:trusted'),
          trusting('team-ci', [`${host}/team/ci/*`], 'ca:stranger'),
          trusting('legacy', [`${host}/team/legacy`], 'ca:stranger'),
          // Falling to `*` shows: it trusts only the stranger's CA.
          trusting('everything-else', ['*'], 'ca:stranger'),
        ],
      },
      trustStores: {
        ca: { trusted: [world.pki.root.pem], stranger: [world.stranger.root.pem] },
      },
      flags: world.serviceFlags,
    });
    api = svc.client();
  });
  afterAll(async () => {
    await svc?.close();
    await world?.stop();
  });

  const review = async (key: string) => {
    const image = images[key]!.reference;
    const outcome = await api.review(podReview({ images: [image] }));
    return {
      kind: outcome.kind,
      audit: outcome.response?.auditAnnotations?.['image-0'],
      message: outcome.response?.status?.message,
      image,
      digest: images[key]!.digest,
    };
  };

  describe('when an image is under the prefix and nothing more specific', () => {
    it('admits the one its CA signed, under the prefix statement', async () => {
      const r = await review('team');
      expect([r.kind, r.audit]).toEqual([
        'admitted',
        `spec.containers[0].image ${r.image}: verified ${r.digest} policy=team`,
      ]);
    });

    it('denies one signed by another CA, naming the prefix statement', async () => {
      const r = await review('teamStranger');
      expect(r.kind).toBe('denied');
      expect(r.message).toContain('signature not trusted by policy "team"');
    });
  });

  describe('when a longer prefix or the exact repository is listed too', () => {
    it('admits under the more specific statement, which trusts the other CA', async () => {
      const deep = await review('deep');
      const exact = await review('exact');
      expect([deep.kind, deep.audit]).toEqual([
        'admitted',
        `spec.containers[0].image ${deep.image}: verified ${deep.digest} policy=team-ci`,
      ]);
      expect([exact.kind, exact.audit]).toEqual([
        'admitted',
        `spec.containers[0].image ${exact.image}: verified ${exact.digest} policy=legacy`,
      ]);
    });
  });

  describe('when a repository only shares characters with the prefix', () => {
    it('judges it under "*" (whole path components only)', async () => {
      const r = await review('sibling');
      expect(r.kind).toBe('denied');
      expect(r.message).toContain('signature not trusted by policy "everything-else"');
    });
  });
});
