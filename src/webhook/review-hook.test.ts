import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../config/snapshot.types.js';
import type { VerifyImage } from '../pipeline/index.js';
import { podReview } from '../../test/support/reviews.js';
import { createReviewHandler, type Reviewed } from './review.js';

const snapshot = {
  revision: 'r',
  source: 'test',
  documentFor: () => ({ version: '1.0', trustPolicies: [] }),
  trustStores: new Map(),
  admission: (policy: string) => ({ policy, action: 'Deny', onError: 'Deny', mutateDigest: false }),
  noMatch: 'Deny',
} as unknown as Snapshot;

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Every image fails as no policy governs it (the pipeline's own verdict). */
const verifyImage: VerifyImage = (image) =>
  Promise.resolve({
    kind: 'failed',
    image,
    admission: { policy: '(none)', action: 'Deny', onError: 'Deny' },
    code: 'NO_APPLICABLE_POLICY',
    reason: 'no trust policy applies',
  });

describe('createReviewHandler onReviewed', () => {
  describe('when a review is answered', () => {
    it('is told of it after the answer is returned, with the verdicts', async () => {
      const heard: Reviewed[] = [];
      const handle = createReviewHandler({
        verifyImage,
        policies: () => snapshot,
        budget: { defaultMs: 1_000, marginMs: 0, minMs: 100 },
        onReviewed: (r) => heard.push(r),
      });
      const reply = await handle({ body: podReview(), timeout: '5s', webhook: 'validate', log });
      expect(reply.status).toBe(200);
      expect(heard).toEqual([]);
      await new Promise((r) => setImmediate(r));
      expect(heard).toHaveLength(1);
      expect(heard[0]).toMatchObject({ webhook: 'validate', problems: [] });
      expect(heard[0]!.verdicts[0]).toMatchObject({ kind: 'failed', code: 'NO_APPLICABLE_POLICY' });
    });
  });

  describe('when the listener throws', () => {
    it('leaves the answer as it was', async () => {
      const handle = createReviewHandler({
        verifyImage,
        policies: () => snapshot,
        budget: { defaultMs: 1_000, marginMs: 0, minMs: 100 },
        onReviewed: () => {
          throw new Error('bug');
        },
      });
      const reply = await handle({ body: podReview(), timeout: '5s', webhook: 'validate', log });
      await new Promise((r) => setImmediate(r));
      expect(reply.status).toBe(200);
    });
  });
});
