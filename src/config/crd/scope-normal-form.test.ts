// Standing decision 9 in the Kubernetes source: a TrustPolicy whose scope is not in normal form
// (one that got past CEL: an older CRD, or what CEL cannot check) is reported not Ready with the
// normal form in its message, and blocks what that normal form names instead of letting `*` apply.
import { describe, expect, it } from 'vitest';
import { vectorText } from '../../../test/support/vectors.js';
import { compileCluster } from './compile.js';
import type { ClusterState, TrustPolicyObject } from './types.js';

const OPTIONS = { noMatch: 'Deny', now: new Date(), trustNamespace: 'notary-admission' } as const;

const policy = (name: string, registryScopes: string[]): TrustPolicyObject => ({
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustPolicy',
  metadata: { name, generation: 1 },
  spec: {
    registryScopes,
    signatureVerification: { level: 'strict' },
    trustStores: ['ca:e2e'],
    trustedIdentities: ['*'],
  },
});

const state = (policies: TrustPolicyObject[]): ClusterState => ({
  policies,
  stores: [
    {
      apiVersion: 'notary-admission.dev/v1alpha1',
      kind: 'TrustStore',
      metadata: { name: 'e2e', generation: 1 },
      spec: { type: 'ca', certificates: [vectorText('certs/notation-e2e/localkeys/e2e.crt')] },
    },
  ],
  secrets: new Map(),
  configMaps: new Map(),
  namespaces: new Map([['default', { 'kubernetes.io/metadata.name': 'default' }]]),
});

describe('compileCluster', () => {
  describe('when a TrustPolicy scope is not in normal form', () => {
    const compiled = compileCluster(
      state([
        policy('apps', ['Registry.Example.com:443/apps/x', '[0:0::1]:5000/apps/y']),
        policy('everything-else', ['*']),
      ]),
      OPTIONS,
    );

    it('returns it InvalidSpec with the normal form of each scope in the message', () => {
      expect(compiled.policies.get('apps')).toMatchObject({
        ready: false,
        reason: 'InvalidSpec',
        message:
          'spec.registryScopes[0]: "Registry.Example.com:443/apps/x" is not in normal form; write "registry.example.com/apps/x" [SCOPE_INVALID]; ' +
          'spec.registryScopes[1]: "[0:0::1]:5000/apps/y" is not in normal form; write "[::1]:5000/apps/y" [SCOPE_INVALID]',
      });
    });

    it('returns the normal forms blocked by it (POLICY_NOT_READY), not governed by "*"', () => {
      for (const repository of ['registry.example.com/apps/x', '[::1]:5000/apps/y'])
        expect(compiled.snapshot.blocked?.('default', repository)?.policy).toBe('apps');
      expect(compiled.snapshot.blocked?.('default', 'registry.example.com/apps/z')).toBeUndefined();
    });
  });
});
