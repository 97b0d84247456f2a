// The CRD's CEL patterns must accept exactly what the verifier accepts, or a valid notation
// statement would be refused at write time (or an invalid one only reported in status).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateTrustPolicyDocument } from '../../verify/index.js';

const CRD = readFileSync(
  path.resolve(
    import.meta.dirname,
    '../../../charts/notary-admission/crds/trustpolicies.notary-admission.dev.yaml',
  ),
  'utf8',
);
const patterns = [...CRD.matchAll(/self\.matches\('([^']+)'\)/g)].map((m) => new RegExp(m[1]!));
const [SCOPE, STORE] = patterns;

const codes = (statement: Record<string, unknown>) =>
  validateTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      {
        name: 'p',
        registryScopes: ['registry.example.com/app'],
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:s'],
        trustedIdentities: ['*'],
        ...statement,
      },
    ],
  }).map((e) => e.code);

const SCOPES = [
  'localhost:5000/test-repo',
  'registry.example.com/team/app',
  'Registry.Example.com:443/a/b_c/d__e/f---g.h',
  'localhost:5000\\test-repo',
  'registry.example.com/App',
  'registry.example.com/app:v1',
  'registry.example.com/app@sha256:' + 'a'.repeat(64),
  'https://registry.example.com/app',
  'registry.example.com',
  'registry.example.com/app/',
  '-bad.example.com/app',
  'registry.example.com/a_-b',
  'registry.example.com/*',
];
const STORES = [
  'ca:e2e',
  'signingAuthority:a.b-c_d',
  'tsa:x',
  'ca:',
  '*',
  'root:x',
  'ca:a/b',
  'ca:a b',
  'CA:x',
];

describe('TrustPolicy CRD patterns', () => {
  it('returns the three patterns: registry scope, trust store reference, identity prefix', () => {
    expect(patterns.map(String)).toHaveLength(3);
    expect(String(patterns[2])).toBe('/^[^:]+:/');
  });

  describe('when a scope is checked by CEL and by the verifier', () => {
    it.each(SCOPES)('returns the same verdict for %s', (scope) => {
      expect(SCOPE!.test(scope)).toBe(
        !codes({ registryScopes: [scope] }).includes('SCOPE_INVALID'),
      );
    });

    it('returns the same verdict for generated repository-like strings', () => {
      const part = fc.stringMatching(/^[a-z0-9._-]{1,6}$/);
      const scope = fc
        .tuple(
          fc.stringMatching(/^[a-zA-Z0-9.-]{1,12}(:[0-9]{1,4})?$/),
          fc.array(part, { minLength: 1, maxLength: 3 }),
        )
        .map(([domain, parts]) => `${domain}/${parts.join('/')}`);
      fc.assert(
        fc.property(
          scope,
          (s) => SCOPE!.test(s) === !codes({ registryScopes: [s] }).includes('SCOPE_INVALID'),
        ),
        { numRuns: 500 },
      );
    });
  });

  describe('when a trust store reference is checked by CEL and by the verifier', () => {
    it.each(STORES)('returns the same verdict for %s', (store) => {
      expect(STORE!.test(store)).toBe(
        !codes({ trustStores: [store] }).includes('TRUST_STORE_REFERENCE_INVALID'),
      );
    });
  });
});
