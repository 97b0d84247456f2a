// Issue 19 item 2, Google Artifact Registry / Container Registry: the access token of the pod's
// service account from the metadata server (GCE_METADATA_HOST points at a local one), sent as
// `oauth2accesstoken`'s password to the registry's token realm on its own origin, as GAR's
// `/v2/token` is. The harness registry's token server grants nothing else.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMetadata, type FakeMetadata } from '../../support/clouds/gcp.js';
import { startRegistryFront, type RegistryFront } from '../../support/clouds/registry-front.js';
import { startTestService, type TestService } from '../../support/service.js';
import { reviewAt, startCloudWorld, type CloudWorld } from './world.js';

let world: CloudWorld;
let front: RegistryFront;
let metadata: FakeMetadata;
let svc: TestService;

beforeAll(async () => {
  const token = `ya29.${randomBytes(32).toString('base64url')}`;
  [world, metadata] = await Promise.all([
    startCloudWorld({ auth: 'bearer', username: 'oauth2accesstoken', password: token }),
    startFakeMetadata({ accessToken: token }),
  ]);
  front = await startRegistryFront(world.registry, '/v2/token');
  svc = await startTestService({
    trustPolicy: world.trustPolicy,
    trustStores: world.trustStores,
    flags: [
      '--insecure-registry',
      front.host,
      '--cloud-credentials',
      'gcp',
      // The front stands for europe-west1-docker.pkg.dev.
      '--cloud-registry-host',
      `gcp=${front.host}`,
      '--no-cache',
    ],
    env: { GCE_METADATA_HOST: metadata.host },
  });
});
afterAll(async () => {
  await svc?.close();
  await front?.stop();
  await metadata?.stop();
  await world?.stop();
});

describe('GAR/GCR credentials from the metadata server', () => {
  describe('when the pod has a service account', () => {
    it('admits the signed image, asking the metadata server once for both reviews', async () => {
      metadata.mode = 'ok';
      const first = await reviewAt(svc, front.host, world.image);
      const second = await reviewAt(svc, front.host, world.image);
      expect([first.kind, second.kind]).toEqual(['admitted', 'admitted']);
      expect(metadata.calls).toBe(1);
    });
  });
});

describe('GAR/GCR credentials without a service account', () => {
  describe('when the metadata server has no token for the pod', () => {
    it('denies as inconclusive with GCP_CREDENTIALS_UNAVAILABLE', async () => {
      const bare = await startTestService({
        trustPolicy: world.trustPolicy,
        trustStores: world.trustStores,
        flags: [
          '--insecure-registry',
          front.host,
          '--cloud-credentials',
          'gcp',
          '--cloud-registry-host',
          `gcp=${front.host}`,
        ],
        env: { GCE_METADATA_HOST: metadata.host },
      });
      try {
        metadata.mode = 'unbound';
        const r = await reviewAt(bare, front.host, world.image);
        expect(r.kind).toBe('denied');
        expect(r.audit).toMatch(/: inconclusive, denied \[GCP_CREDENTIALS_UNAVAILABLE\]$/);
        expect(r.message).toContain(
          `GCP registry credentials unavailable: the metadata server at ${metadata.host} answered 404: Not Found [GCP_CREDENTIALS_UNAVAILABLE]`,
        );
      } finally {
        metadata.mode = 'ok';
        await bare.close();
      }
    });
  });
});
