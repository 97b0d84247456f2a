import { describe, expect, it } from 'vitest';
import { verified } from './client.js';

const review = (uid: string, allowed: boolean): string =>
  JSON.stringify({ apiVersion: 'admission.k8s.io/v1', response: { uid, allowed } });
const provider = (items: unknown[], systemError?: string): string =>
  JSON.stringify({ response: { items, ...(systemError && { systemError }) } });
const ok = { key: 'r', value: { isSuccess: true } };

describe('verified', () => {
  describe('when the answer is an AdmissionReview', () => {
    it('returns true only for allowed with the request uid and HTTP 200', () => {
      expect(verified('admission', 200, review('u1', true), 'u1')).toBe(true);
      expect(verified('admission', 200, review('u1', false), 'u1')).toBe(false);
      expect(verified('admission', 200, review('u0', true), 'u1')).toBe(false);
      expect(verified('admission', 500, review('u1', true), 'u1')).toBe(false);
    });
  });
  describe('when the answer is an external-data ProviderResponse', () => {
    it('returns true only if there are items and every one succeeded', () => {
      expect(verified('externaldata', 200, provider([ok, ok]), '')).toBe(true);
      expect(verified('externaldata', 200, provider([]), '')).toBe(false);
      const failed = { key: 'r', value: { isSuccess: false } };
      expect(verified('externaldata', 200, provider([ok, failed]), '')).toBe(false);
      expect(verified('externaldata', 200, provider([{ key: 'r', error: 'x' }]), '')).toBe(false);
      expect(verified('externaldata', 200, provider([ok], 'boom'), '')).toBe(false);
    });
  });
});
