import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { VECTORS } from '../../../test/support/vectors.js';
import {
  parseTrustPolicyDocument,
  type TrustPolicyDocument,
  type TrustPolicyStatement,
} from '../../verify/index.js';
import { ConfigError } from '../errors.js';
import { fromNotationDocument, fromNotationStatement, toStatement } from './to-statement.js';
import type { TrustPolicyObject } from './types.js';

const E2E_DIR = path.join(VECTORS, 'trustpolicies/notation-e2e');
const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');

/** Every statement of every e2e vector that is JSON and an OCI policy. */
function e2eStatements(): [string, Record<string, unknown>][] {
  return readdirSync(E2E_DIR).flatMap((file) => {
    let document: { trustPolicies?: Record<string, unknown>[] };
    try {
      document = JSON.parse(readFileSync(path.join(E2E_DIR, file), 'utf8')) as typeof document;
    } catch {
      return [];
    }
    return (document.trustPolicies ?? [])
      .filter((s) => !('globalPolicy' in s))
      .map((s, i): [string, Record<string, unknown>] => [`${file}#${i}`, s]);
  });
}

const object = (spec: Record<string, unknown>, name = 'prod'): TrustPolicyObject =>
  ({
    apiVersion: 'notary-admission.dev/v1alpha1',
    kind: 'TrustPolicy',
    metadata: { name, generation: 3 },
    spec,
  }) as unknown as TrustPolicyObject;

const STRICT = {
  registryScopes: ['registry.example.com/app'],
  signatureVerification: { level: 'strict' },
  trustStores: ['ca:prod'],
  trustedIdentities: ['*'],
};

describe('toStatement', () => {
  describe('when the object is complete', () => {
    it('returns the notation statement named after the object, the admission fields and the selector', () => {
      const translated = toStatement(
        object({
          ...STRICT,
          namespaceSelector: { matchLabels: { env: 'prod' } },
          action: 'Warn',
          onError: 'Allow',
          mutateDigest: false,
        }),
      );
      expect(translated.statement).toEqual({ name: 'prod', ...STRICT });
      expect(translated.admission).toEqual({
        policy: 'prod',
        action: 'Warn',
        onError: 'Allow',
        mutateDigest: false,
      });
      expect(translated.problems).toEqual([]);
      expect(translated.selector.ok && translated.selector.matches({ env: 'prod' })).toBe(true);
      expect(translated.selector.ok && translated.selector.matches({ env: 'dev' })).toBe(false);
    });
  });

  describe('when the admission fields are absent', () => {
    it('returns the defaults Deny, Deny, true and an empty selector', () => {
      const translated = toStatement(object({ ...STRICT }));
      expect(translated.admission).toEqual({
        policy: 'prod',
        action: 'Deny',
        onError: 'Deny',
        mutateDigest: true,
      });
      expect(translated.selector.ok && translated.selector.empty).toBe(true);
    });
  });

  describe('when the admission fields are invalid (a schema the API server did not enforce)', () => {
    it('returns a problem naming each field', () => {
      const translated = toStatement(
        object({ ...STRICT, action: 'Block', onError: 'Maybe', mutateDigest: 'yes' }),
      );
      expect(translated.problems).toEqual([
        'spec.action: "Block" is not one of Deny, Warn, Audit',
        'spec.onError: "Maybe" is not one of Deny, Allow',
        'spec.mutateDigest: must be true or false',
      ]);
    });
  });

  describe('when skip leaves trustStores and trustedIdentities out', () => {
    it('returns a statement without them (null is absent)', () => {
      const spec = {
        registryScopes: ['registry.example.com/app'],
        signatureVerification: { level: 'skip' },
        trustStores: null,
      };
      expect(toStatement(object(spec)).statement).toEqual({
        name: 'prod',
        registryScopes: ['registry.example.com/app'],
        signatureVerification: { level: 'skip' },
      });
    });
  });
});

describe('fromNotationStatement', () => {
  describe('when given each statement of the notation e2e trust policies', () => {
    it.each(e2eStatements())('returns an object that translates back to %s', (_, statement) => {
      const translated = toStatement(fromNotationStatement(statement));
      expect(translated.statement).toEqual(statement);
      expect(translated.problems).toEqual([]);
    });
  });

  describe('when given admission fields', () => {
    it('returns them in the spec beside the statement', () => {
      const statement = { name: 'prod', ...STRICT } as TrustPolicyStatement;
      const selector = { matchLabels: { 'kubernetes.io/metadata.name': 'prod' } };
      expect(
        fromNotationStatement(statement, { action: 'Audit', namespaceSelector: selector }),
      ).toEqual({
        apiVersion: 'notary-admission.dev/v1alpha1',
        kind: 'TrustPolicy',
        metadata: { name: 'prod' },
        spec: { ...STRICT, action: 'Audit', namespaceSelector: selector },
      });
    });
  });

  describe('when verifyTimestamp is empty (notation reads it as the default)', () => {
    it('returns an object without it', () => {
      const statement = {
        ...STRICT,
        name: 'p',
        signatureVerification: { level: 'strict', verifyTimestamp: '' },
      };
      expect(fromNotationStatement(statement).spec.signatureVerification).toEqual({
        level: 'strict',
      });
    });
  });

  describe('when the statement has a member TrustPolicy cannot express', () => {
    it('throws CONFIG_INVALID naming it', () => {
      const statement = {
        name: 'g',
        globalPolicy: true,
        signatureVerification: { level: 'audit' },
      };
      expect(() => fromNotationStatement(statement)).toThrow(ConfigError);
      expect(() => fromNotationStatement(statement)).toThrow(
        'statement "g": globalPolicy cannot be expressed as a TrustPolicy (OCI trust policy statements only)',
      );
    });
  });
});

describe('fromNotationDocument', () => {
  describe('when given examples/trustpolicy.json', () => {
    it('returns the statements of examples/trustpolicy.yaml with the default admission fields', () => {
      const text = readFileSync(path.join(EXAMPLES, 'trustpolicy.json'), 'utf8');
      const document = JSON.parse(text) as TrustPolicyDocument;
      expect(parseTrustPolicyDocument(text).trustPolicies).toHaveLength(2);
      const objects = loadAll(
        readFileSync(path.join(EXAMPLES, 'trustpolicy.yaml'), 'utf8'),
      ) as TrustPolicyObject[];
      const fromJson = fromNotationDocument(document).map(toStatement);
      const fromYaml = objects.map(toStatement);
      expect(fromYaml.map((t) => t.statement)).toEqual(fromJson.map((t) => t.statement));
      expect(fromYaml.map((t) => t.admission)).toEqual(fromJson.map((t) => t.admission));
      expect(fromYaml.map((t) => t.selector.ok && t.selector.empty)).toEqual([true, true]);
    });
  });
});
