// The CRD's CEL patterns must accept exactly what the verifier accepts, or a valid notation
// statement would be refused at write time (or an invalid one only reported in status).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { hostSpellings } from '../../../test/support/host-spellings.js';
import { validateTrustPolicyDocument } from '../../verify/index.js';

const CRD = readFileSync(
  path.resolve(
    import.meta.dirname,
    '../../../charts/notary-admission/crds/trustpolicies.notary-admission.dev.yaml',
  ),
  'utf8',
);
const patterns = [...CRD.matchAll(/self\.matches\('([^']+)'\)/g)].map((m) => new RegExp(m[1]!));
const STORE = patterns.find((p) => p.source.startsWith('^(ca|'))!;

interface Rule {
  rule: string;
  message: string;
}
type Schema = {
  properties: Record<string, Schema>;
  items: Schema;
  'x-kubernetes-validations': Rule[];
};
const spec = (load(CRD) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } }).spec
  .versions[0]!.schema.openAPIV3Schema.properties['spec']!;
const SCOPE_RULES = spec.properties['registryScopes']!.items['x-kubernetes-validations'];

/** A scope item's CEL rule, `self == '*' || [!]self.matches('…')`, as JavaScript. */
function evaluate({ rule }: Rule): (scope: string) => boolean {
  const match = /^self == '\*' \|\| (!?)self\.matches\('([^']+)'\)$/.exec(rule);
  if (!match) throw new Error(`unexpected scope rule: ${rule}`);
  const [negated, pattern] = [match[1] === '!', new RegExp(match[2]!)];
  return (scope) => scope === '*' || pattern.test(scope) !== negated;
}
const SCOPE_CHECKS = SCOPE_RULES.map(evaluate);
/** What the API server accepts at write time. */
const celAccepts = (scope: string): boolean => SCOPE_CHECKS.every((check) => check(scope));

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
  'registry.example.com:443/app',
  'registry.example.com:0443/app',
  'registry.example.com./app',
  'registry.example.com.:5000/app',
  'localhost:05000/app',
  'localhost:0/app',
  'localhost:65535/app',
  'localhost:65536/app',
  'localhost:442/app',
  'localhost:4430/app',
  '127.0.0.1:5000/app',
  '127.1:5000/app',
  '0x7f000001/app',
  '0x7f.0.0.1/app',
  '010.0.0.1/app',
  '256.0.0.1/app',
  '1.2.3.4.5/app',
  'foo.123/app',
  'foo.0x1g/app',
  'foo.0x/app',
  'a.09b/app',
  '[::1]:5000/app',
  'docker.io/library/nginx',
  'docker.io/nginx',
  'index.docker.io/library/nginx',
  'registry-1.docker.io/library/nginx',
  'index.docker.io:5000/nginx',
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
  'reg_istry.example.com/app',
  // Prefixes (docs/policy-reference.md): whole last component only, host in normal form.
  'registry.example.com/team/*',
  'registry.example.com/a/b_c/*',
  'localhost:5000/*',
  '[::1]:5000/*',
  '127.0.0.1:5000/team/*',
  'docker.io/*',
  'docker.io/library/*',
  'docker.io/nginx/*',
  'index.docker.io/*',
  'Registry.Example.com/team/*',
  'registry.example.com:443/*',
  'registry.example.com./team/*',
  'localhost:05000/*',
  '127.1/*',
  'registry.example.com/team*',
  'registry.example.com/*/app',
  'registry.example.com/team/**',
  'registry.example.com/Team/*',
  'registry.example.com//*',
  '*/*',
  '*.example.com/*',
  'registry.example.com/*/*',
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

const verifierAccepts = (scope: string): boolean =>
  !codes({ registryScopes: [scope] }).includes('SCOPE_INVALID');

/** What CEL cannot check (RFC 5952 compression, punycode): it accepts more, status reports it. */
const beyondCel = (scope: string): boolean => scope.startsWith('[') || /(^|\.)xn--/i.test(scope);

describe('TrustPolicy CRD patterns', () => {
  it('returns the trust store reference pattern and the identity prefix pattern', () => {
    expect(String(STORE)).toBe('/^(ca|signingAuthority|tsa):[A-Za-z0-9_.-]+$/');
    expect(patterns.map(String)).toContain('/^[^:]+:/');
    expect(SCOPE_RULES).toHaveLength(6);
  });

  describe('when a scope is checked by CEL and by the verifier', () => {
    it.each(SCOPES)('returns the same verdict for %s', (scope) => {
      expect(celAccepts(scope)).toBe(verifierAccepts(scope));
    });

    it('returns the same verdict for generated repository-like strings', () => {
      const part = fc.stringMatching(/^[a-z0-9._-]{1,6}$/);
      const scope = fc
        .tuple(
          fc.stringMatching(/^[a-zA-Z0-9.-]{1,12}(:[0-9]{1,6})?$/),
          fc.array(part, { minLength: 1, maxLength: 3 }),
        )
        .map(([domain, parts]) => `${domain}/${parts.join('/')}`)
        .chain((s) => fc.constantFrom(s, `${s}/*`, `${s.slice(0, s.indexOf('/'))}/*`))
        .filter((s) => !beyondCel(s));
      fc.assert(
        fc.property(scope, (s) => celAccepts(s) === verifierAccepts(s)),
        { numRuns: 2000 },
      );
    });

    it('returns the same verdict for every spelling of a host, and its normal form', () => {
      fc.assert(
        fc.property(hostSpellings(), ({ normal, spelling }) => {
          for (const s of [
            `${normal}/apps/x`,
            `${spelling}/apps/x`,
            `${spelling}/nginx`,
            `${spelling}/*`,
            `${spelling}/apps/*`,
          ])
            if (!beyondCel(s))
              expect({ s, cel: celAccepts(s) }).toEqual({ s, cel: verifierAccepts(s) });
          expect(celAccepts(`${normal}/apps/x`)).toBe(true);
        }),
        { numRuns: 1000 },
      );
    });

    it('accepts at write time every IPv6 scope the verifier accepts (the rest is reported in status)', () => {
      fc.assert(
        fc.property(hostSpellings(), ({ normal, spelling }) => {
          for (const s of [`${normal}/a`, `${spelling}/a`])
            if (verifierAccepts(s)) expect(celAccepts(s)).toBe(true);
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('when a trust store reference is checked by CEL and by the verifier', () => {
    it.each(STORES)('returns the same verdict for %s', (store) => {
      expect(STORE.test(store)).toBe(
        !codes({ trustStores: [store] }).includes('TRUST_STORE_REFERENCE_INVALID'),
      );
    });
  });
});
