import { describe, expect, it } from 'vitest';
import { PolicyError } from '../verify/index.js';
import { ConfigError, fromPolicyErrors, isConfigError, toConfigError } from './errors.js';

describe('ConfigError', () => {
  describe('when created with a path', () => {
    it('returns the code, path and message', () => {
      const err = new ConfigError('FLAG_INVALID', 'bad', { path: '--port' });
      expect(err).toMatchObject({ name: 'ConfigError', code: 'FLAG_INVALID', path: '--port' });
      expect(err.problems).toEqual([]);
      expect(isConfigError(err)).toBe(true);
      expect(isConfigError(new Error('x'))).toBe(false);
    });
  });
});

describe('fromPolicyErrors', () => {
  const scope = new PolicyError('SCOPE_INVALID', 'trustPolicies[1].registryScopes[0]', 'bad scope');
  const name = new PolicyError('POLICY_NAME_DUPLICATE', 'trustPolicies[2].name', 'used twice');

  describe('when the document has several problems', () => {
    it('returns POLICY_INVALID listing every one with its path and code', () => {
      const err = fromPolicyErrors([scope, name], '/etc/p.json');
      expect(err.code).toBe('POLICY_INVALID');
      expect(err.path).toBe('/etc/p.json');
      expect(err.message).toBe(
        'trust policy /etc/p.json is invalid (2 problems): ' +
          'trustPolicies[1].registryScopes[0]: bad scope [SCOPE_INVALID]; ' +
          'trustPolicies[2].name: used twice [POLICY_NAME_DUPLICATE]',
      );
      expect(err.problems).toEqual([
        {
          code: 'SCOPE_INVALID',
          path: 'trustPolicies[1].registryScopes[0]',
          message: 'trustPolicies[1].registryScopes[0]: bad scope',
        },
        {
          code: 'POLICY_NAME_DUPLICATE',
          path: 'trustPolicies[2].name',
          message: 'trustPolicies[2].name: used twice',
        },
      ]);
    });
  });

  describe('when the problem is a trust store', () => {
    it('returns TRUST_STORE_INVALID', () => {
      const store = new PolicyError('TRUST_STORE_INVALID', 'ca:e2e', 'a.crt: is truncated');
      const err = fromPolicyErrors([store], '/ts');
      expect(err.code).toBe('TRUST_STORE_INVALID');
      expect(err.message).toBe(
        'trust store /ts is invalid: ca:e2e: a.crt: is truncated [TRUST_STORE_INVALID]',
      );
    });
  });
});

describe('toConfigError', () => {
  describe('when given something that is not a configuration problem', () => {
    it('throws it again', () => {
      const bug = new TypeError('bug');
      expect(() => toConfigError(bug, 'f')).toThrow(bug);
    });
  });

  describe('when given a ConfigError', () => {
    it('returns it unchanged', () => {
      const err = new ConfigError('CONFIG_INVALID', 'x');
      expect(toConfigError(err, 'f')).toBe(err);
    });
  });
});
