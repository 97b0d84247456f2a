import { describe, expect, it } from 'vitest';
import {
  AdmissionReviewError,
  admissionReviewResponse,
  parseAdmissionReview,
  reviewBudgetMs,
} from './admission-review.js';

const review = (request: unknown): unknown => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request,
});
const pod = {
  uid: 'u-1',
  kind: { group: '', version: 'v1', kind: 'Pod' },
  operation: 'CREATE',
  namespace: 'apps',
  object: { spec: {} },
};

describe('parseAdmissionReview', () => {
  it('reads the fields the webhook uses', () => {
    expect(
      parseAdmissionReview(review({ ...pod, dryRun: true, subResource: 'ephemeralcontainers' })),
    ).toEqual({
      uid: 'u-1',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      operation: 'CREATE',
      subResource: 'ephemeralcontainers',
      namespace: 'apps',
      dryRun: true,
      object: { spec: {} },
      oldObject: undefined,
    });
  });

  describe('when the body is not an AdmissionReview v1', () => {
    it.each([
      ['not an object', 'x', /must be a JSON object/],
      [
        'v1beta1',
        { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: pod },
        /only admissionReviewVersions \[v1\]/,
      ],
      [
        'no request',
        { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
        /request must be an object/,
      ],
      ['no uid', review({ ...pod, uid: '' }), /request.uid must be a non-empty string/],
      ['no kind', review({ ...pod, kind: 'Pod' }), /request.kind must be an object/],
    ])('throws AdmissionReviewError for %s', (_name, body, message) => {
      expect(() => parseAdmissionReview(body)).toThrow(AdmissionReviewError);
      expect(() => parseAdmissionReview(body)).toThrow(message);
    });
  });
});

describe('admissionReviewResponse', () => {
  it('echoes the uid and answers a denial as 403 Forbidden with the message', () => {
    expect(admissionReviewResponse({ uid: 'u-1', allowed: false, message: 'no [X]' })).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: 'u-1',
        allowed: false,
        status: { code: 403, reason: 'Forbidden', message: 'no [X]' },
      },
    });
  });

  it('carries warnings, audit annotations and a base64 JSONPatch only when there are some', () => {
    const allowed = admissionReviewResponse({
      uid: 'u',
      allowed: true,
      warnings: [],
      auditAnnotations: {},
      patch: [],
    });
    expect(allowed.response).toEqual({ uid: 'u', allowed: true });
    const patched = admissionReviewResponse({
      uid: 'u',
      allowed: true,
      patch: [{ op: 'replace', path: '/a', value: 'b' }],
    });
    expect(patched.response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(patched.response.patch!, 'base64').toString())).toEqual([
      { op: 'replace', path: '/a', value: 'b' },
    ]);
  });
});

describe('reviewBudgetMs', () => {
  const o = { defaultMs: 10_000, marginMs: 200, minMs: 100 };
  it.each([
    ['10s', 9_800],
    ['2s', 1_800],
    ['1500ms', 1_300],
    ['1m', 59_800],
    [undefined, 9_800],
    ['nonsense', 9_800],
    ['0s', 100],
  ])('gives %s → %d ms', (param, ms) => {
    expect(reviewBudgetMs(param, o)).toBe(ms);
  });
});
