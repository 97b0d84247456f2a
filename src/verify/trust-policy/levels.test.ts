import { describe, expect, it } from 'vitest';
import { vectorText } from '../../../test/support/vectors.js';
import type { PolicyError } from '../errors.js';
import {
  parseTrustPolicyDocument,
  validationActions,
  type SignatureVerification,
} from './index.js';

const e2eLevel = (name: string): SignatureVerification =>
  parseTrustPolicyDocument(vectorText(`trustpolicies/notation-e2e/${name}`)).trustPolicies[0]!
    .signatureVerification;

// Columns: integrity, authenticity, authenticTimestamp, expiry, revocation.
const row = (...a: string[]) => ({
  integrity: a[0],
  authenticity: a[1],
  authenticTimestamp: a[2],
  expiry: a[3],
  revocation: a[4],
});

describe('validationActions', () => {
  describe('when a preset level is used', () => {
    it.each([
      ['strict', row('enforce', 'enforce', 'enforce', 'enforce', 'enforce')],
      ['permissive', row('enforce', 'enforce', 'log', 'log', 'log')],
      ['audit', row('enforce', 'log', 'log', 'log', 'log')],
      ['skip', row('skip', 'skip', 'skip', 'skip', 'skip')],
    ] as const)('returns the spec table row for %s', (level, expected) => {
      expect(validationActions({ level })).toEqual(expected);
    });

    it.each(['trustpolicy.json', 'permissive_trustpolicy.json', 'audit_trustpolicy.json'])(
      'returns the row of the e2e policy %s',
      (name) => {
        const sv = e2eLevel(name);
        expect(validationActions(sv)).toEqual(validationActions({ level: sv.level }));
      },
    );
  });

  describe('when the e2e override policies are used', () => {
    it('C-57 override_strict logs authenticity, timestamp, expiry and revocation', () => {
      expect(validationActions(e2eLevel('override_strict_trustpolicy.json'))).toEqual(
        row('enforce', 'log', 'log', 'log', 'log'),
      );
    });

    it('C-57 override_permissive logs authenticity and enforces the rest', () => {
      expect(validationActions(e2eLevel('override_permissive_trustpolicy.json'))).toEqual(
        row('enforce', 'log', 'enforce', 'enforce', 'enforce'),
      );
    });

    it('C-57 override_audit enforces everything', () => {
      expect(validationActions(e2eLevel('override_audit_trustpolicy.json'))).toEqual(
        row('enforce', 'enforce', 'enforce', 'enforce', 'enforce'),
      );
    });
  });

  describe('when revocation is overridden with skip', () => {
    it('returns skip for revocation only', () => {
      expect(validationActions({ level: 'strict', override: { revocation: 'skip' } })).toEqual(
        row('enforce', 'enforce', 'enforce', 'enforce', 'skip'),
      );
    });
  });

  describe('when the setting is one the parser rejects', () => {
    it.each<[string, SignatureVerification]>([
      ['integrity log', { level: 'audit', override: { integrity: 'log' } }],
      ['integrity enforce', { level: 'strict', override: { integrity: 'enforce' } }],
      ['authenticity skip', { level: 'strict', override: { authenticity: 'skip' } }],
      ['expiry skip', { level: 'strict', override: { expiry: 'skip' } }],
      ['authenticTimestamp skip', { level: 'strict', override: { authenticTimestamp: 'skip' } }],
      ['a customised skip', { level: 'skip', override: { revocation: 'enforce' } }],
    ])('C-57 throws OVERRIDE_INVALID for %s', (_, sv) => {
      expect(() => validationActions(sv)).toThrow(
        expect.objectContaining({ code: 'OVERRIDE_INVALID' }) as PolicyError,
      );
    });

    it('throws LEVEL_INVALID for an unknown level', () => {
      const sv = { level: 'lenient' } as unknown as SignatureVerification;
      expect(() => validationActions(sv)).toThrow(
        expect.objectContaining({ code: 'LEVEL_INVALID' }) as PolicyError,
      );
    });
  });
});
