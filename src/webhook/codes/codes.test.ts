import { describe, expect, it } from 'vitest';
import { registryErrorKind, type RegistryErrorCode } from '../../registry/errors.js';
import { CONFIGURATION_CODES, DENIAL_CODES, denialCodes, isDenialCode } from './index.js';
import { REGISTRY_CODES } from './registry.js';

describe('the denial codes', () => {
  it('returns each code once, in alphabetical order', () => {
    const codes = denialCodes().map((c) => c.code);
    expect(codes).toEqual([...new Set(codes)].sort());
    expect(codes).toEqual(Object.keys(DENIAL_CODES).sort());
  });

  it('decide registry codes as their kind does: availability by onError, the rest by action', () => {
    for (const [code, entry] of Object.entries(REGISTRY_CODES)) {
      // An unreadable reference is denied whatever the policy says (src/pipeline/policy.ts).
      if (code === 'INVALID_REFERENCE') continue;
      const kind = registryErrorKind(code as RegistryErrorCode);
      expect([code, entry.decidedBy]).toEqual([
        code,
        kind === 'availability' ? 'onError' : 'action',
      ]);
    }
  });

  describe('when a string is not a denial code', () => {
    it('returns false (bare Notary v1 codes and configuration codes included)', () => {
      expect(isDenialCode('SIGNATURE_NOT_FOUND')).toBe(true);
      expect(isDenialCode('DCT_TARGET_NOT_FOUND')).toBe(true);
      expect(isDenialCode('TARGET_NOT_FOUND')).toBe(false);
      expect(isDenialCode('SCOPE_INVALID')).toBe(false);
      expect(isDenialCode('toString')).toBe(false);
    });
  });
});

describe('every entry', () => {
  it('has a one-line meaning and remedy that fit a table cell', () => {
    const entries = [...Object.entries(DENIAL_CODES), ...Object.entries(CONFIGURATION_CODES)];
    for (const [code, { meaning, remedy }] of entries) {
      for (const text of [meaning, remedy]) {
        expect([code, text]).toEqual([code, expect.stringMatching(/^[^\n|]{10,200}$/)]);
        expect([code, text]).not.toEqual([code, expect.stringMatching(/\.$/)]);
      }
    }
  });
});
