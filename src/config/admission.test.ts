import { describe, expect, it } from 'vitest';
import { parseAdmissionOverrides, resolveAdmission } from './admission.js';
import { REQUIREMENT_KEYS } from './requirements.js';

/** The members an entry may have: admission fields, then the requirements (requirements.ts). */
const EXPECTED = ['action', 'onError', 'mutateDigest', ...REQUIREMENT_KEYS].join(', ');

describe('parseAdmissionOverrides', () => {
  describe('when every member is valid', () => {
    it('returns the overrides by statement name', () => {
      const raw: unknown = JSON.parse(
        '{"prod":{"action":"Warn","onError":"Allow","mutateDigest":false},"__proto__":{"action":"Audit"}}',
      );
      const parsed = parseAdmissionOverrides(raw);
      expect(parsed['prod']).toEqual({ action: 'Warn', onError: 'Allow', mutateDigest: false });
      expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    });
  });

  describe('when a member is unknown or has a bad value', () => {
    it.each([
      [{ prod: { acton: 'Warn' } }, `policies.prod.acton: unknown member (expected ${EXPECTED})`],
      [
        { prod: { action: 'Allow' } },
        'policies.prod.action: "Allow" is not one of Deny, Warn, Audit',
      ],
      [{ prod: { onError: 'Warn' } }, 'policies.prod.onError: "Warn" is not one of Deny, Allow'],
      [{ prod: { mutateDigest: 'no' } }, 'policies.prod.mutateDigest: must be true or false'],
      [{ prod: 'Warn' }, `policies.prod: must be an object with ${EXPECTED}`],
      [['prod'], 'policies: must be an object keyed by trust policy statement name'],
    ])('throws CONFIG_INVALID for %j', (raw, message) => {
      expect(() => parseAdmissionOverrides(raw)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message }) as Error,
      );
    });
  });
});

describe('resolveAdmission', () => {
  describe('when no overrides are given', () => {
    it('returns the defaults (Deny, Deny, mutate)', () => {
      expect(resolveAdmission('p', undefined)).toEqual({
        policy: 'p',
        action: 'Deny',
        onError: 'Deny',
        mutateDigest: true,
      });
    });
  });
});
