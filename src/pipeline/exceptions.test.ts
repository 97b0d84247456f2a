import { describe, expect, it } from 'vitest';
import type { PolicyException } from '../config/snapshot.types.js';
import { applyExceptions, findException } from './exceptions.js';
import type { ImageVerdict } from './image-verdict.js';

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const NOW = 1_000_000;
const denied = (image: string, digest?: string): ImageVerdict => ({
  kind: 'failed',
  image: { image },
  ...(digest && { digest }),
  admission: { policy: 'prod', action: 'Deny', onError: 'Deny' },
  code: 'SIGNATURE_NOT_FOUND',
  reason: 'no signature',
});
const verified = (image: string): ImageVerdict => ({
  kind: 'verified',
  image: { image },
  digest: DIGEST,
  admission: { policy: 'prod', action: 'Deny', onError: 'Deny' },
  logged: [],
});
const exception = (images: PolicyException['images'], over: Partial<PolicyException> = {}) =>
  ({
    namespace: 'team-a',
    name: 'hotfix',
    images,
    covers: () => true,
    reason: 'INC-1',
    expiresAt: NOW + 1,
    ...over,
  }) satisfies PolicyException;
const context = { labels: {}, now: NOW };

describe('findException', () => {
  describe('when the exception names the image by digest', () => {
    const byDigest = exception([{ digest: DIGEST }]);

    it('returns it for a reference pinned to the digest, with or without a tag', () => {
      expect(findException(denied(`ghcr.io/a/b@${DIGEST}`), [byDigest], context)).toBe(byDigest);
      expect(findException(denied(`ghcr.io/a/b:1@${DIGEST}`), [byDigest], context)).toBe(byDigest);
    });

    it('returns nothing for a tag that resolved to that digest (the kubelet pulls whatever the tag names then)', () => {
      expect(findException(denied('ghcr.io/a/b:1', DIGEST), [byDigest], context)).toBeUndefined();
      expect(findException(denied('ghcr.io/a/b:1'), [byDigest], context)).toBeUndefined();
    });

    it('returns nothing in another repository when it names one', () => {
      const narrowed = exception([{ repository: 'ghcr.io/a/b', digest: DIGEST }]);
      expect(findException(denied(`ghcr.io/a/c@${DIGEST}`), [narrowed], context)).toBeUndefined();
    });
  });

  describe('when the exception names a repository and tag', () => {
    const byTag = exception([{ repository: 'docker.io/library/nginx', tag: '1.27' }]);

    it('returns it for the tag in any spelling of the repository', () => {
      expect(findException(denied('nginx:1.27'), [byTag], context)).toBe(byTag);
      expect(findException(denied('index.docker.io/nginx:1.27'), [byTag], context)).toBe(byTag);
    });

    it('returns it for the tag pinned to the digest the cluster layer verified (what /mutate pins)', () => {
      const pinned = `index.docker.io/nginx:1.27@${DIGEST}`;
      const teamDenied: ImageVerdict = {
        ...denied(pinned, DIGEST),
        admission: { policy: 'team-a/signer', action: 'Deny', onError: 'Deny' },
        layer: 'namespace',
        also: { ...verified(pinned), layer: 'cluster' },
      };
      expect(findException(teamDenied, [byTag], context)).toBe(byTag);
    });

    it('returns nothing for the tag pinned to a digest the cluster layer denied (any content of the repository)', () => {
      // A Pod writer chooses the digest: `nginx:1.27@sha256:<anything>` pulls that digest, not the tag.
      expect(
        findException(denied(`nginx:1.27@${DIGEST}`, DIGEST), [byTag], context),
      ).toBeUndefined();
    });

    it('returns nothing for another tag, or by digest alone', () => {
      expect(findException(denied('nginx:1.28'), [byTag], context)).toBeUndefined();
      expect(findException(denied(`nginx@${DIGEST}`), [byTag], context)).toBeUndefined();
    });
  });

  describe("when the Pod's labels are unknown", () => {
    it('returns nothing, even for a selector that covers every Pod', () => {
      const all = exception([{ digest: DIGEST }]);
      const unknown = { labels: undefined, now: NOW };
      expect(findException(denied(`ghcr.io/a/b@${DIGEST}`), [all], unknown)).toBeUndefined();
    });
  });

  describe('when the exception has expired or does not cover the Pod', () => {
    it('returns nothing from its instant on, and nothing for Pods its selector misses', () => {
      const e = exception([{ digest: DIGEST }], { expiresAt: NOW });
      expect(findException(denied(`ghcr.io/a/b@${DIGEST}`), [e], context)).toBeUndefined();
      const other = exception([{ digest: DIGEST }], { covers: (l) => l['app'] === 'web' });
      expect(findException(denied(`ghcr.io/a/b@${DIGEST}`), [other], context)).toBeUndefined();
    });
  });
});

describe('applyExceptions', () => {
  describe('when an image is admitted anyway', () => {
    it('returns it untouched (the exception is not used)', () => {
      const [v] = applyExceptions(
        [verified(`ghcr.io/a/b@${DIGEST}`)],
        [exception([{ digest: DIGEST }])],
        context,
      );
      expect(v!.exception).toBeUndefined();
    });
  });

  describe('when a denied image is covered', () => {
    it('returns it with the exception named', () => {
      const [v] = applyExceptions(
        [denied(`ghcr.io/a/b@${DIGEST}`)],
        [exception([{ digest: DIGEST }], { uid: 'u' })],
        context,
      );
      expect(v!.exception).toEqual({
        namespace: 'team-a',
        name: 'hotfix',
        uid: 'u',
        reason: 'INC-1',
        expiresAt: NOW + 1,
      });
    });
  });
});
