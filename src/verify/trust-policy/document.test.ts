import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VECTORS, vectorText } from '../../../test/support/vectors.js';
import { PolicyError, type PolicyErrorCode } from '../errors.js';
import {
  parseTrustPolicyDocument,
  selectTrustPolicy,
  validateTrustPolicyDocument,
  validationActions,
} from './index.js';

const DIR = 'trustpolicies/notation-e2e';
const policy = (name: string): string => vectorText(`${DIR}/${name}`);
const json = (name: string): Record<string, unknown> =>
  JSON.parse(policy(name)) as Record<string, unknown>;

function errorOf(run: () => unknown): PolicyError {
  try {
    run();
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

/** One OCI statement, valid as is; tests change one member at a time. */
const statement = (changes: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'test',
  registryScopes: ['registry.example.com/team/app'],
  signatureVerification: { level: 'strict' },
  trustStores: ['ca:e2e'],
  trustedIdentities: ['*'],
  ...changes,
});
const doc = (...statements: unknown[]) => ({ version: '1.0', trustPolicies: statements });

// C-51: every invalid e2e policy, with the code it must be refused with.
const INVALID: Record<string, PolicyErrorCode> = {
  'empty_registry_scope_trustpolicy.json': 'SCOPE_INVALID',
  'malformed_registry_scope_trustpolicy.json': 'SCOPE_INVALID',
  'overlapped_registry_scope_trustpolicy.json': 'SCOPE_DUPLICATE',
  'wildcard_plus_other_registry_scope_trustpolicy.json': 'SCOPE_INVALID',
  'multi_statements_with_the_same_registry_scope_trustpolicy.json': 'SCOPE_DUPLICATE',
  'multi_statements_with_multi_wildcard_registry_scope_trustpolicy.json': 'SCOPE_DUPLICATE',
  'multi_statements_with_the_same_name_trustpolicy.json': 'POLICY_NAME_DUPLICATE',
  'unset_trust_store_trustpolicy.json': 'TRUST_STORE_REFERENCE_INVALID',
  'unset_trusted_identity_trustpolicy.json': 'IDENTITY_INVALID',
  'malformed_trust_store_trustpolicy.json': 'TRUST_STORE_REFERENCE_INVALID',
  'wildcard_trust_store_trustpolicy.json': 'TRUST_STORE_REFERENCE_INVALID',
  'empty_trusted_identity_trustpolicy.json': 'IDENTITY_INVALID',
  'malformed_trusted_identity_trustpolicy.json': 'IDENTITY_INVALID',
  'missing_country_trusted_identity_trustpolicy.json': 'IDENTITY_INVALID',
  'missing_state_trusted_identity_trustpolicy.json': 'IDENTITY_INVALID',
  'missing_organization_trusted_identity_trustpolicy.json': 'IDENTITY_INVALID',
  'overlapped_trusted_identity_trustpolicy.json': 'IDENTITIES_OVERLAP',
  'wildcard_plus_other_trusted_identity_trustpolicy.json': 'IDENTITY_INVALID',
  'override_integrity_for_permissive_trustpolicy.json': 'OVERRIDE_INVALID',
  'invalid_format_trustpolicy.json': 'POLICY_MALFORMED',
  // D2: notation accepts it, this verifier does not.
  'skip_trustpolicy.json': 'SKIP_WITH_GLOBAL_SCOPE',
  // Blob policies (no registryScopes) are not OCI policies.
  'blob_trust_policy.json': 'SCOPE_INVALID',
  'trustpolicy.blob.json': 'SCOPE_INVALID',
};

const VALID = readdirSync(path.join(VECTORS, DIR)).filter((name) => !(name in INVALID));

describe('parseTrustPolicyDocument', () => {
  describe('when given a notation e2e policy that notation accepts', () => {
    it('lists the 21 valid vectors the directory holds', () => {
      expect(VALID).toHaveLength(21);
      expect(VALID).toContain('invalid_trusted_identity_trustpolicy.json');
      expect(VALID).toContain('invalid_trust_store_trustpolicy.json');
    });

    it.each(VALID)('returns a document for %s', (name) => {
      const parsed = parseTrustPolicyDocument(policy(name));
      expect(parsed.version).toBe('1.0');
      expect(parsed.trustPolicies.length).toBeGreaterThan(0);
      expect(validateTrustPolicyDocument(json(name))).toEqual([]);
    });
  });

  describe('when given an invalid notation e2e policy', () => {
    it.each(Object.entries(INVALID))('C-51 throws for %s with %s', (name, code) => {
      expect(errorOf(() => parseTrustPolicyDocument(policy(name))).code).toBe(code);
    });
  });

  describe('when a blob trust policy is given', () => {
    it('C-51 reports every statement as lacking registryScopes and globalPolicy as unknown', () => {
      const errors = validateTrustPolicyDocument(json('trustpolicy.blob.json'));
      expect(errors.filter((e) => e.code === 'SCOPE_INVALID').map((e) => e.path)).toEqual([
        'trustPolicies[0].registryScopes',
        'trustPolicies[1].registryScopes',
        'trustPolicies[2].registryScopes',
      ]);
      expect(errors.find((e) => e.code === 'POLICY_MALFORMED')?.path).toBe(
        'trustPolicies[1].globalPolicy',
      );
    });
  });

  describe('when a statement breaks one of the rules notation-go checks', () => {
    it.each<[string, unknown, PolicyErrorCode, string]>([
      [
        'version "2.0"',
        { ...doc(statement()), version: '2.0' },
        'POLICY_VERSION_UNSUPPORTED',
        'version',
      ],
      [
        'a missing version',
        { trustPolicies: [statement()] },
        'POLICY_VERSION_UNSUPPORTED',
        'version',
      ],
      ['no statements', doc(), 'POLICY_MALFORMED', 'trustPolicies'],
      ['an array document', [statement()], 'POLICY_MALFORMED', ''],
      [
        'an empty name',
        doc(statement({ name: '' })),
        'POLICY_NAME_INVALID',
        'trustPolicies[0].name',
      ],
      ['a numeric name', doc(statement({ name: 7 })), 'POLICY_MALFORMED', 'trustPolicies[0].name'],
      [
        'an unknown level',
        doc(statement({ signatureVerification: { level: 'lenient' } })),
        'LEVEL_INVALID',
        'trustPolicies[0].signatureVerification.level',
      ],
      [
        'a level in another case',
        doc(statement({ signatureVerification: { level: 'Strict' } })),
        'LEVEL_INVALID',
        'trustPolicies[0].signatureVerification.level',
      ],
      [
        'no signatureVerification',
        doc(statement({ signatureVerification: undefined })),
        'LEVEL_INVALID',
        'trustPolicies[0].signatureVerification.level',
      ],
      [
        'skip with trust stores',
        doc(statement({ signatureVerification: { level: 'skip' }, trustedIdentities: [] })),
        'TRUST_STORE_REFERENCE_INVALID',
        'trustPolicies[0].trustStores',
      ],
      [
        'skip with trusted identities',
        doc(statement({ signatureVerification: { level: 'skip' }, trustStores: [] })),
        'IDENTITY_INVALID',
        'trustPolicies[0].trustedIdentities',
      ],
      [
        'override expiry: skip',
        doc(
          statement({ signatureVerification: { level: 'strict', override: { expiry: 'skip' } } }),
        ),
        'OVERRIDE_INVALID',
        'trustPolicies[0].signatureVerification.override.expiry',
      ],
      [
        'an override of skip',
        doc(
          statement({
            signatureVerification: { level: 'skip', override: { revocation: 'log' } },
            registryScopes: ['registry.example.com/a'],
            trustStores: [],
            trustedIdentities: [],
          }),
        ),
        'OVERRIDE_INVALID',
        'trustPolicies[0].signatureVerification.override',
      ],
      [
        'verifyTimestamp "sometimes"',
        doc(
          statement({ signatureVerification: { level: 'strict', verifyTimestamp: 'sometimes' } }),
        ),
        'VERIFY_TIMESTAMP_INVALID',
        'trustPolicies[0].signatureVerification.verifyTimestamp',
      ],
      [
        'an unknown store type',
        doc(statement({ trustStores: ['x509:e2e'] })),
        'TRUST_STORE_REFERENCE_INVALID',
        'trustPolicies[0].trustStores[0]',
      ],
      [
        'a store name with a slash',
        doc(statement({ trustStores: ['ca:../e2e'] })),
        'TRUST_STORE_REFERENCE_INVALID',
        'trustPolicies[0].trustStores[0]',
      ],
      [
        'a scope with a tag',
        doc(statement({ registryScopes: ['registry.example.com/app:v1'] })),
        'SCOPE_INVALID',
        'trustPolicies[0].registryScopes[0]',
      ],
      [
        'a scope with a wildcard that is not the whole last component (a prefix is: scope.test.ts)',
        doc(statement({ registryScopes: ['registry.example.com/*/app'] })),
        'SCOPE_INVALID',
        'trustPolicies[0].registryScopes[0]',
      ],
      [
        'a scope with a scheme',
        doc(statement({ registryScopes: ['https://registry.example.com/app'] })),
        'SCOPE_INVALID',
        'trustPolicies[0].registryScopes[0]',
      ],
      [
        'a scope without a repository',
        doc(statement({ registryScopes: ['nginx'] })),
        'SCOPE_INVALID',
        'trustPolicies[0].registryScopes[0]',
      ],
      [
        'an override key inherited from Object.prototype',
        doc(
          statement({
            signatureVerification: { level: 'strict', override: { constructor: 'log' } },
          }),
        ),
        'OVERRIDE_INVALID',
        'trustPolicies[0].signatureVerification.override.constructor',
      ],
      [
        'an unknown statement member',
        doc(statement({ Override: {} })),
        'POLICY_MALFORMED',
        'trustPolicies[0].Override',
      ],
      [
        'an unknown signatureVerification member',
        doc(statement({ signatureVerification: { level: 'strict', verifyTimeStamp: 'always' } })),
        'POLICY_MALFORMED',
        'trustPolicies[0].signatureVerification.verifyTimeStamp',
      ],
      [
        'trustStores as a string',
        doc(statement({ trustStores: 'ca:e2e' })),
        'POLICY_MALFORMED',
        'trustPolicies[0].trustStores',
      ],
    ])('C-51 throws for %s', (_, input, code, at) => {
      const error = errorOf(() => parseTrustPolicyDocument(input));
      expect([error.code, error.path]).toEqual([code, at]);
    });
  });

  describe('when a skip statement uses the global scope', () => {
    it('C-53 throws SKIP_WITH_GLOBAL_SCOPE (D2, notation accepts it)', () => {
      const input = doc({
        name: 'skip-all',
        registryScopes: ['*'],
        signatureVerification: { level: 'skip' },
      });
      const error = errorOf(() => parseTrustPolicyDocument(input));
      expect([error.code, error.path]).toEqual([
        'SKIP_WITH_GLOBAL_SCOPE',
        'trustPolicies[0].registryScopes',
      ]);
    });

    it('C-53 returns the document when skip names exact repositories', () => {
      const parsed = parseTrustPolicyDocument(
        doc(
          { name: 'skip', registryScopes: ['r.io/a'], signatureVerification: { level: 'skip' } },
          statement({ registryScopes: ['*'] }),
        ),
      );
      expect(selectTrustPolicy(parsed, 'r.io/a')?.signatureVerification.level).toBe('skip');
      expect(parsed.trustPolicies[0]).toMatchObject({ trustStores: [], trustedIdentities: [] });
    });
  });

  describe('when the document is valid', () => {
    it('returns normalised statements: stores de-duplicated, empty settings dropped', () => {
      const parsed = parseTrustPolicyDocument(
        doc(
          statement({
            trustStores: ['ca:e2e', 'ca:e2e', 'tsa:e2e'],
            signatureVerification: { level: 'audit', override: {}, verifyTimestamp: '' },
          }),
        ),
      );
      expect(parsed.trustPolicies[0]).toEqual({
        name: 'test',
        registryScopes: ['registry.example.com/team/app'],
        signatureVerification: { level: 'audit' },
        trustStores: ['ca:e2e', 'tsa:e2e'],
        trustedIdentities: ['*'],
      });
    });

    it('returns verifyTimestamp and override as given', () => {
      const sv = { level: 'strict', override: { revocation: 'skip' }, verifyTimestamp: 'always' };
      const parsed = parseTrustPolicyDocument(doc(statement({ signatureVerification: sv })));
      expect(parsed.trustPolicies[0]!.signatureVerification).toEqual(sv);
    });
  });
});

describe('validateTrustPolicyDocument', () => {
  describe('when a document has several problems', () => {
    it('returns every one of them with its path', () => {
      const errors = validateTrustPolicyDocument({
        version: '2.0',
        trustPolicies: [
          statement({ name: 'a', trustStores: ['ca:'] }),
          statement({ name: 'a', trustedIdentities: ['x509.subject: C=US, O=x'] }),
        ],
      });
      expect(errors.map((e) => [e.code, e.path])).toEqual([
        ['POLICY_VERSION_UNSUPPORTED', 'version'],
        ['TRUST_STORE_REFERENCE_INVALID', 'trustPolicies[0].trustStores[0]'],
        ['POLICY_NAME_DUPLICATE', 'trustPolicies[1].name'],
        ['IDENTITY_INVALID', 'trustPolicies[1].trustedIdentities[0]'],
        ['SCOPE_DUPLICATE', 'trustPolicies[1].registryScopes[0]'],
      ]);
    });
  });

  describe('when the text is not JSON', () => {
    it('returns POLICY_MALFORMED', () => {
      expect(validateTrustPolicyDocument('{').map((e) => e.code)).toEqual(['POLICY_MALFORMED']);
    });
  });
});

// Fuzzing: arbitrary JSON, and valid vectors mutated at random paths.
const numRuns = Number(process.env['FUZZ_RUNS'] ?? 10_000);
// Generous: the runs are fast, but a loaded CI machine must not turn them into a flake.
const timeout = Math.max(60_000, numRuns * 20);

type Mutation = { at: number; op: 'set' | 'delete'; value: unknown };

function mutate(value: unknown, mutations: Mutation[]): unknown {
  const copy = structuredClone(value);
  for (const { at, op, value: replacement } of mutations) {
    const containers: [Record<string, unknown> | unknown[], string | number][] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node))
        node.forEach((child, i) => (containers.push([node, i]), walk(child)));
      else if (node && typeof node === 'object') {
        for (const [key, child] of Object.entries(node)) {
          containers.push([node as Record<string, unknown>, key]);
          walk(child);
        }
      }
    };
    walk(copy);
    const target = containers[at % Math.max(containers.length, 1)];
    if (!target) continue;
    const [parent, key] = target;
    if (op === 'delete' && Array.isArray(parent)) parent.splice(key as number, 1);
    else if (op === 'delete') delete (parent as Record<string, unknown>)[key];
    else (parent as Record<string | number, unknown>)[key] = replacement;
  }
  return copy;
}

function checkOutcome(input: unknown): void {
  let parsed;
  try {
    parsed = parseTrustPolicyDocument(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    expect(validateTrustPolicyDocument(input)[0]?.code).toBe((error as PolicyError).code);
    return;
  }
  expect(validateTrustPolicyDocument(input)).toEqual([]);
  for (const s of parsed.trustPolicies) {
    expect(() => validationActions(s.signatureVerification)).not.toThrow();
    const scope = s.registryScopes[0]!;
    if (scope === '*') expect(selectTrustPolicy(parsed, 'example.com/any')).toBeDefined();
    else expect(selectTrustPolicy(parsed, scope)).toBe(s);
  }
}

describe('parseTrustPolicyDocument fuzzing', () => {
  const seeds = VALID.map(json);
  const mutation = fc.record({
    at: fc.nat(),
    op: fc.constantFrom<'set' | 'delete'>('set', 'delete'),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom('*', '', 'skip', 'log', 'ca:', 'x509.subject: C=US,ST=WA,O=a+OU=b', 'S=WA'),
      fc.dictionary(
        fc.constantFrom('constructor', '__proto__', 'toString', 'revocation'),
        fc.jsonValue(),
      ),
    ),
  });

  describe('when given arbitrary JSON', () => {
    it('returns a document or throws PolicyError, never anything else', { timeout }, () => {
      fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.json(), fc.string()), checkOutcome), {
        numRuns,
      });
    });
  });

  describe('when given a mutated valid policy', () => {
    it('returns a document or throws PolicyError, never anything else', { timeout }, () => {
      const arb = fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { maxLength: 4 }));
      fc.assert(
        fc.property(arb, ([seed, mutations]) => checkOutcome(mutate(seed, mutations))),
        { numRuns },
      );
    });
  });
});
