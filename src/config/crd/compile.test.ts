import { describe, expect, it } from 'vitest';
import { vectorText } from '../../../test/support/vectors.js';
import { parseTrustPolicyDocument, selectTrustPolicy } from '../../verify/index.js';
import { compileCluster } from './compile.js';
import type {
  ClusterState,
  LabelSelector,
  TrustPolicyObject,
  TrustPolicySpec,
  TrustStoreObject,
} from './types.js';

const E2E_PEM = vectorText('certs/notation-e2e/localkeys/e2e.crt');
const NEW_E2E_PEM = vectorText('certs/notation-e2e/localkeys/new_e2e.crt');
const OPTIONS = {
  noMatch: 'Deny',
  now: new Date('2026-11-22T00:00:00Z'),
  trustNamespace: 'notary-admission',
} as const;
const APP = 'registry.example.com/team/app';
const WEB = 'registry.example.com/team/web';

function policy(name: string, spec: Partial<TrustPolicySpec> = {}): TrustPolicyObject {
  return {
    apiVersion: 'notary-admission.dev/v1alpha1',
    kind: 'TrustPolicy',
    metadata: { name, generation: 2 },
    spec: {
      registryScopes: [APP],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:e2e'],
      trustedIdentities: ['*'],
      ...spec,
    },
  };
}

function store(name: string, spec: Partial<TrustStoreObject['spec']> = {}): TrustStoreObject {
  return {
    apiVersion: 'notary-admission.dev/v1alpha1',
    kind: 'TrustStore',
    metadata: { name, generation: 1 },
    spec: { type: 'ca', certificates: [E2E_PEM], ...spec },
  };
}

const ns = (
  name: string,
  labels: Record<string, string> = {},
): [string, Record<string, string>] => [name, { 'kubernetes.io/metadata.name': name, ...labels }];

function state(over: Partial<ClusterState> = {}): ClusterState {
  return {
    policies: [policy('app')],
    stores: [store('e2e')],
    secrets: new Map(),
    configMaps: new Map(),
    namespaces: new Map([ns('prod', { env: 'prod' }), ns('dev', { env: 'dev' }), ns('default')]),
    ...over,
  };
}

const names = (compiled: ReturnType<typeof compileCluster>, namespace: string | undefined) =>
  compiled.snapshot.documentFor(namespace).trustPolicies.map((s) => s.name);
const prodOnly: LabelSelector = { matchLabels: { env: 'prod' } };

describe('compileCluster', () => {
  describe('when a policy and its store are valid', () => {
    const compiled = compileCluster(state(), OPTIONS);

    it('returns both Ready with the observed generation', () => {
      expect(compiled.policies.get('app')).toEqual({
        ready: true,
        reason: 'Valid',
        message: 'the policy is valid and active',
        observedGeneration: 2,
      });
      expect(compiled.stores.get('e2e')).toMatchObject({
        ready: true,
        reason: 'Valid',
        observedGeneration: 1,
      });
    });

    it('returns a snapshot whose document the verifier parses, with the store and admission', () => {
      const { snapshot } = compiled;
      const document = snapshot.documentFor('prod');
      expect(parseTrustPolicyDocument(document)).toEqual(document);
      expect(selectTrustPolicy(document, APP)?.name).toBe('app');
      expect([...snapshot.trustStores.keys()]).toEqual(['ca:e2e']);
      expect(snapshot.admission('app')).toEqual({
        policy: 'app',
        action: 'Deny',
        onError: 'Deny',
        mutateDigest: true,
      });
      expect(snapshot.source).toBe('kubernetes');
      expect(snapshot.noMatch).toBe('Deny');
      expect(snapshot.revision).toMatch(/^[0-9a-f]{64}$/);
      expect(snapshot.blocked?.('prod', APP)).toBeUndefined();
    });

    it('returns frozen snapshots and documents', () => {
      expect(Object.isFrozen(compiled.snapshot)).toBe(true);
      expect(
        Object.isFrozen(compiled.snapshot.documentFor('prod').trustPolicies[0]?.registryScopes),
      ).toBe(true);
    });
  });

  describe('when policies select namespaces', () => {
    const compiled = compileCluster(
      state({
        policies: [
          policy('prod-app', { namespaceSelector: prodOnly, action: 'Warn' }),
          policy('everything', { registryScopes: ['*'] }),
        ],
      }),
      OPTIONS,
    );

    it('returns per namespace the Ready policies whose selector matches its labels', () => {
      expect(names(compiled, 'prod')).toEqual(['everything', 'prod-app']);
      expect(names(compiled, 'dev')).toEqual(['everything']);
    });

    it('returns for an unknown namespace the policies with an empty selector', () => {
      expect(names(compiled, 'new-namespace')).toEqual(['everything']);
      expect(names(compiled, undefined)).toEqual(['everything']);
    });

    it('returns one cached document per view, shared by namespaces that see the same policies', () => {
      expect(compiled.snapshot.documentFor('prod')).toBe(compiled.snapshot.documentFor('prod'));
      expect(compiled.snapshot.documentFor('dev')).toBe(compiled.snapshot.documentFor('default'));
      expect(compiled.snapshot.documentFor('dev')).toBe(compiled.snapshot.documentFor('unknown'));
      for (const namespace of ['prod', 'dev'])
        expect(parseTrustPolicyDocument(compiled.snapshot.documentFor(namespace))).toEqual(
          compiled.snapshot.documentFor(namespace),
        );
    });

    it('returns the admission fields of each policy', () => {
      expect(compiled.snapshot.admission('prod-app').action).toBe('Warn');
      expect(compiled.snapshot.admission('everything').action).toBe('Deny');
    });

    it('says an unknown namespace needs its labels, and a known one does not', () => {
      expect(compiled.snapshot.needsNamespace?.('new-namespace')).toBe(true);
      expect(compiled.snapshot.needsNamespace?.('prod')).toBe(false);
    });

    it('returns with the labels of an unknown namespace the policies they select, same revision', () => {
      const seen = compiled.snapshot.withNamespace!('new-namespace', { env: 'prod' });
      expect(seen.documentFor('new-namespace').trustPolicies.map((s) => s.name)).toEqual([
        'everything',
        'prod-app',
      ]);
      expect(seen.needsNamespace?.('new-namespace')).toBe(false);
      expect(seen.needsNamespace?.('other-new')).toBe(true);
      expect(seen.documentFor('dev')).toBe(compiled.snapshot.documentFor('dev'));
      expect(seen.revision).toBe(compiled.snapshot.revision);
      const unlabelled = compiled.snapshot.withNamespace!('new-namespace', {});
      expect(unlabelled.documentFor('new-namespace').trustPolicies.map((s) => s.name)).toEqual([
        'everything',
      ]);
    });
  });

  describe('when every policy selects every namespace', () => {
    it('needs no namespace labels: every namespace sees the same policies', () => {
      const compiled = compileCluster(state(), OPTIONS);
      expect(compiled.snapshot.needsNamespace?.('new-namespace')).toBe(false);
    });
  });

  describe('when no policy applies', () => {
    it('returns an empty document (selectTrustPolicy finds nothing, noMatch decides)', () => {
      const compiled = compileCluster(state({ policies: [] }), { ...OPTIONS, noMatch: 'Warn' });
      expect(compiled.snapshot.documentFor('prod')).toEqual({ version: '1.0', trustPolicies: [] });
      expect(compiled.snapshot.noMatch).toBe('Warn');
      expect(compiled.snapshot.trustStores.size).toBe(0);
    });
  });

  describe('when a policy is invalid by notation rules CEL cannot check', () => {
    const compiled = compileCluster(
      state({
        policies: [
          policy('app', { trustedIdentities: ['x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA'] }),
          policy('everything', { registryScopes: ['*'] }),
        ],
      }),
      OPTIONS,
    );

    it('returns InvalidSpec naming the spec field and the code', () => {
      expect(compiled.policies.get('app')).toEqual({
        ready: false,
        reason: 'InvalidSpec',
        message: expect.stringMatching(
          /^spec\.trustedIdentities\[0\]: .*\[IDENTITY_INVALID\]$/,
        ) as string,
        observedGeneration: 2,
      });
    });

    it('leaves it out and blocks its scope instead of letting "*" govern it', () => {
      expect(names(compiled, 'prod')).toEqual(['everything']);
      expect(compiled.snapshot.blocked?.('prod', APP)).toEqual({
        policy: 'app',
        reason: expect.stringMatching(
          /^TrustPolicy "app" applies to this image but is not Ready \(InvalidSpec: spec\.trustedIdentities\[0\]/,
        ) as string,
      });
      expect(compiled.snapshot.blocked?.('prod', WEB)).toBeUndefined();
    });
  });

  describe('when a policy uses skip with the global scope (D2)', () => {
    it('returns InvalidSpec SKIP_WITH_GLOBAL_SCOPE and blocks every repository', () => {
      const skip = policy('skip-all', {
        registryScopes: ['*'],
        signatureVerification: { level: 'skip' },
        trustStores: [],
        trustedIdentities: [],
      });
      const compiled = compileCluster(state({ policies: [skip] }), OPTIONS);
      expect(compiled.policies.get('skip-all')?.reason).toBe('InvalidSpec');
      expect(compiled.policies.get('skip-all')?.message).toContain('[SKIP_WITH_GLOBAL_SCOPE]');
      expect(compiled.snapshot.blocked?.('dev', WEB)?.policy).toBe('skip-all');
    });
  });

  describe('when a policy names a store that is missing, of another type or not Ready', () => {
    it('returns TrustStoreNotFound or TrustStoreNotReady naming the store', () => {
      const compiled = compileCluster(
        state({
          policies: [
            policy('missing', { registryScopes: [APP], trustStores: ['ca:absent'] }),
            policy('wrong-type', { registryScopes: [WEB], trustStores: ['tsa:e2e'] }),
            policy('unready', {
              registryScopes: ['registry.example.com/x'],
              trustStores: ['ca:broken'],
            }),
          ],
          stores: [store('e2e'), store('broken', { certificates: ['not a certificate'] })],
        }),
        OPTIONS,
      );
      expect(compiled.policies.get('missing')).toMatchObject({
        reason: 'TrustStoreNotFound',
        message: 'spec.trustStores: TrustStore "absent" not found',
      });
      expect(compiled.policies.get('wrong-type')).toMatchObject({
        reason: 'TrustStoreNotFound',
        message: 'spec.trustStores: TrustStore "e2e" has type ca, not tsa',
      });
      expect(compiled.policies.get('unready')).toMatchObject({
        reason: 'TrustStoreNotReady',
        message: 'spec.trustStores: TrustStore "broken" is not Ready (CertificateInvalid)',
      });
      expect(compiled.stores.get('broken')).toMatchObject({
        ready: false,
        reason: 'CertificateInvalid',
      });
      expect(compiled.snapshot.trustStores.size).toBe(0);
      expect(compiled.snapshot.blocked?.('dev', WEB)?.policy).toBe('wrong-type');
    });
  });

  describe('when two policies share a scope where both apply', () => {
    it('returns both ScopeConflict when both selectors are empty, and blocks the scope', () => {
      const compiled = compileCluster(
        state({ policies: [policy('a'), policy('b'), policy('web', { registryScopes: [WEB] })] }),
        OPTIONS,
      );
      expect(compiled.policies.get('a')).toMatchObject({
        ready: false,
        reason: 'ScopeConflict',
        message: `registry scope "${APP}" is also claimed by TrustPolicy "b" in every namespace; a scope may belong to one policy per namespace`,
      });
      expect(compiled.policies.get('b')?.reason).toBe('ScopeConflict');
      expect(compiled.policies.get('web')?.ready).toBe(true);
      expect(names(compiled, 'prod')).toEqual(['web']);
      expect(compiled.snapshot.blocked?.('prod', APP)?.policy).toBe('a');
    });

    it('returns both ScopeConflict when their selectors both match an existing namespace', () => {
      const compiled = compileCluster(
        state({
          policies: [
            policy('a', { namespaceSelector: prodOnly }),
            policy('b', {
              namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] },
            }),
          ],
        }),
        OPTIONS,
      );
      expect(compiled.policies.get('b')?.message).toBe(
        `registry scope "${APP}" is also claimed by TrustPolicy "a" in namespace "prod"; a scope may belong to one policy per namespace`,
      );
      expect(compiled.snapshot.blocked?.('prod', APP)?.policy).toBe('a');
      expect(compiled.snapshot.blocked?.('default', APP)).toBeUndefined();
    });

    it('returns two "*" policies with empty selectors both ScopeConflict', () => {
      const compiled = compileCluster(
        state({
          policies: [
            policy('a', { registryScopes: ['*'] }),
            policy('b', { registryScopes: ['*'] }),
          ],
        }),
        OPTIONS,
      );
      expect([...compiled.policies.values()].map((v) => v.reason)).toEqual([
        'ScopeConflict',
        'ScopeConflict',
      ]);
      expect(compiled.snapshot.blocked?.('dev', WEB)?.policy).toBe('a');
    });
  });

  describe('when two policies share a scope in disjoint namespaces', () => {
    it('returns both Ready, each in its own namespaces', () => {
      const compiled = compileCluster(
        state({
          policies: [
            policy('prod-app', { namespaceSelector: prodOnly }),
            policy('dev-app', { namespaceSelector: { matchLabels: { env: 'dev' } } }),
            policy('nowhere', { namespaceSelector: { matchLabels: { env: 'qa' } } }),
          ],
        }),
        OPTIONS,
      );
      expect([...compiled.policies.values()].every((v) => v.ready)).toBe(true);
      expect(names(compiled, 'prod')).toEqual(['prod-app']);
      expect(names(compiled, 'dev')).toEqual(['dev-app']);
    });
  });

  describe('when a broken "*" policy meets a repository an active policy lists exactly', () => {
    it('returns no block for that repository and a block for the others', () => {
      const compiled = compileCluster(
        state({
          policies: [
            policy('app'),
            policy('everything', { registryScopes: ['*'], trustStores: ['ca:absent'] }),
          ],
        }),
        OPTIONS,
      );
      expect(compiled.snapshot.blocked?.('prod', APP)).toBeUndefined();
      expect(compiled.snapshot.blocked?.('prod', WEB)?.policy).toBe('everything');
    });
  });

  describe('when a broken policy selects namespaces', () => {
    const compiled = compileCluster(
      state({
        policies: [policy('prod-app', { namespaceSelector: prodOnly, trustStores: ['ca:absent'] })],
      }),
      OPTIONS,
    );

    it('returns a block only in the namespaces it selects', () => {
      expect(compiled.snapshot.blocked?.('prod', APP)?.policy).toBe('prod-app');
      expect(compiled.snapshot.blocked?.('dev', APP)).toBeUndefined();
    });

    it('returns a block in an unknown namespace (it might match)', () => {
      expect(compiled.snapshot.blocked?.('new-namespace', APP)?.policy).toBe('prod-app');
    });

    it('returns a block in a namespace the informer has not seen only once its labels match', () => {
      const { snapshot } = compiled;
      expect(
        snapshot.withNamespace!('new-namespace', { env: 'dev' }).blocked?.('new-namespace', APP),
      ).toBeUndefined();
      expect(
        snapshot.withNamespace!('new-namespace', { env: 'prod' }).blocked?.('new-namespace', APP)
          ?.policy,
      ).toBe('prod-app');
    });
  });

  describe('when a policy has an invalid selector', () => {
    it('returns InvalidSpec and blocks its scopes in every namespace', () => {
      const bad = policy('app', {
        namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] },
      });
      const compiled = compileCluster(state({ policies: [bad] }), OPTIONS);
      expect(compiled.policies.get('app')).toMatchObject({
        reason: 'InvalidSpec',
        message:
          'spec.namespaceSelector.matchExpressions[0].values: must be non-empty for operator In',
      });
      expect(compiled.snapshot.blocked?.('dev', APP)?.policy).toBe('app');
    });
  });

  describe('when objects are malformed beyond the schema', () => {
    it('returns them not Ready and never throws', () => {
      const garbage = [
        { ...policy('a'), spec: null },
        { ...policy('b'), spec: { registryScopes: 'x', signatureVerification: 'strict' } },
      ] as unknown as TrustPolicyObject[];
      const stores = [{ ...store('s'), spec: null }] as unknown as TrustStoreObject[];
      const compiled = compileCluster(state({ policies: garbage, stores }), OPTIONS);
      expect([...compiled.policies.values()].map((v) => v.reason)).toEqual([
        'InvalidSpec',
        'InvalidSpec',
      ]);
      expect(compiled.policies.get('a')?.message).toContain('spec: must be an object');
      expect(compiled.stores.get('s')).toMatchObject({ ready: false, reason: 'InvalidSpec' });
    });
  });

  describe('revision', () => {
    const revision = (s: ClusterState) => compileCluster(s, OPTIONS).snapshot.revision;
    const withSecret = (pem: string): Partial<ClusterState> => ({
      stores: [
        store('e2e', {
          certificates: [],
          certificatesFrom: [{ secretKeyRef: { name: 'roots', key: 'ca.pem' } }],
        }),
      ],
      secrets: new Map([['roots', { 'ca.pem': Buffer.from(pem) }]]),
    });

    it('returns the same revision for the same state, in any order', () => {
      const two = [policy('a', { registryScopes: [WEB] }), policy('b')];
      expect(revision(state({ policies: two }))).toBe(
        revision(state({ policies: [...two].reverse() })),
      );
    });

    it('returns a new revision when a certificate is removed from a referenced Secret', () => {
      expect(revision(state(withSecret(E2E_PEM + NEW_E2E_PEM)))).not.toBe(
        revision(state(withSecret(E2E_PEM))),
      );
    });

    it('returns a new revision when an admission field, a statement or noMatch changes', () => {
      const base = revision(state());
      expect(revision(state({ policies: [policy('app', { action: 'Warn' })] }))).not.toBe(base);
      expect(revision(state({ policies: [policy('app', { registryScopes: [WEB] })] }))).not.toBe(
        base,
      );
      expect(compileCluster(state(), { ...OPTIONS, noMatch: 'Allow' }).snapshot.revision).not.toBe(
        base,
      );
    });

    it('returns a new revision when a namespace label changes which policies it sees', () => {
      const selective = { policies: [policy('app', { namespaceSelector: prodOnly })] };
      const relabelled = new Map([
        ns('prod', { env: 'prod' }),
        ns('dev', { env: 'prod' }),
        ns('default'),
      ]);
      expect(revision(state({ ...selective, namespaces: relabelled }))).not.toBe(
        revision(state(selective)),
      );
    });

    it('returns a new revision when a policy becomes blocked', () => {
      expect(
        revision(
          state({
            policies: [
              policy('app'),
              policy('x', { trustStores: ['ca:absent'], registryScopes: [WEB] }),
            ],
          }),
        ),
      ).not.toBe(revision(state()));
    });

    it('returns the same revision when an unreferenced store or an ordinary namespace is added', () => {
      const base = revision(state());
      expect(
        revision(
          state({ stores: [store('e2e'), store('unused', { certificates: [NEW_E2E_PEM] })] }),
        ),
      ).toBe(base);
      const more = new Map([...state().namespaces, ns('ci-1234')]);
      expect(revision(state({ namespaces: more }))).toBe(base);
    });
  });
});
