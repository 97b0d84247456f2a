// T-55 (reliability.md §5 H, Threat 13) scope normalisation through the service: the four ways
// to write Docker Hub's nginx select one statement, and look-alike hosts select none. No registry
// is needed: the policy a review names (in the denial, the warning or the audit annotation) says
// which statement applied; the resolver records any name the service tried to reach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki } from '../harness/index.js';
import type { Outcome } from '../support/api-server.js';
import { podReview } from '../support/reviews.js';
import { startBareService, type BareService } from './support/bare-service.js';

const DIGEST = `sha256:${'c0'.repeat(32)}`;
const NGINX = [
  'nginx',
  'docker.io/library/nginx',
  'index.docker.io/library/nginx',
  `docker.io/library/nginx:1@${DIGEST}`,
];
const LOOKALIKES = ['registry.example.com.evil.io/app', 'registry.example.com:5000/app'];
const FIELD = 'spec.containers[0].image';

const statement = (name: string, scopes: string[], level: string) => ({
  name,
  registryScopes: scopes,
  signatureVerification: { level },
  ...(level !== 'skip' && { trustStores: ['ca:acme'], trustedIdentities: ['*'] }),
});
const policy = (...statements: unknown[]) => ({ version: '1.0', trustPolicies: statements });

let svc: BareService;
const asked: string[] = [];

beforeAll(async () => {
  const pki = await makePki({ key: 'ec-p256', name: 'Scope Root' });
  svc = await startBareService({
    trustPolicy: policy(
      statement('hub-nginx', ['docker.io/library/nginx'], 'strict'),
      statement('example-app', ['registry.example.com/app'], 'skip'),
    ),
    roots: [pki.root.pem],
    // No private network: a name resolving to loopback is refused before any connection.
    flags: [],
    overrides: {
      resolver: (name) => {
        asked.push(name);
        return Promise.resolve(['127.0.0.1']);
      },
    },
  });
});
afterAll(async () => {
  await svc?.close();
});

const review = (image: string): Promise<Outcome> =>
  svc.client().review(podReview({ images: [image] }));
const message = (o: Outcome) => o.response?.status?.message ?? '';
const skipped = (image: string, by: string) => ({
  'image-0': `${FIELD} ${image}: not verified: policy "${by}" skips verification`,
});

describe('T-55 scope normalisation (service)', () => {
  it('T-55 nginx, docker.io/library/nginx, index.docker.io/library/nginx and nginx:1@sha256 select the same statement', async () => {
    for (const image of NGINX) {
      const o = await review(image);
      expect(o.kind, image).toBe('denied');
      // strict: the service goes to Docker Hub, whose (test) address is loopback: refused.
      const digest = image.includes('@') ? `${DIGEST.slice(0, 19)}…` : 'digest unknown';
      expect(message(o), image).toBe(
        `${FIELD} "${image}" (${digest}): not verified under policy "hub-nginx" — registry ` +
          'not allowed: registry-1.docker.io (127.0.0.1) is a loopback address and is not in ' +
          'the allowed networks; name registry-1.docker.io in --insecure-registry, --registry-ca ' +
          'or --registry-credentials, or allow the range with --allow-private-network (chart: ' +
          'config.allowPrivateNetworks) [NOT_ALLOWED]',
      );
    }
    expect(new Set(asked)).toEqual(new Set(['registry-1.docker.io']));
  });

  it('T-55 registry.example.com/app selects its skip statement, with no network I/O', async () => {
    asked.length = 0;
    const o = await review('registry.example.com/app:1');
    expect(o.kind).toBe('admitted');
    expect(o.response?.auditAnnotations).toEqual(
      skipped('registry.example.com/app:1', 'example-app'),
    );
    expect(asked).toEqual([]);
  });

  it('T-55 registry.example.com.evil.io/app and registry.example.com:5000/app match no statement', async () => {
    asked.length = 0;
    for (const image of LOOKALIKES) {
      const o = await review(image);
      expect(message(o), image).toBe(
        `${FIELD} "${image}" (digest unknown): no trust policy applies to ${image} [NO_APPLICABLE_POLICY]`,
      );
    }
    expect(asked).toEqual([]);
  });

  it('T-55 registry.example.com:5000/app matches once a statement names it; the look-alike still does not', async () => {
    await svc.writePolicy(
      policy(
        statement('hub-nginx', ['docker.io/library/nginx'], 'skip'),
        statement('example-app', ['registry.example.com/app'], 'skip'),
        statement('example-5000', ['registry.example.com:5000/app'], 'skip'),
      ),
    );
    asked.length = 0;
    const port = await review('registry.example.com:5000/app');
    expect(port.response?.auditAnnotations).toEqual(
      skipped('registry.example.com:5000/app', 'example-5000'),
    );
    const evil = await review('registry.example.com.evil.io/app');
    expect(message(evil)).toMatch(/ \[NO_APPLICABLE_POLICY\]$/);
    // And with nginx skipped, all four spellings are skipped by the same statement.
    for (const image of NGINX) {
      const o = await review(image);
      expect(o.response?.auditAnnotations, image).toEqual(skipped(image, 'hub-nginx'));
    }
    expect(asked).toEqual([]);
  });
});
