// Issue 13 item 10: a registry the configuration names (here `--insecure-registry`) is trusted
// configuration and is reached wherever it resolves, loopback included, through the real service
// started WITHOUT `--allow-private-network`. The same registry under a name no configuration
// lists (`localhost:PORT`) stays refused, and the denial names the settings that would allow it.
// The policy says `onError: Allow`: a refused address is no outage, so it must still be denied
// (else whoever writes a Pod spec names an in-cluster registry and gets an unverified image in).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../support/api-server.js';
import { makeWorkdir } from '../harness/workdir.js';
import { podReview } from '../support/reviews.js';
import { startBareService, type BareService } from './support/bare-service.js';
import { POLICY, startWorld, type ReliabilityWorld } from './support/world.js';

const FIELD = 'spec.containers[0].image';

let world: ReliabilityWorld;
let svc: BareService;
let port: string;

beforeAll(async () => {
  world = await startWorld({ signed: 1, unsigned: 1, prefix: 'configured' });
  port = world.registry.host.split(':')[1]!;
  const config = path.join(makeWorkdir('configured-registry'), 'config.json');
  await writeFile(config, JSON.stringify({ policies: { [POLICY]: { onError: 'Allow' } } }));
  svc = await startBareService({
    trustPolicy: world.trustPolicy,
    roots: [world.pki.root.pem],
    // The harness registry listens on 127.0.0.1: named here, and no private network allowed.
    flags: ['--insecure-registry', world.registry.host, '--config', config],
  });
});
afterAll(async () => {
  await svc?.close();
  await world?.stop();
});

const review = (image: string): Promise<Outcome> =>
  svc.client().review(podReview({ images: [image] }));

describe('a registry named in configuration (service, no --allow-private-network)', () => {
  describe('when it is named in --insecure-registry and listens on loopback', () => {
    it('admits the notation-signed image and denies the unsigned one by its signature', async () => {
      const ok = await review(world.signed[0]!.reference);
      expect(ok.kind, ok.response?.status?.message).toBe('admitted');
      const bad = await review(world.unsigned[0]!.reference);
      expect(bad.kind).toBe('denied');
      expect(bad.response?.status?.message).toMatch(/ \[SIGNATURE_NOT_FOUND\]$/);
    });
  });

  describe('when another loopback host names the same registry but no configuration lists it', () => {
    it('denies it as NOT_ALLOWED under onError: Allow, naming the settings that would allow it', async () => {
      const image = world.via(`localhost:${port}`, world.signed[0]!);
      const o = await review(image);
      expect(o.kind).toBe('denied');
      const digest = `${world.signed[0]!.digest.slice(0, 19)}…`;
      // localhost may resolve to 127.0.0.1 or ::1 first: either is loopback.
      expect(o.response?.status?.message).toMatch(
        new RegExp(
          `^${escape(`${FIELD} "${image}" (${digest}): not verified under policy "${POLICY}" — registry not allowed: localhost (`)}` +
            `(127\\.0\\.0\\.1|::1)` +
            escape(
              `) is a loopback address and is not in the allowed networks; name localhost:${port} ` +
                'in --insecure-registry, --registry-ca or --registry-credentials, or allow the ' +
                'range with --allow-private-network (chart: config.allowPrivateNetworks) [NOT_ALLOWED]',
            ) +
            '$',
        ),
      );
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
