import { describe, expect, it } from 'vitest';
import { vectorText } from '../../../test/support/vectors.js';
import { compileCluster } from './compile.js';
import type {
  ClusterState,
  TrustPolicyObject,
  TrustPolicySpec,
  TrustStoreObject,
} from './types.js';

const E2E_PEM = vectorText('certs/notation-e2e/localkeys/e2e.crt');
const NEW_E2E_PEM = vectorText('certs/notation-e2e/localkeys/new_e2e.crt');
const OPTIONS = { noMatch: 'Deny', now: new Date(), trustNamespace: 'notary-admission' } as const;
const UBUNTU = 'registry.example.com/apps/ubuntu';

const signers = [
  { name: 'vendor', trustStores: ['ca:vendor'], trustedIdentities: ['*'] },
  {
    name: 'org',
    trustStores: ['ca:org'],
    trustedIdentities: ['*'],
    userMetadata: { buildId: '42' },
  },
];

function policy(spec: Partial<TrustPolicySpec>): TrustPolicyObject {
  return {
    apiVersion: 'notary-admission.dev/v1alpha1',
    kind: 'TrustPolicy',
    metadata: { name: 'ubuntu', generation: 1 },
    spec: { registryScopes: [UBUNTU], signatureVerification: { level: 'strict' }, ...spec },
  };
}

const store = (name: string, pem = E2E_PEM): TrustStoreObject => ({
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustStore',
  metadata: { name, generation: 1 },
  spec: { type: 'ca', certificates: [pem] },
});

const state = (
  p: TrustPolicyObject,
  stores = [store('vendor'), store('org', NEW_E2E_PEM)],
): ClusterState => ({
  policies: [p],
  stores,
  secrets: new Map(),
  configMaps: new Map(),
  namespaces: new Map(),
});

describe('compileCluster with signer groups (issue 14)', () => {
  describe('when a policy lists signer groups whose stores are Ready', () => {
    const compiled = compileCluster(state(policy({ signers })), OPTIONS);

    it('returns it Ready, with its groups as requirements and no trust of its own', () => {
      expect(compiled.policies.get('ubuntu')).toMatchObject({ ready: true, reason: 'Valid' });
      const requirements = compiled.snapshot.requirements?.('ubuntu');
      expect(requirements?.signersRequired).toBe(2);
      expect(requirements?.signers.map((g) => g.statement.name)).toEqual([
        'ubuntu/vendor',
        'ubuntu/org',
      ]);
      expect(requirements?.signers[1]?.userMetadata).toEqual({ buildId: '42' });
      expect(compiled.snapshot.documentFor(undefined).trustPolicies[0]).toMatchObject({
        name: 'ubuntu',
        trustStores: [],
        trustedIdentities: [],
      });
    });

    it('returns every store a group names among the reachable ones', () => {
      expect([...compiled.snapshot.trustStores.keys()].sort()).toEqual(['ca:org', 'ca:vendor']);
    });

    it('returns a new revision when a group changes', () => {
      const other = compileCluster(state(policy({ signers, signersRequired: 1 })), OPTIONS);
      const metadata = compileCluster(
        state(
          policy({ signers: [signers[0]!, { ...signers[1]!, userMetadata: { buildId: '43' } }] }),
        ),
        OPTIONS,
      );
      const revisions = [compiled, other, metadata].map((c) => c.snapshot.revision);
      expect(new Set(revisions).size).toBe(3);
    });
  });

  describe('when a group names a TrustStore that does not exist', () => {
    it('returns TrustStoreNotFound naming the group’s field', () => {
      const compiled = compileCluster(state(policy({ signers }), [store('vendor')]), OPTIONS);
      expect(compiled.policies.get('ubuntu')).toMatchObject({
        ready: false,
        reason: 'TrustStoreNotFound',
        message: 'spec.signers[1].trustStores: TrustStore "org" not found',
      });
      expect(compiled.snapshot.blocked?.(undefined, UBUNTU)?.policy).toBe('ubuntu');
    });
  });

  describe('when the spec is invalid', () => {
    it.each([
      [
        'top-level trust beside signers',
        { signers, trustStores: ['ca:vendor'], trustedIdentities: ['*'] },
        'spec.trustStores: must be absent when signers are given (each signer group has its own); spec.trustedIdentities: must be absent when signers are given (each signer group has its own)',
      ],
      [
        'a group without identities',
        { signers: [{ name: 'org', trustStores: ['ca:org'] }] },
        'spec.signers[0].trustedIdentities: at least one trusted identity is required ("*" or "x509.subject: <DN>") [IDENTITY_INVALID]',
      ],
      [
        'user metadata with skip',
        { signatureVerification: { level: 'skip' as const }, userMetadata: { a: 'b' } },
        'spec.userMetadata: a policy with level skip verifies no metadata',
      ],
    ])('returns InvalidSpec for %s', (_, spec, message) => {
      const compiled = compileCluster(state(policy(spec as Partial<TrustPolicySpec>)), OPTIONS);
      expect(compiled.policies.get('ubuntu')).toMatchObject({
        ready: false,
        reason: 'InvalidSpec',
        message,
      });
    });
  });

  describe('when a single-statement policy requires user metadata', () => {
    it('returns one group: the statement itself, with the metadata', () => {
      const compiled = compileCluster(
        state(
          policy({
            trustStores: ['ca:vendor'],
            trustedIdentities: ['*'],
            userMetadata: { buildId: '42' },
          }),
        ),
        OPTIONS,
      );
      const statement = compiled.snapshot.documentFor(undefined).trustPolicies[0];
      expect(compiled.snapshot.requirements?.('ubuntu')?.signers).toEqual([
        { name: 'ubuntu', statement, userMetadata: { buildId: '42' } },
      ]);
    });
  });
});
