// Issue 18, the attacker's tests: what someone between us and the Notary server (or who runs
// it) can make the real HTTPS service admit or spend. A hostile proxy sits in front of the real
// notary-server (trust data published by the real notary client) and replays, freezes, mixes,
// floods or stalls; the service's clock is moved to cross expiries and the window's `until`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  notaryClient,
  notaryRootCertificate,
  pushImage,
  startNotaryServer,
  type NotaryCli,
  type NotaryServer,
  type PushedImage,
} from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient } from '../../support/api-server.js';
import { startReplayProxy, type ReplayProxy } from '../../support/replay-proxy.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import { startSigningWorld, statement, type SigningWorld } from './fixtures.js';

const DAY = 86_400_000;
const REPOS = ['rolled', 'frozen', 'closing', 'flood', 'stalled'] as const;

describe('Docker Content Trust under attack (service)', () => {
  let world: SigningWorld;
  let notary: NotaryServer;
  let proxy: ReplayProxy;
  let cli: NotaryCli;
  let svc: TestService;
  let api: ApiServerClient;
  let skew = 0;
  const img: Record<string, PushedImage> = {};
  const start = Date.now();

  const gun = (name: string) => `${world.registry.host}/dct/${name}`;
  const tuf = (name: string, file: string) => `/v2/${gun(name)}/_trust/tuf/${file}.json`;
  const review = (image: string, timeoutSeconds?: number) =>
    api.review(podReview({ images: [image] }), {
      ...(timeoutSeconds !== undefined && { timeoutSeconds }),
    });
  const byDigest = (name: string, image = img[name]!) => `${gun(name)}@${image.digest}`;
  /** What the proxy recorded for one GUN so far: a generation of its trust data. */
  const generation = (name: string) =>
    new Map([...proxy.recorded].filter(([p]) => p.startsWith(`/v2/${gun(name)}/`)));

  beforeAll(async () => {
    [world, notary] = await Promise.all([
      startSigningWorld({ kind: 'distribution' }),
      startNotaryServer(),
    ]);
    proxy = await startReplayProxy(notary.url);
    cli = notaryClient(notary);
    for (const name of REPOS) {
      img[name] = await world.push(`dct/${name}`);
      await cli.init(gun(name));
      await cli.addHash(gun(name), 'v1', img[name]);
    }
    img['rolled-next'] = await pushImage(world.registry, 'dct/rolled', { tag: 'v2' });
    const dct = { server: proxy.url, trustStore: 'hub' };
    const config = path.join(makeWorkdir('webhook-dct-attacks'), 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        policies: {
          migrating: { dct: { ...dct, until: new Date(start + 60 * DAY).toISOString() } },
          closing: { dct: { ...dct, until: new Date(start + 7 * DAY).toISOString() } },
        },
      }),
    );
    svc = await startTestService({
      trustPolicy: {
        version: '1.0',
        trustPolicies: [
          statement(
            'migrating',
            REPOS.filter((n) => n !== 'closing').map((n) => gun(n)),
          ),
          statement('closing', [gun('closing')]),
        ],
      },
      trustStores: {
        ...world.serviceStores,
        notaryV1Root: { hub: REPOS.map((n) => notaryRootCertificate(cli, gun(n))) },
      },
      flags: [
        '--config',
        config,
        ...world.serviceFlags,
        '--insecure-registry',
        new URL(proxy.url).host,
        '--no-mutating-webhook',
        // Every review is computed again: no cached failure hides what the next answer says.
        '--cache-failure-ttl',
        '0s',
      ],
      overrides: { now: () => Date.now() + skew },
    });
    api = svc.client();
  });
  afterEach(() => {
    skew = 0;
    proxy.replay.clear();
    proxy.hold.clear();
    proxy.flood.clear();
    proxy.release();
  });
  afterAll(async () => {
    await svc?.close();
    await proxy?.stop();
    await Promise.all([world?.stop(), notary?.stop()]);
  });

  describe('when older trust data is replayed after the publisher revoked a tag', () => {
    let first: Map<string, Buffer>;
    beforeAll(async () => {
      expect((await review(`${gun('rolled')}:v1`)).kind).toBe('admitted');
      first = generation('rolled');
      // The publisher revokes v1 (its digest is no target any more) and signs v2.
      await cli.run(['remove', gun('rolled'), 'v1', '-p']);
      await cli.addHash(gun('rolled'), 'v2', img['rolled-next']!);
      expect((await review(`${gun('rolled')}:v2`)).kind).toBe('admitted');
    });

    it('denies the revoked digest with DCT_ROLLBACK for the older timestamp', async () => {
      proxy.replay.set(tuf('rolled', 'timestamp'), first.get(tuf('rolled', 'timestamp'))!);
      const outcome = await review(byDigest('rolled'));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(/ \[DCT_ROLLBACK\]$/);
    });

    it('denies it with DCT_HASH_MISMATCH for the older targets under the current snapshot (mix and match)', async () => {
      const current = [...generation('rolled').keys()].find(
        (p) => p.includes('/targets.') && !first.has(p),
      )!;
      const older = [...first].find(([p]) => p.includes('/targets.'))![1];
      proxy.replay.set(current, older);
      const outcome = await review(byDigest('rolled'));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(/ \[DCT_HASH_MISMATCH\]$/);
    });

    it('denies it with DCT_TARGET_NOT_FOUND from the current trust data', async () => {
      const outcome = await review(byDigest('rolled'));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(/ \[DCT_TARGET_NOT_FOUND\]$/);
    });
  });

  describe('when the trust data is frozen at a generation this replica last saw', () => {
    it('admits only until the frozen metadata expires, then denies with DCT_EXPIRED', async () => {
      expect((await review(`${gun('frozen')}:v1`)).kind).toBe('admitted');
      const frozen = generation('frozen');
      await cli.run(['remove', gun('frozen'), 'v1', '-p']);
      for (const [p, body] of frozen) proxy.replay.set(p, body);
      // Within its validity a freeze is what TUF bounds by expiry (notary-server: 14 days).
      expect((await review(byDigest('frozen'))).kind).toBe('admitted');
      skew = 15 * DAY;
      const outcome = await review(byDigest('frozen'));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(/ \[DCT_EXPIRED\]$/);
    });
  });

  describe('when the window closes after an image was admitted', () => {
    it('denies it with DCT_WINDOW_CLOSED, though its pass was cached, and asks no Notary server', async () => {
      expect((await review(`${gun('closing')}:v1`)).kind).toBe('admitted');
      skew = 8 * DAY;
      const asked = proxy.counts.requests;
      const outcome = await review(`${gun('closing')}:v1`);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(/ \[DCT_WINDOW_CLOSED\]$/);
      expect(proxy.counts.requests).toBe(asked);
    });
  });

  describe('when the server answers with more than any metadata file is', () => {
    it('denies with TOO_LARGE and stops reading', async () => {
      proxy.flood.set(tuf('flood', 'timestamp'), 256 * 1024 * 1024);
      const outcome = await review(`${gun('flood')}:v1`);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(
        /Docker Content Trust \(http:[^)]+\): trust data \S+timestamp\.json from \S+ is larger than the 65536-byte limit \[TOO_LARGE\]$/,
      );
      // The timestamp's bound is 64 KiB; what the sockets buffered on top stays far below the flood.
      expect(proxy.counts.flooded).toBeLessThan(16 * 1024 * 1024);
    });
  });

  describe('when the server stalls', () => {
    it('denies as inconclusive (onError Deny), never admits, and admits once it answers', async () => {
      proxy.hold.add(tuf('stalled', 'timestamp'));
      const outcome = await review(`${gun('stalled')}:v1`, 2);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(
        /could not verify under policy "migrating" — registry timeout: \S+ or Notary server http:\S+ did not answer before the review deadline \[TIMEOUT\]$/,
      );
      proxy.hold.clear();
      proxy.release();
      expect((await review(`${gun('stalled')}:v1`)).kind).toBe('admitted');
    });
  });
});
