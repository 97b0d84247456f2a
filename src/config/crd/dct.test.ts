import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { vectorText } from '../../../test/support/vectors.js';
import { compileCluster } from './compile.js';
import { nextDctTransition } from './dct-status.js';
import { policyStatus } from './status.js';
import type {
  ClusterState,
  TrustPolicyObject,
  TrustPolicySpec,
  TrustStoreObject,
} from './types.js';

const E2E_PEM = vectorText('certs/notation-e2e/localkeys/e2e.crt');
const PIN = generateKeyPairSync('ed25519')
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const NOW = new Date('2030-01-01T00:00:00Z');
const OPTIONS = { noMatch: 'Deny', now: NOW, trustNamespace: 'notary-admission' } as const;
const DCT = {
  server: 'https://notary.example.com',
  until: '2030-03-01T00:00:00Z',
  trustStore: 'hub',
};

function policy(spec: Partial<TrustPolicySpec>, name = 'apps'): TrustPolicyObject {
  return {
    apiVersion: 'notary-admission.dev/v1alpha1',
    kind: 'TrustPolicy',
    metadata: { name, generation: 3 },
    spec: {
      registryScopes: ['registry.example.com/apps/api'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:signers'],
      trustedIdentities: ['*'],
      ...spec,
    },
  };
}

const store = (name: string, spec: TrustStoreObject['spec']): TrustStoreObject => ({
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustStore',
  metadata: { name, generation: 1 },
  spec,
});

const SIGNERS = store('signers', { type: 'ca', certificates: [E2E_PEM] });
const HUB = store('hub', { type: 'notaryV1Root', certificates: [PIN, E2E_PEM] });

const state = (p: TrustPolicyObject, stores = [SIGNERS, HUB]): ClusterState => ({
  policies: [p],
  stores,
  secrets: new Map(),
  configMaps: new Map(),
  namespaces: new Map(),
});

describe('compileCluster with spec.dct (issue 18)', () => {
  describe('when the notaryV1Root TrustStore it names is Ready', () => {
    const compiled = compileCluster(state(policy({ dct: DCT })), OPTIONS);

    it('returns the policy Ready with the store’s PEM as the pinned roots', () => {
      expect(compiled.policies.get('apps')).toMatchObject({ ready: true });
      expect(compiled.snapshot.requirements?.('apps')?.dct).toEqual({
        server: 'https://notary.example.com',
        until: '2030-03-01T00:00:00.000Z',
        trustStore: 'hub',
        roots: [PIN, E2E_PEM],
        roles: ['targets/releases', 'targets'],
      });
    });

    it('returns the store Ready, listing its certificate, and keeps it out of the notation stores', () => {
      expect(compiled.stores.get('hub')).toMatchObject({
        ready: true,
        message: '1 root certificate, 1 root public key pinned for Docker Content Trust',
        certificates: [{ subject: expect.stringContaining('CN=e2e') as unknown }],
      });
      expect([...compiled.snapshot.trustStores.keys()]).toEqual(['ca:signers']);
    });

    it('returns another revision when a pin changes', () => {
      const other = store('hub', { type: 'notaryV1Root', certificates: [PIN] });
      const again = compileCluster(state(policy({ dct: DCT }), [SIGNERS, other]), OPTIONS);
      expect(again.snapshot.revision).not.toBe(compiled.snapshot.revision);
    });
  });

  describe('when the store is missing, of another type or not Ready', () => {
    const verdict = (stores: TrustStoreObject[]) =>
      compileCluster(state(policy({ dct: DCT }), stores), OPTIONS).policies.get('apps');

    it('returns the policy not Ready, naming spec.dct.trustStore', () => {
      expect(verdict([SIGNERS])).toMatchObject({
        ready: false,
        reason: 'TrustStoreNotFound',
        message: 'spec.dct.trustStore: TrustStore "hub" not found',
      });
      expect(
        verdict([SIGNERS, store('hub', { type: 'ca', certificates: [E2E_PEM] })]),
      ).toMatchObject({
        reason: 'TrustStoreNotFound',
        message: 'spec.dct.trustStore: TrustStore "hub" has type ca, not notaryV1Root',
      });
      const broken = store('hub', { type: 'notaryV1Root', certificates: ['junk'] });
      expect(verdict([SIGNERS, broken])).toMatchObject({ reason: 'TrustStoreNotReady' });
    });

    it('returns a notation reference to a notaryV1Root store not found', () => {
      const p = policy({ trustStores: ['ca:hub'] });
      expect(compileCluster(state(p), OPTIONS).policies.get('apps')).toMatchObject({
        ready: false,
        reason: 'TrustStoreNotFound',
      });
    });
  });

  describe('when the block cannot stand in for the signature requirement', () => {
    it('returns the policy InvalidSpec', () => {
      const p = policy({ dct: DCT, signedSubject: 'EachPlatform' });
      expect(compileCluster(state(p), OPTIONS).policies.get('apps')).toMatchObject({
        ready: false,
        reason: 'InvalidSpec',
        message: expect.stringContaining('spec.dct: needs signedSubject Index') as unknown,
      });
    });
  });
});

describe('the DCT window conditions', () => {
  const conditions = (until: string, now: Date) => {
    const p = policy({ dct: { ...DCT, until } });
    const verdict = compileCluster(state(p), { ...OPTIONS, now }).policies.get('apps')!;
    return policyStatus(p, verdict, now)!.conditions!.slice(1);
  };

  it('returns both False while the window is open', () => {
    expect(conditions('2030-03-01T00:00:00Z', NOW)).toMatchObject([
      { type: 'DCTWindowClosing', status: 'False', reason: 'Open', observedGeneration: 3 },
      { type: 'DCTWindowClosed', status: 'False', reason: 'Open' },
    ]);
  });

  it('returns DCTWindowClosing True from 14 days before until', () => {
    expect(conditions('2030-01-10T00:00:00Z', NOW)).toMatchObject([
      {
        type: 'DCTWindowClosing',
        status: 'True',
        reason: 'Closing',
        lastTransitionTime: '2030-01-01T00:00:00Z',
      },
      { type: 'DCTWindowClosed', status: 'False' },
    ]);
  });

  it('returns DCTWindowClosed True from until on, naming the denial code', () => {
    expect(conditions('2029-12-31T00:00:00Z', NOW)).toMatchObject([
      { type: 'DCTWindowClosing', status: 'False', reason: 'Closed' },
      {
        type: 'DCTWindowClosed',
        status: 'True',
        message: expect.stringContaining('[DCT_WINDOW_CLOSED]') as unknown,
      },
    ]);
  });

  it('returns no condition for a policy without dct', () => {
    const p = policy({});
    const verdict = compileCluster(state(p), OPTIONS).policies.get('apps')!;
    expect(policyStatus(p, verdict, NOW)!.conditions!.map((c) => c.type)).toEqual(['Ready']);
  });
});

describe('nextDctTransition', () => {
  it('returns the next of 14 days before until and until, across policies', () => {
    const a = policy({ dct: { ...DCT, until: '2030-03-01T00:00:00Z' } }, 'a');
    const b = policy({ dct: { ...DCT, until: '2030-01-10T00:00:00Z' } }, 'b');
    expect(nextDctTransition([a, b], NOW)).toEqual(new Date('2030-01-10T00:00:00Z'));
    expect(nextDctTransition([a], NOW)).toEqual(new Date('2030-02-15T00:00:00Z'));
    expect(nextDctTransition([policy({})], NOW)).toBeUndefined();
  });
});
