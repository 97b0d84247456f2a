import { describe, expect, it } from 'vitest';
import { podReview, workloadReview } from '../../test/support/reviews.js';
import { parseAdmissionReview } from './admission-review.js';
import type { ImageVerdict } from './decision.js';
import { reviewEvents } from './review-events.js';

const IMAGE = 'registry.example.com/app/api:1.0';
const at = { fieldPath: 'spec.containers[0].image', image: IMAGE };
const failed = (action: 'Deny' | 'Warn' | 'Audit'): ImageVerdict => ({
  kind: 'failed',
  image: at,
  digest: `sha256:${'b'.repeat(64)}`,
  admission: { policy: 'prod', action, onError: 'Deny' },
  code: 'SIGNATURE_NOT_FOUND',
  reason: 'no signature is attached',
});

describe('reviewEvents', () => {
  describe('when a Deployment CREATE is denied', () => {
    it('returns an ImageDenied Event on its namespace naming the Deployment, code and policy', () => {
      const request = parseAdmissionReview(
        workloadReview('Deployment', { namespace: 'team', name: 'web' }),
      );
      const [event, ...rest] = reviewEvents(request, [failed('Deny')], []);
      expect(rest).toEqual([]);
      expect(event).toMatchObject({
        regarding: { apiVersion: 'v1', kind: 'Namespace', name: 'team', namespace: 'team' },
        related: { apiVersion: 'notary-admission.dev/v1alpha1', kind: 'TrustPolicy', name: 'prod' },
        object: 'Deployment team/web',
        type: 'Warning',
        reason: 'ImageDenied',
        action: 'Deny',
      });
      expect(event!.note).toBe(
        `Deployment web denied: spec.containers[0].image "${IMAGE}" (sha256:bbbbbbbbbbbb…): no signature is attached [SIGNATURE_NOT_FOUND] (policy "prod")`,
      );
    });
  });

  describe('when a Pod its ReplicaSet creates is denied', () => {
    it('returns the Event on the ReplicaSet, without the Pod’s generated name (one series)', () => {
      const owner = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-5d9f',
        uid: 'rs-uid',
        controller: true,
      };
      const events = ['web-5d9f-aaaaa', 'web-5d9f-bbbbb'].map((name) => {
        const review = podReview({
          namespace: 'team',
          name,
          extra: { metadata: { ownerReferences: [owner] } },
        });
        return reviewEvents(parseAdmissionReview(review), [failed('Deny')], [])[0]!;
      });
      expect(events[0]!.regarding).toEqual({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-5d9f',
        namespace: 'team',
        uid: 'rs-uid',
      });
      expect(events[0]!.object).toBe('ReplicaSet team/web-5d9f');
      expect(events[0]!.note).toBe(events[1]!.note);
    });
  });

  describe('when a Pod is admitted by action Warn or Audit', () => {
    it.each([
      ['Warn', 'ImageWarned'],
      ['Audit', 'ImageAudited'],
    ] as const)('returns an Event on the Pod itself (action %s)', (action, reason) => {
      const review = podReview({ namespace: 'team', name: 'api' });
      const uid = (review.request.object as { metadata: { uid: string } }).metadata.uid;
      const [event] = reviewEvents(parseAdmissionReview(review), [failed(action)], []);
      expect(event).toMatchObject({
        regarding: { apiVersion: 'v1', kind: 'Pod', name: 'api', namespace: 'team', uid },
        reason,
        action,
      });
    });
  });

  describe('when an inconclusive image is allowed by onError', () => {
    it('returns an ImageWarned Event', () => {
      const verdict: ImageVerdict = {
        kind: 'inconclusive',
        image: at,
        admission: { policy: 'prod', action: 'Deny', onError: 'Allow' },
        code: 'TIMEOUT',
        reason: 'registry timeout',
      };
      const [event] = reviewEvents(
        parseAdmissionReview(podReview({ namespace: 'team' })),
        [verdict],
        [],
      );
      expect(event?.reason).toBe('ImageWarned');
    });
  });

  describe('when nothing calls for an Event, or the request is a dry run', () => {
    it('returns none', () => {
      const verified: ImageVerdict = {
        kind: 'verified',
        image: at,
        digest: 'sha256:1',
        admission: { policy: 'prod', action: 'Deny', onError: 'Deny' },
        logged: [],
      };
      expect(reviewEvents(parseAdmissionReview(podReview()), [verified], [])).toEqual([]);
      const dry = parseAdmissionReview(podReview({ dryRun: true }));
      expect(reviewEvents(dry, [failed('Deny')], ['spec.containers'])).toEqual([]);
    });
  });

  describe('when an image cannot be read', () => {
    it('returns an ImageDenied Event with IMAGE_UNREADABLE', () => {
      const request = parseAdmissionReview(podReview({ namespace: 'team', name: 'odd' }));
      const [event] = reviewEvents(request, [], ['spec.containers[1].image']);
      expect(event?.note).toBe(
        'Pod odd denied: spec.containers[1].image: no image reference can be read here [IMAGE_UNREADABLE]',
      );
      expect(event?.related).toBeUndefined();
    });
  });
});
