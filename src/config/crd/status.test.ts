import { describe, expect, it } from 'vitest';
import { MAX_CONDITION_MESSAGE, policyStatus, storeStatus } from './status.js';
import type { Condition, StoreVerdict, TrustPolicyObject, TrustStoreObject } from './types.js';

const T0 = new Date('2026-11-22T10:00:00.123Z');
const T1 = new Date('2026-11-22T11:30:00Z');
const READY = {
  ready: true,
  reason: 'Valid',
  message: 'the policy is valid and active',
  observedGeneration: 4,
};
const NOT_FOUND = {
  ready: false,
  reason: 'TrustStoreNotFound',
  message: 'spec.trustStores: TrustStore "x" not found',
  observedGeneration: 4,
};

const condition = (over: Partial<Condition> = {}): Condition => ({
  type: 'Ready',
  status: 'True',
  reason: 'Valid',
  message: 'the policy is valid and active',
  lastTransitionTime: '2026-11-22T10:00:00Z',
  observedGeneration: 4,
  ...over,
});

const policy = (status?: TrustPolicyObject['status']): TrustPolicyObject => ({
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustPolicy',
  metadata: { name: 'app', generation: 4 },
  spec: { registryScopes: ['*'], signatureVerification: { level: 'strict' } },
  ...(status && { status }),
});

describe('policyStatus', () => {
  describe('when the object has no status', () => {
    it('returns a Ready condition stamped now (seconds) and the observed generation', () => {
      expect(policyStatus(policy(), READY, T0)).toEqual({
        observedGeneration: 4,
        conditions: [condition()],
        signerGroups: 1,
        referrerRequirements: 0,
      });
    });
  });

  describe('when the status already says it', () => {
    it('returns undefined (no write)', () => {
      expect(
        policyStatus(
          policy({
            observedGeneration: 4,
            conditions: [condition()],
            signerGroups: 1,
            referrerRequirements: 0,
          }),
          READY,
          T1,
        ),
      ).toBeUndefined();
    });
  });

  describe('when only the message or generation changed', () => {
    it('returns the new status keeping the old lastTransitionTime', () => {
      const current = policy({
        observedGeneration: 3,
        conditions: [condition({ observedGeneration: 3 })],
      });
      expect(policyStatus(current, READY, T1)).toEqual({
        observedGeneration: 4,
        conditions: [condition()],
        signerGroups: 1,
        referrerRequirements: 0,
      });
    });
  });

  describe('when Ready flips', () => {
    it('returns the new condition with lastTransitionTime now', () => {
      const current = policy({ observedGeneration: 4, conditions: [condition()] });
      expect(policyStatus(current, NOT_FOUND, T1)).toEqual({
        observedGeneration: 4,
        conditions: [
          condition({
            status: 'False',
            reason: 'TrustStoreNotFound',
            message: NOT_FOUND.message,
            lastTransitionTime: '2026-11-22T11:30:00Z',
          }),
        ],
        signerGroups: 1,
        referrerRequirements: 0,
      });
    });
  });

  describe('when the spec requires signed referrers', () => {
    it('returns how many, for the printer column', () => {
      const object = policy();
      object.spec.requiredReferrers = [
        { artifactType: 'application/spdx+json', signer: 'app' },
        { artifactType: 'application/sarif+json', signer: 'app', maxAge: '168h' },
      ];
      expect(policyStatus(object, READY, T0)?.referrerRequirements).toBe(2);
    });
  });

  describe('when the spec lists signer groups', () => {
    it('returns how many, for the printer column (1 without signers, 0 for skip)', () => {
      const object = policy();
      expect(policyStatus(object, READY, T0)?.signerGroups).toBe(1);
      object.spec.signers = [
        { name: 'vendor', trustStores: ['ca:vendor'], trustedIdentities: ['*'] },
        { name: 'org', trustStores: ['ca:org'], trustedIdentities: ['*'] },
      ];
      expect(policyStatus(object, READY, T0)?.signerGroups).toBe(2);
      const skip = policy();
      skip.spec.signatureVerification = { level: 'skip' };
      expect(policyStatus(skip, READY, T0)?.signerGroups).toBe(0);
    });
  });

  describe('when the message is very long', () => {
    it('returns it cut to the limit', () => {
      const long = { ...NOT_FOUND, message: 'x'.repeat(MAX_CONDITION_MESSAGE * 2) };
      const message = policyStatus(policy(), long, T0)?.conditions?.[0]?.message ?? '';
      expect(message).toHaveLength(MAX_CONDITION_MESSAGE);
      expect(message.endsWith('...')).toBe(true);
    });
  });
});

describe('storeStatus', () => {
  const certificates = [
    { subject: 'CN=e2e', sha256Fingerprint: 'ab'.repeat(32), notAfter: '2122-12-19T02:43:39.000Z' },
  ];
  const verdict: StoreVerdict = {
    ready: true,
    reason: 'Valid',
    message: '1 certificate',
    observedGeneration: 1,
    certificates,
  };
  const store = (status?: TrustStoreObject['status']): TrustStoreObject => ({
    apiVersion: 'notary-admission.dev/v1alpha1',
    kind: 'TrustStore',
    metadata: { name: 'e2e', generation: 1 },
    spec: { type: 'ca', certificates: ['…'] },
    ...(status && { status }),
  });

  describe('when the object has no status', () => {
    it('returns the condition, the certificates and their count', () => {
      expect(storeStatus(store(), verdict, T0)).toEqual({
        observedGeneration: 1,
        conditions: [condition({ message: '1 certificate', observedGeneration: 1 })],
        certificates,
        certificateCount: 1,
      });
    });
  });

  describe('when the status already says it', () => {
    it('returns undefined', () => {
      const current = storeStatus(store(), verdict, T0)!;
      expect(storeStatus(store(current), verdict, T1)).toBeUndefined();
    });
  });

  describe('when a certificate was removed', () => {
    it('returns the shorter list with the old lastTransitionTime', () => {
      const current = storeStatus(store(), verdict, T0)!;
      const next = storeStatus(
        store(current),
        { ...verdict, message: '0 certificates', certificates: [] },
        T1,
      );
      expect(next?.certificates).toEqual([]);
      expect(next?.certificateCount).toBe(0);
      expect(next?.conditions?.[0]?.lastTransitionTime).toBe('2026-11-22T10:00:00Z');
    });
  });
});
