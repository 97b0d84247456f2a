import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_TYPE, parseMaxAge, PLATFORM } from '../subject-requirements.js';
import { vectorText } from '../../../test/support/vectors.js';
import { compileCluster } from './compile.js';
import type { ClusterState, TrustPolicyObject, TrustPolicySpec } from './types.js';

const E2E_PEM = vectorText('certs/notation-e2e/localkeys/e2e.crt');
const OPTIONS = {
  noMatch: 'Deny',
  now: new Date('2026-11-22T00:00:00Z'),
  trustNamespace: 'na',
} as const;
const SPDX = 'application/spdx+json';

function policy(spec: Partial<TrustPolicySpec>): TrustPolicyObject {
  return {
    apiVersion: 'notary-admission.dev/v1alpha1',
    kind: 'TrustPolicy',
    metadata: { name: 'app', generation: 1 },
    spec: {
      registryScopes: ['registry.example.com/team/app'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:e2e'],
      trustedIdentities: ['*'],
      ...spec,
    },
  };
}

const compile = (spec: Partial<TrustPolicySpec>) => {
  const state: ClusterState = {
    policies: [policy(spec)],
    stores: [
      {
        apiVersion: 'notary-admission.dev/v1alpha1',
        kind: 'TrustStore',
        metadata: { name: 'e2e', generation: 1 },
        spec: { type: 'ca', certificates: [E2E_PEM] },
      },
    ],
    secrets: new Map(),
    configMaps: new Map(),
    namespaces: new Map([['default', { 'kubernetes.io/metadata.name': 'default' }]]),
  };
  return compileCluster(state, OPTIONS);
};

describe('compileCluster with referrer and platform fields', () => {
  describe('when a single-statement policy requires a referrer signed by itself', () => {
    it('returns the requirements in the snapshot, maxAge in seconds', () => {
      const compiled = compile({
        requiredReferrers: [{ artifactType: SPDX, signer: 'app', maxAge: '7d' }],
        signedSubject: 'EachPlatform',
        platforms: ['linux/amd64'],
      });
      expect(compiled.policies.get('app')).toMatchObject({ ready: true });
      expect(compiled.snapshot.requirements?.('app')).toMatchObject({
        referrers: [{ artifactType: SPDX, signer: 'app', maxAgeSeconds: 604_800 }],
        signedSubject: 'EachPlatform',
        platforms: ['linux/amd64'],
      });
    });

    it('returns a new revision when a requirement changes', () => {
      const a = compile({ requiredReferrers: [{ artifactType: SPDX, signer: 'app' }] });
      const b = compile({
        requiredReferrers: [{ artifactType: SPDX, signer: 'app', maxAge: '1d' }],
      });
      const c = compile({
        requiredReferrers: [{ artifactType: SPDX, signer: 'app' }],
        signedSubject: 'Either',
      });
      expect(new Set([a, b, c].map((x) => x.snapshot.revision)).size).toBe(3);
    });
  });

  describe('when a requirement is wrong (what CEL refuses at write time, or cannot)', () => {
    it.each([
      [
        { requiredReferrers: [{ artifactType: SPDX, signer: 'org' }] },
        'spec.requiredReferrers[0].signer: "org" is not a signer group',
      ],
      [
        { requiredReferrers: [{ artifactType: SPDX, signer: 'app', maxAge: '9999d' }] },
        'spec.requiredReferrers[0].maxAge',
      ],
      [{ platforms: ['linux/amd64'] }, 'spec.platforms: applies only with signedSubject'],
    ])('returns the policy not Ready (InvalidSpec) naming the field: %j', (spec, message) => {
      const compiled = compile(spec);
      expect(compiled.policies.get('app')).toMatchObject({ ready: false, reason: 'InvalidSpec' });
      expect(compiled.policies.get('app')?.message).toContain(message);
      expect(compiled.snapshot.blocked?.('default', 'registry.example.com/team/app')?.policy).toBe(
        'app',
      );
    });

    it('returns a skip policy with a requirement not Ready', () => {
      const compiled = compile({
        signatureVerification: { level: 'skip' },
        trustStores: [],
        trustedIdentities: [],
        signedSubject: 'Either',
      });
      expect(compiled.policies.get('app')?.message).toContain(
        'spec.signedSubject: a policy with level skip',
      );
    });
  });
});

describe('the CRD schema of the referrer and platform fields', () => {
  type Schema = {
    properties: Record<string, Schema>;
    items: Schema;
    'x-kubernetes-validations': { rule: string }[];
  };
  const crd = load(
    readFileSync(
      path.resolve(
        import.meta.dirname,
        '../../../charts/notary-admission/crds/trustpolicies.notary-admission.dev.yaml',
      ),
      'utf8',
    ),
  ) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties['spec']!;
  const item = spec.properties['requiredReferrers']!.items;
  /** A field's CEL rule of `[!]self.matches('…')` terms joined by `&&`, as JavaScript. */
  const celOf = (schema: Schema) => {
    const terms = schema['x-kubernetes-validations'][0]!.rule.split(' && ').map((term) => {
      const m = /^(!?)self\.matches\('([^']+)'\)$/.exec(term);
      if (!m) throw new Error(`unexpected rule term: ${term}`);
      return { negated: m[1] === '!', pattern: new RegExp(m[2]!) };
    });
    return (value: string) => terms.every((t) => t.pattern.test(value) !== t.negated);
  };

  it.each([
    ['maxAge', celOf(item.properties['maxAge']!), (v: string) => parseMaxAge(v) !== undefined],
    ['artifactType', celOf(item.properties['artifactType']!), (v: string) => ARTIFACT_TYPE.test(v)],
    ['platforms', celOf(spec.properties['platforms']!.items), (v: string) => PLATFORM.test(v)],
  ])('accepts at write time what the compiler accepts: %s', (_, cel, compiler) => {
    const samples = [
      '168h',
      '7d',
      '1h30m',
      '90s',
      '0h',
      '0d0h',
      '1.5h',
      'h',
      '30m1h',
      '7 days',
      '3650d',
      'application/spdx+json',
      'application/vnd.cyclonedx+json',
      'spdx',
      'a/b/c',
      '/json',
      'linux/amd64',
      'linux/arm/v7',
      'amd64',
      'Linux/amd64',
      'linux/arm64/v8/x',
    ];
    // Above 3650d is only the compiler's (InvalidSpec in status): the CEL rule does no arithmetic.
    const differ = samples.filter((v) => cel(v) !== compiler(v) && v !== '3651d');
    expect(differ).toEqual([]);
  });
});
