// The CRDs against a real kube-apiserver: they install, explain themselves, refuse at write time
// what CEL can check (every invalid notation e2e policy that can be written as TrustPolicy
// objects), default the admission fields, print useful columns and have a status subresource.
// What CEL cannot check is shown to be reported not Ready by compileCluster instead.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  compileCluster,
  fromNotationStatement,
  policyStatus,
  storeStatus,
  type ClusterState,
  type TrustPolicyObject,
  type TrustStoreObject,
} from '../../../src/config/index.js';
import { validateTrustPolicyDocument } from '../../../src/verify/index.js';
import { startControlPlane, type ControlPlane } from '../../harness/index.js';
import { VECTORS, vectorText } from '../../support/vectors.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CRDS = path.join(ROOT, 'charts/notary-admission/crds');
const E2E_DIR = path.join(VECTORS, 'trustpolicies/notation-e2e');
const E2E_PEM = vectorText('certs/notation-e2e/localkeys/e2e.crt');
const OPTIONS = { noMatch: 'Deny', now: new Date(), trustNamespace: 'notary-admission' } as const;

/**
 * Invalid notation e2e policies the API server refuses, with the field its message names. The
 * same-name vector is refused by the API server too: a second object of one name already exists.
 */
const REFUSED: Record<string, string> = {
  'empty_registry_scope_trustpolicy.json': 'spec.registryScopes: Invalid value: 0',
  'malformed_registry_scope_trustpolicy.json': 'spec.registryScopes[0]: Invalid value',
  'overlapped_registry_scope_trustpolicy.json': 'spec.registryScopes[1]: Duplicate value',
  'wildcard_plus_other_registry_scope_trustpolicy.json':
    'spec.registryScopes: Invalid value: "array": the global scope "*" cannot be combined',
  'multi_statements_with_the_same_name_trustpolicy.json': '"e2e" already exists',
  'unset_trust_store_trustpolicy.json': 'spec.trustStores: Required value',
  'unset_trusted_identity_trustpolicy.json': 'spec.trustedIdentities: Required value',
  'malformed_trust_store_trustpolicy.json': 'spec.trustStores[0]: Invalid value',
  'wildcard_trust_store_trustpolicy.json': 'spec.trustStores[0]: Invalid value',
  'empty_trusted_identity_trustpolicy.json': 'spec.trustedIdentities[0]: Invalid value',
  'malformed_trusted_identity_trustpolicy.json': 'spec.trustedIdentities[0]: Invalid value',
  'wildcard_plus_other_trusted_identity_trustpolicy.json':
    'spec.trustedIdentities: Invalid value: "array": the wildcard identity "*" cannot be combined',
  'override_integrity_for_permissive_trustpolicy.json':
    'spec.signatureVerification.override: Invalid value: "object": integrity cannot be overridden',
  // D2: notation accepts skip with "*"; we refuse it at write time.
  'skip_trustpolicy.json':
    'spec.registryScopes: Forbidden: level skip cannot be used with the global scope',
  // Blob policies: their statements have no registryScopes (globalPolicy has no field at all).
  'blob_trust_policy.json': 'spec.registryScopes: Required value',
  'trustpolicy.blob.json': 'spec.registryScopes: Required value',
};

/** What CEL cannot check (DN contents, conflicts across objects, store existence): status. */
const NOT_READY: Record<string, string> = {
  'missing_country_trusted_identity_trustpolicy.json': 'InvalidSpec',
  'missing_state_trusted_identity_trustpolicy.json': 'InvalidSpec',
  'missing_organization_trusted_identity_trustpolicy.json': 'InvalidSpec',
  'overlapped_trusted_identity_trustpolicy.json': 'InvalidSpec',
  'multi_statements_with_the_same_registry_scope_trustpolicy.json': 'ScopeConflict',
  'multi_statements_with_multi_wildcard_registry_scope_trustpolicy.json': 'ScopeConflict',
  // Valid for notation's schema, but the store it names does not exist (notation fails too).
  'invalid_trust_store_trustpolicy.json': 'TrustStoreNotFound',
};

/** Not JSON: nothing to translate. */
const NOT_EXPRESSIBLE = ['invalid_format_trustpolicy.json'];

function parseVector(file: string): Record<string, unknown>[] | undefined {
  try {
    const document = JSON.parse(readFileSync(path.join(E2E_DIR, file), 'utf8')) as {
      trustPolicies: Record<string, unknown>[];
    };
    return document.trustPolicies;
  } catch {
    return undefined;
  }
}

/** The statements of a vector as TrustPolicy objects (a `globalPolicy` statement has none). */
function objectsOf(file: string): TrustPolicyObject[] {
  return (parseVector(file) ?? []).flatMap((statement) => {
    try {
      return [fromNotationStatement(statement)];
    } catch {
      return [];
    }
  });
}

/** The invalid vectors: what this verifier refuses, plus the one whose store is missing. */
function invalidVectors(): string[] {
  return readdirSync(E2E_DIR)
    .filter((file) => {
      const statements = parseVector(file);
      if (!statements) return true;
      const document = { version: '1.0', trustPolicies: statements };
      return validateTrustPolicyDocument(document).length > 0 || file in NOT_READY;
    })
    .sort();
}

let cp: ControlPlane;

async function create(object: unknown) {
  return cp.kubectl(['create', '-f', '-', '-o', 'name'], { input: JSON.stringify(object) });
}

async function getJson<T>(args: string[]): Promise<T> {
  const result = await cp.kubectl(['get', ...args, '-o', 'json']);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as T;
}

/** The cluster as the live source would see it (no Secrets or ConfigMaps needed here). */
async function clusterState(): Promise<ClusterState> {
  const policies = await getJson<{ items: TrustPolicyObject[] }>(['trustpolicies']);
  const stores = await getJson<{ items: TrustStoreObject[] }>(['truststores']);
  const namespaces = await getJson<{
    items: { metadata: { name: string; labels: Record<string, string> } }[];
  }>(['namespaces']);
  return {
    policies: policies.items,
    stores: stores.items,
    secrets: new Map(),
    configMaps: new Map(),
    namespaces: new Map(namespaces.items.map((n) => [n.metadata.name, n.metadata.labels])),
  };
}

const e2eStore: TrustStoreObject = {
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustStore',
  metadata: { name: 'e2e' },
  spec: { type: 'ca', certificates: [E2E_PEM] },
};

const strictPolicy = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustPolicy',
  metadata: { name },
  spec: {
    registryScopes: ['registry.example.com/team/app'],
    signatureVerification: { level: 'strict' },
    trustStores: ['ca:e2e'],
    trustedIdentities: ['*'],
    ...spec,
  },
});

describe('TrustPolicy and TrustStore CRDs', () => {
  beforeAll(async () => {
    cp = await startControlPlane();
    const applied = await cp.kubectl(['apply', '-f', CRDS]);
    expect(applied.stderr).toBe('');
    const established = await cp.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/trustpolicies.notary-admission.dev',
      'crd/truststores.notary-admission.dev',
    ]);
    expect(established.code).toBe(0);
    expect((await create(e2eStore)).code).toBe(0);
  });
  afterAll(() => cp?.stop());
  afterEach(async () => {
    await cp.kubectl(['delete', 'trustpolicies', '--all', '--wait=true']);
  });

  describe('when installed with kubectl apply', () => {
    it('returns the CRDs Established at v1alpha1, the cluster ones cluster-scoped, the teams’ namespaced', async () => {
      const crd = await getJson<{ spec: { scope: string; versions: { name: string }[] } }>([
        'crd',
        'trustpolicies.notary-admission.dev',
      ]);
      expect(crd.spec.scope).toBe('Cluster');
      expect(crd.spec.versions.map((v) => v.name)).toEqual(['v1alpha1']);
      const names = await cp.kubectl([
        'api-resources',
        '--api-group=notary-admission.dev',
        '-o',
        'name',
      ]);
      expect(names.stdout.split('\n').filter(Boolean).sort()).toEqual([
        'namespacetrustpolicies.notary-admission.dev',
        'namespacetruststores.notary-admission.dev',
        'trustpolicies.notary-admission.dev',
        'trustpolicyexceptions.notary-admission.dev',
        'truststores.notary-admission.dev',
      ]);
      const namespaced = await cp.kubectl([
        'api-resources',
        '--api-group=notary-admission.dev',
        '--namespaced=true',
        '-o',
        'name',
      ]);
      // Issue 17: what a team may write lives in its namespace; the baseline stays cluster-scoped.
      expect(namespaced.stdout.split('\n').filter(Boolean).sort()).toEqual([
        'namespacetrustpolicies.notary-admission.dev',
        'namespacetruststores.notary-admission.dev',
        'trustpolicyexceptions.notary-admission.dev',
      ]);
    });

    it('explains trustpolicy.spec.signatureVerification with descriptions and enums', async () => {
      const result = await cp.kubectl(['explain', 'trustpolicy.spec.signatureVerification']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('What "verified" means');
      expect(result.stdout).toMatch(/level\s+<string> -required-/);
      expect(result.stdout).toContain('enum: strict, permissive, audit, skip');
      expect(result.stdout).toContain('integrity cannot be overridden');
      const store = await cp.kubectl(['explain', 'truststore.spec.certificatesFrom']);
      expect(store.stdout).toContain('trust namespace');
    });
  });

  describe('when given each invalid notation e2e trust policy translated to TrustPolicy objects', () => {
    it('accounts for every invalid vector: refused, reported not Ready, or not expressible', () => {
      const classified = [...Object.keys(REFUSED), ...Object.keys(NOT_READY), ...NOT_EXPRESSIBLE];
      expect(classified.sort()).toEqual(invalidVectors());
      for (const file of NOT_EXPRESSIBLE) expect(objectsOf(file)).toEqual([]);
    });

    it.each(Object.entries(REFUSED))('refuses %s naming the field', async (file, message) => {
      const objects = objectsOf(file);
      expect(objects.length).toBeGreaterThan(0);
      const results = [];
      for (const object of objects) results.push(await create(object));
      const refused = results.filter((r) => r.code !== 0);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.map((r) => r.stderr).join('\n')).toContain(message);
    });

    it.each(Object.entries(NOT_READY))(
      'accepts %s and compileCluster reports it not Ready (%s)',
      async (file, reason) => {
        const objects = objectsOf(file);
        for (const object of objects) expect((await create(object)).stderr).toBe('');
        const compiled = compileCluster(await clusterState(), OPTIONS);
        expect(compiled.stores.get('e2e')?.ready).toBe(true);
        for (const object of objects)
          expect(compiled.policies.get(object.metadata.name)).toMatchObject({
            ready: false,
            reason,
          });
        expect(compiled.snapshot.documentFor('default').trustPolicies).toEqual([]);
        expect(compiled.snapshot.blocked?.('default', 'localhost:5000/test-repo8')?.policy).toBe(
          objects[0]!.metadata.name,
        );
      },
    );
  });

  describe('when an enum has a value outside it', () => {
    it.each([
      [
        'level',
        { signatureVerification: { level: 'paranoid' } },
        'spec.signatureVerification.level: Unsupported value: "paranoid"',
      ],
      [
        'action',
        { action: 'Block' },
        'spec.action: Unsupported value: "Block": supported values: "Deny", "Warn", "Audit"',
      ],
      [
        'onError',
        { onError: 'Maybe' },
        'spec.onError: Unsupported value: "Maybe": supported values: "Deny", "Allow"',
      ],
      [
        'override',
        { signatureVerification: { level: 'strict', override: { expiry: 'ignore' } } },
        'spec.signatureVerification.override.expiry: Unsupported value: "ignore"',
      ],
      [
        'verifyTimestamp',
        { signatureVerification: { level: 'strict', verifyTimestamp: 'never' } },
        'spec.signatureVerification.verifyTimestamp: Unsupported value: "never"',
      ],
    ])('refuses a TrustPolicy with a bad %s', async (_, spec, message) => {
      const result = await create(strictPolicy('bad-enum', spec));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(message);
    });

    it('refuses a TrustStore with a bad type', async () => {
      const result = await create({
        ...e2eStore,
        metadata: { name: 'bad-type' },
        spec: { type: 'root', certificates: [E2E_PEM] },
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        'spec.type: Unsupported value: "root": supported values: "ca", "signingAuthority", "tsa"',
      );
    });
  });

  describe('when a policy uses skip with the global scope (D2)', () => {
    it('refuses it with the reason', async () => {
      const result = await create(
        strictPolicy('skip-all', {
          registryScopes: ['*'],
          signatureVerification: { level: 'skip' },
          trustStores: [],
          trustedIdentities: [],
        }),
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        'spec.registryScopes: Forbidden: level skip cannot be used with the global scope "*"; list the repositories to skip',
      );
    });
  });

  describe('when a TrustStore breaks the source rules', () => {
    it('refuses one without certificates and one naming both a Secret and a ConfigMap', async () => {
      const none = await create({ ...e2eStore, metadata: { name: 'empty' }, spec: { type: 'ca' } });
      expect(none.stderr).toContain(
        'spec: Required value: at least one of certificates or certificatesFrom is required',
      );
      const both = await create({
        ...e2eStore,
        metadata: { name: 'both' },
        spec: {
          type: 'ca',
          certificatesFrom: [
            { secretKeyRef: { name: 'a', key: 'b' }, configMapKeyRef: { name: 'a', key: 'b' } },
          ],
        },
      });
      expect(both.stderr).toContain(
        'spec.certificatesFrom[0]: Invalid value: "object": exactly one of secretKeyRef or configMapKeyRef is required',
      );
    });
  });

  describe('when a policy has signer groups (issue 14)', () => {
    const groups = [
      { name: 'vendor', trustStores: ['ca:e2e'], trustedIdentities: ['*'] },
      { name: 'org', trustStores: ['ca:e2e'], trustedIdentities: ['*'] },
    ];
    const grouped = (spec: Record<string, unknown>) => {
      const object = strictPolicy('grouped', { signers: groups });
      const rest: Record<string, unknown> = { ...object.spec };
      delete rest['trustStores'];
      delete rest['trustedIdentities'];
      return { ...object, spec: { ...rest, ...spec } };
    };

    it('accepts groups with a signersRequired and compiles them Ready', async () => {
      expect((await create(grouped({ signersRequired: 1 }))).stderr).toBe('');
      const compiled = compileCluster(await clusterState(), OPTIONS);
      expect(compiled.policies.get('grouped')).toMatchObject({ ready: true });
    });

    it.each([
      [
        'a group without trust stores',
        { signers: [{ name: 'org', trustedIdentities: ['*'] }] },
        'spec.signers[0].trustStores: Required value',
      ],
      [
        'a group without identities',
        { signers: [{ name: 'org', trustStores: ['ca:e2e'], trustedIdentities: [] }] },
        'spec.signers[0].trustedIdentities: Invalid value: 0',
      ],
      [
        'duplicate group names',
        { signers: [groups[0], { ...groups[1], name: 'vendor' }] },
        'spec.signers[1]: Duplicate value: map[string]interface {}{"name":"vendor"}',
      ],
      [
        'a group that skips',
        { signers: [{ ...groups[0], signatureVerification: { level: 'skip' } }] },
        'spec.signers[0].signatureVerification.level: Unsupported value: "skip"',
      ],
      [
        'skip with signers',
        { signatureVerification: { level: 'skip' }, registryScopes: ['registry.example.com/a'] },
        'a policy with level skip verifies nothing, so it cannot set signers, signersRequired or userMetadata',
      ],
      [
        'trust of its own beside signers',
        { trustStores: ['ca:e2e'] },
        'spec.signers: Forbidden: with signers, each signer group has its own trustStores',
      ],
      [
        'user metadata beside signers',
        { userMetadata: { buildId: '42' } },
        'spec.signers: Forbidden: with signers',
      ],
      [
        'signersRequired above the groups',
        { signersRequired: 3 },
        'spec.signersRequired: Invalid value: "object": signersRequired needs signers, and at most as many as there are signer groups',
      ],
    ])('refuses %s', async (_, spec, message) => {
      const result = await create(grouped(spec));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(message);
    });

    it('refuses signersRequired without signers', async () => {
      const result = await create(strictPolicy('single', { signersRequired: 1 }));
      expect(result.stderr).toContain('spec.signersRequired: Invalid value');
    });

    it('accepts user metadata on a single-statement policy', async () => {
      const result = await create(strictPolicy('single', { userMetadata: { buildId: '42' } }));
      expect(result.stderr).toBe('');
    });
  });

  describe('when the admission fields are left out', () => {
    it('returns the object with action Deny, onError Deny and mutateDigest true', async () => {
      expect((await create(strictPolicy('defaults'))).stderr).toBe('');
      const object = await getJson<TrustPolicyObject>(['trustpolicy', 'defaults']);
      expect(object.spec).toMatchObject({ action: 'Deny', onError: 'Deny', mutateDigest: true });
    });
  });

  describe('when the service writes status through the subresource', () => {
    it('stores it, ignores spec changes sent with it, and prints the columns', async () => {
      expect((await create(strictPolicy('columns', { action: 'Warn' }))).stderr).toBe('');
      const state = await clusterState();
      const compiled = compileCluster(state, OPTIONS);
      const object = state.policies.find((p) => p.metadata.name === 'columns')!;
      const status = policyStatus(object, compiled.policies.get('columns')!, new Date());
      expect(status).toBeDefined();
      const patch = { status, spec: { action: 'Audit' } };
      const patched = await cp.kubectl([
        'patch',
        'trustpolicy',
        'columns',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify(patch),
      ]);
      expect(patched.stderr).toBe('');
      const after = await getJson<TrustPolicyObject>(['trustpolicy', 'columns']);
      expect(after.status).toEqual(status);
      expect(after.spec.action).toBe('Warn');
      expect(policyStatus(after, compiled.policies.get('columns')!, new Date())).toBeUndefined();

      const table = await cp.kubectl(['get', 'trustpolicies']);
      const [header, row] = table.stdout.trim().split('\n');
      expect(header?.split(/\s+/)).toEqual([
        'NAME',
        'LEVEL',
        'ACTION',
        'SCOPES',
        'SIGNERS',
        'REFERRERS',
        'READY',
        'REASON',
        'AGE',
      ]);
      expect(row?.split(/\s+/).slice(0, 8)).toEqual([
        'columns',
        'strict',
        'Warn',
        'registry.example.com/team/app',
        '1',
        '0',
        'True',
        'Valid',
      ]);
    });

    it('stores a TrustStore status and prints its certificate count', async () => {
      const state = await clusterState();
      const compiled = compileCluster(state, OPTIONS);
      const object = state.stores.find((s) => s.metadata.name === 'e2e')!;
      const status = storeStatus(object, compiled.stores.get('e2e')!, new Date());
      const patched = await cp.kubectl([
        'patch',
        'truststore',
        'e2e',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status }),
      ]);
      expect(patched.stderr).toBe('');
      const after = await getJson<TrustStoreObject>(['truststore', 'e2e']);
      expect(after.status?.certificates?.[0]?.subject).toBe(
        'C=US, ST=WA, L=Seattle, O=Notary, CN=e2e',
      );
      const table = await cp.kubectl(['get', 'truststores']);
      const [header, row] = table.stdout.trim().split('\n');
      expect(header?.split(/\s+/)).toEqual(['NAME', 'TYPE', 'CERTIFICATES', 'READY', 'AGE']);
      expect(row?.split(/\s+/).slice(0, 4)).toEqual(['e2e', 'ca', '1', 'True']);
    });
  });

  describe('when the examples are applied', () => {
    it('accepts them and compiles them Ready', async () => {
      const applied = await cp.kubectl([
        'apply',
        '-f',
        path.join(ROOT, 'examples/truststore.yaml'),
        '-f',
        path.join(ROOT, 'examples/trustpolicy.yaml'),
      ]);
      expect(applied.stderr).toBe('');
      const compiled = compileCluster(await clusterState(), OPTIONS);
      expect(compiled.stores.get('example')).toMatchObject({
        ready: true,
        message: '1 certificate',
      });
      expect(compiled.policies.get('example-apps')?.ready).toBe(true);
      expect(compiled.policies.get('example-public-mirror')?.ready).toBe(true);
      await cp.kubectl(['delete', 'truststore', 'example']);
    });
  });
});
