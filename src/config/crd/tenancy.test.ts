import { describe, expect, it } from 'vitest';
import { vectorText } from '../../../test/support/vectors.js';
import { selectTrustPolicy } from '../../verify/index.js';
import { compileCluster } from './compile.js';
import type {
  NamespaceTrustPolicyObject,
  NamespaceTrustPolicySpec,
  NamespaceTrustStoreObject,
  TenancyState,
  TrustPolicyExceptionObject,
  TrustPolicyExceptionSpec,
} from './tenancy-types.js';
import { compileTenancy, withTenancy } from './tenancy.js';
import type { ClusterState, TrustStoreObject } from './types.js';

const PEM = vectorText('certs/notation-e2e/localkeys/e2e.crt');
const NOW = new Date('2026-11-22T10:00:00Z');
const OPTIONS = { now: NOW, maxExceptionMs: 24 * 3_600_000, trustNamespace: 'na' };
const APP = 'registry.example.com/team/app';
const API = 'notary-admission.dev/v1alpha1' as const;

const clusterStore = (name: string): TrustStoreObject => ({
  apiVersion: API,
  kind: 'TrustStore',
  metadata: { name, generation: 1 },
  spec: { type: 'ca', certificates: [PEM] },
});
const CLUSTER: ClusterState = {
  policies: [],
  stores: [clusterStore('release')],
  secrets: new Map(),
  configMaps: new Map(),
  namespaces: new Map(),
};

const nsPolicy = (
  namespace: string,
  name: string,
  spec: Partial<NamespaceTrustPolicySpec> & Record<string, unknown> = {},
): NamespaceTrustPolicyObject => ({
  apiVersion: API,
  kind: 'NamespaceTrustPolicy',
  metadata: { namespace, name, generation: 1 },
  spec: {
    registryScopes: [APP],
    signatureVerification: { level: 'strict' },
    trustStores: [`ca:${namespace}/team`],
    trustedIdentities: ['*'],
    ...spec,
  },
});
const nsStore = (namespace: string, name: string): NamespaceTrustStoreObject => ({
  apiVersion: API,
  kind: 'NamespaceTrustStore',
  metadata: { namespace, name, generation: 1 },
  spec: { type: 'ca', certificates: [PEM] },
});
const exception = (
  name: string,
  spec: Partial<TrustPolicyExceptionSpec> = {},
  meta: { creationTimestamp?: string; generation?: number } = {},
): TrustPolicyExceptionObject => ({
  apiVersion: API,
  kind: 'TrustPolicyException',
  metadata: {
    namespace: 'team-a',
    name,
    generation: 1,
    creationTimestamp: '2026-11-22T09:00:00Z',
    ...meta,
  },
  spec: {
    images: [{ repository: APP, tag: '1.0' }],
    podSelector: {},
    reason: 'INC-1: hotfix',
    expiresAt: '2026-11-22T11:00:00Z',
    ...spec,
  },
});

/** What a stale schema could let through: no podSelector at all. */
const withoutSelector = (o: TrustPolicyExceptionObject): TrustPolicyExceptionObject => {
  const spec: Partial<TrustPolicyExceptionSpec> = { ...o.spec };
  delete spec.podSelector;
  return { ...o, spec: spec as TrustPolicyExceptionSpec };
};

const tenancy = (over: Partial<TenancyState>): TenancyState => ({
  policies: [],
  stores: [],
  exceptions: [],
  ...over,
});

describe('compileTenancy', () => {
  describe('when a team policy names its own store and a cluster store', () => {
    const compiled = compileTenancy(
      tenancy({
        policies: [nsPolicy('team-a', 'signer', { trustStores: ['ca:team-a/team', 'ca:release'] })],
        stores: [nsStore('team-a', 'team')],
      }),
      CLUSTER,
      OPTIONS,
    );
    const layer = compiled.layers.get('team-a')!;

    it('returns a Ready policy in a layer of its own, named <namespace>/<name>', () => {
      expect(compiled.policies.get('team-a/signer')).toMatchObject({ ready: true });
      const statement = selectTrustPolicy(layer.documentFor('team-a'), APP);
      expect(statement?.name).toBe('team-a/signer');
      expect(statement?.trustStores).toEqual(['ca:team-a/team', 'ca:release']);
      expect([...layer.trustStores.keys()].sort()).toEqual(['ca:release', 'ca:team-a/team']);
    });

    it('returns a layer whose revision is not the cluster one and no other namespace has', () => {
      const cluster = compileCluster(CLUSTER, { noMatch: 'Deny', now: NOW, trustNamespace: 'na' });
      const other = compileTenancy(
        tenancy({
          policies: [
            nsPolicy('team-b', 'signer', { trustStores: ['ca:team-b/team', 'ca:release'] }),
          ],
          stores: [nsStore('team-b', 'team')],
        }),
        CLUSTER,
        OPTIONS,
      );
      expect(layer.revision).not.toBe(cluster.snapshot.revision);
      expect(layer.revision).not.toBe(other.layers.get('team-b')!.revision);
    });

    it('leaves the cluster snapshot revision as it was (withTenancy)', () => {
      const cluster = compileCluster(CLUSTER, { noMatch: 'Deny', now: NOW, trustNamespace: 'na' });
      const joined = withTenancy(cluster.snapshot, compiled);
      expect(joined.revision).toBe(cluster.snapshot.revision);
      expect(joined.namespaceLayer?.('team-a')).toBe(layer);
      expect(joined.namespaceLayer?.('team-b')).toBeUndefined();
      expect(joined.admission('team-a/signer')).toMatchObject({ onError: 'Deny', action: 'Deny' });
    });
  });

  describe('when a team policy names a store of another namespace', () => {
    it('returns it not Ready with reason CrossNamespaceReference, blocking its scope', () => {
      const compiled = compileTenancy(
        tenancy({
          policies: [nsPolicy('team-a', 'steal', { trustStores: ['ca:team-b/team'] })],
          stores: [nsStore('team-b', 'team')],
        }),
        CLUSTER,
        OPTIONS,
      );
      expect(compiled.policies.get('team-a/steal')).toMatchObject({
        ready: false,
        reason: 'CrossNamespaceReference',
      });
      expect(compiled.policies.get('team-a/steal')!.message).toContain('namespace "team-b"');
      const blocked = compiled.layers.get('team-a')!.blocked!('team-a', APP);
      expect(blocked?.reason).toMatch(/^NamespaceTrustPolicy "team-a\/steal" applies/);
    });
  });

  describe('when a team policy tries to weaken (stale schema)', () => {
    it.each([
      ['onError Allow', { onError: 'Allow' }, 'never admits on error'],
      ['level skip', { signatureVerification: { level: 'skip' } }, 'skip is not allowed'],
      ['a namespaceSelector', { namespaceSelector: {} }, 'own namespace only'],
    ])('returns %s InvalidSpec', (_, spec, message) => {
      const compiled = compileTenancy(
        tenancy({
          policies: [nsPolicy('team-a', 'weak', spec as Partial<NamespaceTrustPolicySpec>)],
          stores: [nsStore('team-a', 'team')],
        }),
        CLUSTER,
        OPTIONS,
      );
      const verdict = compiled.policies.get('team-a/weak')!;
      expect(verdict).toMatchObject({ ready: false, reason: 'InvalidSpec' });
      expect(verdict.message).toContain(message);
    });
  });

  describe('when a team policy adds user metadata and a required SBOM signed by itself', () => {
    it('returns a Ready layer whose requirements carry both, the signer named <namespace>/<name>', () => {
      const compiled = compileTenancy(
        tenancy({
          policies: [
            nsPolicy('team-a', 'sbom', {
              userMetadata: { team: 'a' },
              requiredReferrers: [{ artifactType: 'application/spdx+json', signer: 'sbom' }],
            }),
          ],
          stores: [nsStore('team-a', 'team')],
        }),
        CLUSTER,
        OPTIONS,
      );
      expect(compiled.policies.get('team-a/sbom')).toMatchObject({ ready: true });
      const requirements = compiled.layers.get('team-a')!.requirements?.('team-a/sbom');
      expect(requirements?.signers[0]?.userMetadata).toEqual({ team: 'a' });
      expect(requirements?.referrers).toEqual([
        { artifactType: 'application/spdx+json', signer: 'team-a/sbom' },
      ]);
    });
  });

  describe('when two team policies share a scope', () => {
    it('returns both ScopeConflict', () => {
      const compiled = compileTenancy(
        tenancy({
          policies: [nsPolicy('team-a', 'one'), nsPolicy('team-a', 'two')],
          stores: [nsStore('team-a', 'team')],
        }),
        CLUSTER,
        OPTIONS,
      );
      expect(compiled.policies.get('team-a/one')?.reason).toBe('ScopeConflict');
      expect(compiled.policies.get('team-a/two')?.reason).toBe('ScopeConflict');
    });
  });

  describe('when a namespace has more policies than allowed', () => {
    it('returns every one TooManyObjects and a layer that blocks every image', () => {
      const many = Array.from({ length: 33 }, (_, i) =>
        nsPolicy('team-a', `p${i}`, { registryScopes: [`${APP}${i}`] }),
      );
      const compiled = compileTenancy(tenancy({ policies: many }), CLUSTER, OPTIONS);
      expect(compiled.policies.get('team-a/p7')?.reason).toBe('TooManyObjects');
      expect(
        compiled.layers.get('team-a')!.blocked!('team-a', 'docker.io/library/x'),
      ).toBeDefined();
    });
  });

  describe('when exceptions are compiled', () => {
    const compile = (...list: TrustPolicyExceptionObject[]) =>
      compileTenancy(tenancy({ exceptions: list }), CLUSTER, OPTIONS);

    it('returns an active one with its expiry, and the next expiry to compile again', () => {
      const compiled = compile(exception('hotfix'));
      expect(compiled.exceptionVerdicts.get('team-a/hotfix')).toMatchObject({
        ready: true,
        reason: 'Active',
      });
      const [only] = compiled.exceptions.get('team-a')!;
      expect(only).toMatchObject({ name: 'hotfix', expiresAt: Date.parse('2026-11-22T11:00:00Z') });
      expect(compiled.nextExpiry).toBe(Date.parse('2026-11-22T11:00:00Z'));
    });

    it.each([
      ['Expired', exception('old', { expiresAt: '2026-11-22T09:30:00Z' })],
      ['DurationTooLong', exception('long', { expiresAt: '2026-11-23T09:00:01Z' })],
      ['SpecChanged', exception('edited', {}, { generation: 2 })],
      ['InvalidSpec', exception('tagless', { images: [{ tag: '1.0' }] })],
      [
        'InvalidSpec',
        exception('spelt', { images: [{ repository: 'Registry.Example.com/a', tag: '1' }] }),
      ],
      ['InvalidSpec', withoutSelector(exception('unselective'))],
      ['InvalidSpec', exception('reasonless', { reason: ' ' })],
      ['InvalidSpec', exception('backdated', { expiresAt: '2026-11-22T09:00:00Z' })],
    ])('returns %s and no exception in force', (reason, object) => {
      const compiled = compile(object);
      expect(compiled.exceptionVerdicts.get(`team-a/${object.metadata.name}`)).toMatchObject({
        ready: false,
        reason,
      });
      expect(compiled.exceptions.get('team-a')).toBeUndefined();
    });
  });

  describe('when a team holds more exceptions and stores than allowed (decision 10)', () => {
    const inB = <T extends { metadata: { namespace: string } }>(o: T): T => ({
      ...o,
      metadata: { ...o.metadata, namespace: 'team-b' },
    });
    const compiled = compileTenancy(
      tenancy({
        exceptions: [
          ...Array.from({ length: 5_000 }, (_, i) => exception(`e${i}`)),
          inB(exception('hotfix')),
        ],
        stores: [
          ...Array.from({ length: 33 }, (_, i) => nsStore('team-a', i === 0 ? 'team' : `s${i}`)),
          nsStore('team-b', 'team'),
        ],
        policies: [nsPolicy('team-a', 'signer'), nsPolicy('team-b', 'signer')],
      }),
      CLUSTER,
      OPTIONS,
    );

    it('returns every one of its exceptions TooManyObjects, none in force there', () => {
      expect(compiled.exceptions.get('team-a')).toBeUndefined();
      expect(compiled.exceptionVerdicts.get('team-a/e4999')?.reason).toBe('TooManyObjects');
      expect(compiled.exceptionVerdicts.get('team-a/e0')?.reason).toBe('TooManyObjects');
    });

    it('returns its stores TooManyObjects, so its policy naming one is not Ready', () => {
      expect(compiled.stores.get('team-a/team')?.reason).toBe('TooManyObjects');
      expect(compiled.policies.get('team-a/signer')?.ready).toBe(false);
    });

    it("leaves another namespace's exceptions, stores and policies as they are", () => {
      expect(compiled.exceptions.get('team-b')?.map((e) => e.name)).toEqual(['hotfix']);
      expect(compiled.stores.get('team-b/team')?.ready).toBe(true);
      expect(compiled.policies.get('team-b/signer')?.ready).toBe(true);
    });
  });
});
