// What every cloud flow's test needs: a harness registry that accepts only the credentials the
// cloud flow yields (one user: the cloud's username and the token it hands out), one image pushed
// and signed there with the real notation CLI, and the trust policy that trusts its signer.
import { expect, vi } from 'vitest';
import { makePki, notationSign, pushImage, startRegistry } from '../../harness/index.js';
import type { PushedImage, Registry, RegistryAuth } from '../../harness/index.js';
import { podReview } from '../../support/reviews.js';
import type { TestService, TrustStoreFiles } from '../../support/service.js';

export interface CloudWorld {
  registry: Registry;
  image: PushedImage;
  trustPolicy: unknown;
  trustStores: TrustStoreFiles;
  stop(): Promise<void>;
}

export async function startCloudWorld(o: {
  auth: RegistryAuth;
  username: string;
  password: string;
}): Promise<CloudWorld> {
  const [registry, pki] = await Promise.all([
    startRegistry({
      kind: 'olareg',
      auth: o.auth,
      users: [{ username: o.username, password: o.password }],
    }),
    makePki({ key: 'ec-p256', name: 'Cloud Signer' }),
  ]);
  const image = await pushImage(registry, 'apps/api', { credentials: registry.credentials });
  await notationSign(image.reference, registry, {
    key: pki.leaf.keyPath,
    certChain: pki.chainPath,
    format: 'jws',
    referrersApi: true,
  });
  const statement = {
    name: 'cloud',
    registryScopes: ['*'],
    signatureVerification: { level: 'strict' },
    trustStores: ['ca:trusted'],
    trustedIdentities: ['*'],
  };
  return {
    registry,
    image,
    trustPolicy: { version: '1.0', trustPolicies: [statement] },
    trustStores: { ca: { trusted: [pki.root.pem] } },
    stop: () => registry.stop(),
  };
}

/** One Pod with the image at `host`: admitted or denied, its audit annotation and message. */
export async function reviewAt(svc: TestService, host: string, image: PushedImage) {
  const reference = `${host}/${image.repository}@${image.digest}`;
  const outcome = await svc.client().review(podReview({ images: [reference] }));
  return {
    kind: outcome.kind,
    audit: outcome.response?.auditAnnotations?.['image-0'] ?? '',
    message: outcome.message ?? '',
  };
}

/**
 * The credential refreshed ahead of expiry, `review` admitted throughout: the first review fetches
 * it (`fetches()` 1); at `fresh` ms on the clock the one in hand still serves (still 1); at `stale`
 * ms (past the refresh point) the review is admitted and a second fetch follows (2).
 */
export async function expectRefreshAhead(
  review: () => Promise<{ kind: string }>,
  clock: { offset: number },
  fetches: () => number,
  at: { fresh: number; stale: number },
): Promise<void> {
  expect((await review()).kind).toBe('admitted');
  expect(fetches()).toBe(1);
  clock.offset = at.fresh;
  expect((await review()).kind).toBe('admitted');
  expect(fetches()).toBe(1);
  clock.offset = at.stale;
  expect((await review()).kind).toBe('admitted');
  await vi.waitFor(() => expect(fetches()).toBe(2));
}
