import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciClient, pushImage, pushOciLayout, startRegistry, type Registry } from './index.js';
import { VECTORS } from '../support/vectors.js';

const kinds = ['distribution', 'olareg'] as const;
const MULTI_SIG_LAYOUT = `${VECTORS}/oci-layouts/notation-e2e/e2e-valid-multiple-signatures`;
const SIGNED_DIGEST = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';

describe.each(kinds)('startRegistry (%s)', (kind) => {
  describe.each(['basic', 'bearer'] as const)('with %s auth over TLS', (auth) => {
    let registry: Registry;
    beforeAll(async () => {
      registry = await startRegistry({ kind, auth, tls: true });
    });
    afterAll(() => registry.stop());

    it('serves an image pushed with credentials back only to the right credentials', async () => {
      const image = await pushImage(registry, 'private/app', { credentials: registry.credentials });
      const anonymous = await new OciClient(registry).getManifest('private/app', image.digest);
      const wrong = await new OciClient(registry, {
        username: 'tester',
        password: 'wrong',
      }).getManifest('private/app', image.digest);
      const right = await new OciClient(registry, registry.credentials).getManifest(
        'private/app',
        'v1',
      );
      expect([anonymous.status, wrong.status, right.status]).toEqual([401, 401, 200]);
      expect(right.headers['docker-content-digest']).toBe(image.digest);
    });
  });

  describe('with bearer auth and two users', () => {
    const writer = { username: 'writer', password: 'w-secret' };
    const reader = {
      username: 'reader',
      password: 'r-secret',
      access: { 'public/app': ['pull' as const] },
    };
    let registry: Registry;
    beforeAll(async () => {
      registry = await startRegistry({ kind, auth: 'bearer', users: [writer, reader] });
    });
    afterAll(() => registry.stop());

    it('issues tokens scoped to the repository asked for', async () => {
      await pushImage(registry, 'scoped/app', { credentials: writer });
      const grants = registry.tokenServer!.requests.filter((r) =>
        r.scopes.some((s) => s.includes('scoped/app')),
      );
      expect(grants.length).toBeGreaterThan(0);
      for (const g of grants) expect(g.granted.map((a) => a.name)).toEqual(['scoped/app']);
    });

    it('refuses a user whose token does not cover the repository', async () => {
      const image = await pushImage(registry, 'private/app', { credentials: writer });
      const pub = await pushImage(registry, 'public/app', { credentials: writer });
      expect(
        (await new OciClient(registry, reader).getManifest('private/app', image.digest)).status,
      ).toBe(401);
      expect(
        (await new OciClient(registry, reader).getManifest('public/app', pub.digest)).status,
      ).toBe(200);
    });
  });

  describe('without auth', () => {
    let registry: Registry;
    beforeAll(async () => {
      registry = await startRegistry({ kind });
    });
    afterAll(() => registry.stop());

    it('pushes a multi-arch index whose platform manifests resolve', async () => {
      const image = await pushImage(registry, 'multi/app', {
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      const index = await new OciClient(registry).getManifest('multi/app', 'v1');
      expect(index.headers['content-type']).toBe('application/vnd.oci.image.index.v1+json');
      const listed = (
        JSON.parse(index.body.toString()) as {
          manifests: { digest: string; platform: { architecture: string } }[];
        }
      ).manifests;
      expect(listed.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
      expect(listed.map((m) => m.digest)).toEqual(image.platforms.map((p) => p.digest));
    });

    it('pushes an OCI layout with its tags, signatures and referrers tag index', async () => {
      const layout = await pushOciLayout(registry, MULTI_SIG_LAYOUT, 'e2e/multi');
      expect(layout.tags['v1']).toBe(SIGNED_DIGEST);
      const client = new OciClient(registry);
      const tagIndex = await client.getManifest('e2e/multi', `sha256-${SIGNED_DIGEST.slice(7)}`);
      expect(tagIndex.status).toBe(200);
      const referrers = await client.request('GET', `/v2/e2e/multi/referrers/${SIGNED_DIGEST}`);
      if (kind === 'olareg') {
        const listed = (
          JSON.parse(referrers.body.toString()) as { manifests: { artifactType: string }[] }
        ).manifests;
        expect(listed.map((m) => m.artifactType)).toEqual([
          'application/vnd.cncf.notary.signature',
          'application/vnd.cncf.notary.signature',
        ]);
      } else {
        expect(referrers.status).toBe(404); // distribution 2.8: no referrers API, the tag schema it is
      }
    });
  });
});
