// Issue 17's Events: a namespace layer's outcome relates to the NamespaceTrustPolicy; an
// exception's admission is one ImageExcepted Event related to the exception.
import { describe, expect, it } from 'vitest';
import { podReview } from '../../test/support/reviews.js';
import { parseAdmissionReview } from './admission-review.js';
import type { ImageVerdict } from './decision.js';
import { reviewEvents } from './review-events.js';

const at = { fieldPath: 'spec.containers[0].image', image: 'registry.example.com/app/api:1.0' };
const DIGEST = `sha256:${'b'.repeat(64)}`;
const request = parseAdmissionReview(podReview({ namespace: 'team-a', name: 'api' }));
const teamFailed = (action: 'Deny' | 'Warn'): ImageVerdict => ({
  kind: 'failed',
  image: at,
  digest: DIGEST,
  admission: { policy: 'team-a/signer', action, onError: 'Deny' },
  code: 'IDENTITY_UNTRUSTED',
  reason: 'signer is not in trustedIdentities',
  layer: 'namespace',
  also: {
    kind: 'verified',
    image: at,
    digest: DIGEST,
    admission: { policy: 'prod', action: 'Deny', onError: 'Deny' },
    logged: [],
    layer: 'cluster',
  },
});

describe('reviewEvents', () => {
  describe('when the namespace layer warns', () => {
    it('returns an ImageWarned Event related to the NamespaceTrustPolicy', () => {
      const [event, ...rest] = reviewEvents(request, [teamFailed('Warn')], []);
      expect(rest).toEqual([]);
      expect(event).toMatchObject({
        reason: 'ImageWarned',
        related: { kind: 'NamespaceTrustPolicy', namespace: 'team-a', name: 'signer' },
      });
      expect(event!.note).toMatch(/\(namespace policy "team-a\/signer"\)$/);
    });
  });

  describe('when the namespace layer denies what the cluster layer verified', () => {
    it('returns one ImageDenied Event related to the NamespaceTrustPolicy, none for the cluster', () => {
      const events = reviewEvents(request, [teamFailed('Deny')], []);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        reason: 'ImageDenied',
        related: { kind: 'NamespaceTrustPolicy', namespace: 'team-a', name: 'signer' },
      });
      expect(events[0]!.note).toContain('[IDENTITY_UNTRUSTED]');
    });
  });

  describe('when both layers warn', () => {
    it('returns one ImageWarned Event per layer, each related to its own policy', () => {
      const clusterWarned: ImageVerdict = {
        kind: 'failed',
        image: at,
        digest: DIGEST,
        admission: { policy: 'prod', action: 'Warn', onError: 'Deny' },
        code: 'SIGNATURE_NOT_FOUND',
        reason: 'no signature',
        layer: 'cluster',
      };
      const both: ImageVerdict = { ...teamFailed('Warn'), also: clusterWarned };
      const events = reviewEvents(request, [both], []);
      expect(events.map((e) => [e.reason, e.related?.kind, e.related?.name])).toEqual([
        ['ImageWarned', 'NamespaceTrustPolicy', 'signer'],
        ['ImageWarned', 'TrustPolicy', 'prod'],
      ]);
    });
  });

  describe('when a dry run is excepted', () => {
    it('returns no Event', () => {
      const dry = parseAdmissionReview(
        podReview({ namespace: 'team-a', name: 'api', dryRun: true }),
      );
      const excepted: ImageVerdict = {
        ...teamFailed('Deny'),
        exception: { namespace: 'team-a', name: 'hotfix', reason: 'INC-9', expiresAt: 0 },
      };
      expect(reviewEvents(dry, [excepted], [])).toEqual([]);
    });
  });

  describe('when an exception admitted a denied image', () => {
    it('returns one ImageExcepted Event related to the exception, with its reason', () => {
      const excepted: ImageVerdict = {
        ...teamFailed('Deny'),
        exception: {
          namespace: 'team-a',
          name: 'hotfix',
          uid: 'u-1',
          reason: 'INC-9',
          expiresAt: Date.parse('2026-11-22T11:00:00Z'),
        },
      };
      const events = reviewEvents(request, [excepted], []);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        reason: 'ImageExcepted',
        action: 'Except',
        type: 'Warning',
        related: { kind: 'TrustPolicyException', namespace: 'team-a', name: 'hotfix', uid: 'u-1' },
        regarding: { kind: 'Pod', name: 'api' },
      });
      expect(events[0]!.note).toContain('admitted by TrustPolicyException team-a/hotfix');
      expect(events[0]!.note).toContain('INC-9');
    });
  });
});
