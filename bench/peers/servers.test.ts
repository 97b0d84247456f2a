import { describe, expect, it } from 'vitest';
import { admissionBody, providerBody } from './servers.js';

const refs = ['127.0.0.1:5000/a@sha256:' + 'a'.repeat(64), '127.0.0.1:5000/b:v1'];

describe('admissionBody', () => {
  describe('when a uid fills its slot', () => {
    it('returns an AdmissionReview of a Pod with those images and that uid', () => {
      const body = admissionBody(refs);
      const review = JSON.parse(`${body.prefix}u-123${body.suffix}`) as {
        kind: string;
        request: { uid: string; object: { spec: { containers: { image: string }[] } } };
      };
      expect(review.kind).toBe('AdmissionReview');
      expect(review.request.uid).toBe('u-123');
      expect(review.request.object.spec.containers.map((c) => c.image)).toEqual(refs);
    });
  });
});

describe('providerBody', () => {
  describe('when built for image references', () => {
    it('returns a ProviderRequest whose keys are the references, with no uid slot', () => {
      const body = providerBody(refs);
      expect(body.suffix).toBe('');
      expect(JSON.parse(body.prefix)).toEqual({
        apiVersion: 'externaldata.gatekeeper.sh/v1alpha1',
        kind: 'ProviderRequest',
        request: { keys: refs },
      });
    });
  });
});
