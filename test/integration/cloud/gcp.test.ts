// Issue 19 item 2, Google Artifact Registry / Container Registry: the access token of the pod's
// service account from the metadata server (GCE_METADATA_HOST points at a local one), sent as
// `oauth2accesstoken`'s password to the registry's token realm on its own origin, as GAR's
// `/v2/token` is. The harness registry's token server grants nothing else.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeMetadata, type FakeMetadata } from '../../support/clouds/gcp.js';
import { startRegistryFront, type RegistryFront } from '../../support/clouds/registry-front.js';
import { startTestService, type TestService } from '../../support/service.js';
import { expectRefreshAhead, reviewAt, startCloudWorld, type CloudWorld } from './world.js';

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
  svc = await serve({ flags: ['--no-cache'] });
});
afterAll(async () => {
  await svc?.close();
  await front?.stop();
  await metadata?.stop();
  await world?.stop();
});

/** `serve --cloud-credentials gcp` with GCE_METADATA_HOST at the local metadata server. */
function serve(o: { now?: () => number; flags?: string[] } = {}): Promise<TestService> {
  return startTestService({
    ...(o.now && { overrides: { now: o.now } }),
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
      ...(o.flags ?? []),
    ],
    env: { GCE_METADATA_HOST: metadata.host },
  });
}

/** A service on a clock the test moves (`clock.offset` ms ahead of the real one). */
async function serveOnClock() {
  const clock = { offset: 0 };
  const svc = await serve({ now: () => Date.now() + clock.offset, flags: ['--no-cache'] });
  return { svc, clock };
}

/** Runs `fn` with a fresh service while the metadata server answers in `mode`. */
async function withMetadataMode(
  mode: FakeMetadata['mode'],
  fn: (svc: TestService) => Promise<void>,
): Promise<void> {
  const bare = await serve();
  try {
    metadata.mode = mode;
    await fn(bare);
  } finally {
    metadata.mode = 'ok';
    await bare.close();
  }
}

/** Reviews the image with `svc`: denied as inconclusive, the metadata server at fault (`why`). */
async function expectUnavailable(svc: TestService, why: string): Promise<void> {
  const r = await reviewAt(svc, front.host, world.image);
  expect(r.kind).toBe('denied');
  expect(r.audit).toMatch(/: inconclusive, denied \[GCP_CREDENTIALS_UNAVAILABLE\]$/);
  expect(r.message).toContain(
    `GCP registry credentials unavailable: the metadata server at ${metadata.host} ${why} [GCP_CREDENTIALS_UNAVAILABLE]`,
  );
}

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

  // The access token lives `expires_in` 3599 s: it is refreshed once 80% of that, 48 min, has passed.
  describe('when 80% of the access token’s expires_in has passed (clock moved)', () => {
    it('asks the metadata server again ahead of expiry, admitting with the token in hand meanwhile', async () => {
      const { svc: timed, clock } = await serveOnClock();
      try {
        const before = metadata.calls;
        await expectRefreshAhead(
          () => reviewAt(timed, front.host, world.image),
          clock,
          () => metadata.calls - before,
          { fresh: 40 * 60_000, stale: 50 * 60_000 },
        );
      } finally {
        await timed.close();
      }
    });
  });

  describe('when the metadata server claims a token lives far longer than an hour', () => {
    it('keeps it no longer than an hour, asking again ahead of that', async () => {
      metadata.expiresIn = 1e9;
      const { svc: timed, clock } = await serveOnClock();
      try {
        const before = metadata.calls;
        expect((await reviewAt(timed, front.host, world.image)).kind).toBe('admitted');
        clock.offset = 50 * 60_000;
        expect((await reviewAt(timed, front.host, world.image)).kind).toBe('admitted');
        await vi.waitFor(() => expect(metadata.calls - before).toBe(2));
      } finally {
        metadata.expiresIn = 3599;
        await timed.close();
      }
    });
  });

  describe('when the token in hand has expired and the metadata server gives no new one', () => {
    it('denies as inconclusive with GCP_CREDENTIALS_UNAVAILABLE rather than use the expired token', async () => {
      const { svc: timed, clock } = await serveOnClock();
      try {
        expect((await reviewAt(timed, front.host, world.image)).kind).toBe('admitted');
        metadata.mode = 'unbound';
        // Past the refresh point: the refresh fails, the token in hand still serves.
        clock.offset = 50 * 60_000;
        expect((await reviewAt(timed, front.host, world.image)).kind).toBe('admitted');
        // Past its expiry: nothing is left to serve.
        clock.offset = 61 * 60_000;
        await expectUnavailable(timed, 'answered 404: Not Found');
      } finally {
        metadata.mode = 'ok';
        await timed.close();
      }
    });
  });
});

describe('GAR/GCR credentials without a service account', () => {
  describe('when the metadata server has no token for the pod', () => {
    it('denies as inconclusive with GCP_CREDENTIALS_UNAVAILABLE', () =>
      withMetadataMode('unbound', (bare) => expectUnavailable(bare, 'answered 404: Not Found')));
  });
});

describe('GAR/GCR credentials from a hostile metadata server', () => {
  describe('when it answers 200 and never ends its body', () => {
    it('denies as inconclusive after 64 KiB, and hangs up on it', () =>
      withMetadataMode('endless', async (bare) => {
        const r = await reviewAt(bare, front.host, world.image);
        expect(r.kind).toBe('denied');
        expect(r.audit).toMatch(/: inconclusive, denied \[GCP_CREDENTIALS_UNAVAILABLE\]$/);
        expect(r.message).toContain("the metadata server's answer is over 65536 bytes");
        // Its connection is closed, not left streaming into the service.
        await vi.waitFor(() => expect(metadata.hungUp).toBeGreaterThanOrEqual(1));
      }));
  });
});

describe('GAR/GCR credentials already expired when handed out', () => {
  describe.each([0, -60])(
    'when the metadata server hands out an expired token (expires_in %i)',
    (expiresIn) => {
      it('denies as inconclusive with GCP_CREDENTIALS_UNAVAILABLE, saying the token had expired', async () => {
        const bare = await serve();
        try {
          metadata.expiresIn = expiresIn;
          await expectUnavailable(
            bare,
            `sent an access token that had already expired (expires_in ${expiresIn})`,
          );
        } finally {
          metadata.expiresIn = 3599;
          await bare.close();
        }
      });
    },
  );
});
