import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../config/snapshot.types.js';
import type { ImageVerdict } from './decision.js';
import { requirePinned } from './pinning.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const snapshot = (mutateDigest: boolean) =>
  ({
    admission: (policy: string) => ({ policy, action: 'Deny', onError: 'Deny', mutateDigest }),
  }) as unknown as Snapshot;
const verified = (image: string, unchanged = false): ImageVerdict => ({
  kind: 'verified',
  image: { fieldPath: 'spec.containers[0].image', image, ...(unchanged && { unchanged: true }) },
  digest: DIGEST,
  admission: { policy: 'prod', action: 'Deny', onError: 'Deny' },
  logged: [],
});

describe('requirePinned', () => {
  describe('when a verified tag arrives unpinned under mutateDigest', () => {
    it('returns a DIGEST_REQUIRED failure that keeps the digest and the policy', () => {
      expect(requirePinned(verified('r.test/app:1'), snapshot(true))).toMatchObject({
        kind: 'failed',
        digest: DIGEST,
        admission: { policy: 'prod' },
        code: 'DIGEST_REQUIRED',
      });
    });
  });

  describe('when nothing needs pinning', () => {
    it.each([
      ['a digest reference', verified(`r.test/app@${DIGEST}`), true],
      ['a tag with its digest', verified(`r.test/app:1@${DIGEST}`), true],
      ['an unchanged tag of an UPDATE', verified('r.test/app:1', true), true],
      ['a tag under mutateDigest false', verified('r.test/app:1'), false],
    ] as const)('returns %s as it was', (_what, verdict, mutateDigest) => {
      expect(requirePinned(verdict, snapshot(mutateDigest))).toBe(verdict);
    });

    it('returns a failure or a skip as it was (its own reason says more)', () => {
      const image = { fieldPath: 'spec.containers[0].image', image: 'r.test/app:1' };
      const admission = { policy: 'prod', action: 'Deny', onError: 'Deny' } as const;
      const failed: ImageVerdict = { kind: 'failed', image, admission, code: 'X', reason: 'x' };
      const skipped: ImageVerdict = { kind: 'skipped', image, admission };
      expect(requirePinned(failed, snapshot(true))).toBe(failed);
      expect(requirePinned(skipped, snapshot(true))).toBe(skipped);
    });
  });
});
