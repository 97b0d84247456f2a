import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mostSpecific,
  repositoryOfUniverse,
  scopedStatements,
  sharedScopes,
} from '../../../test/support/scope-sets.js';
import { vectorText } from '../../../test/support/vectors.js';
import { PolicyError } from '../errors.js';
import {
  isRepositoryName,
  parseTrustPolicyDocument,
  selectTrustPolicy,
  validateTrustPolicyDocument,
} from './index.js';

const e2e = (name: string) =>
  parseTrustPolicyDocument(vectorText(`trustpolicies/notation-e2e/${name}`));

const statement = (name: string, registryScopes: string[], level = 'strict') => ({
  name,
  registryScopes,
  signatureVerification: { level },
  ...(level === 'skip' ? {} : { trustStores: ['ca:e2e'], trustedIdentities: ['*'] }),
});

describe('selectTrustPolicy', () => {
  describe('when an exact-scope statement and a "*" statement both exist', () => {
    it('C-52 returns the exact-scope statement (multi_statements_with_wildcard_registry_scope)', () => {
      const document = e2e('multi_statements_with_wildcard_registry_scope_trustpolicy.json');
      expect(selectTrustPolicy(document, 'localhost:5000/test-repo9')?.name).toBe('e2e');
      expect(selectTrustPolicy(document, 'localhost:5000/other')?.name).toBe('e2e2');
    });

    it('C-52 returns the exact statement whatever the order, so its level is the one applied', () => {
      const document = parseTrustPolicyDocument({
        version: '1.0',
        trustPolicies: [statement('global', ['*'], 'audit'), statement('exact', ['r.io/ns/app'])],
      });
      expect(selectTrustPolicy(document, 'r.io/ns/app')?.signatureVerification.level).toBe(
        'strict',
      );
    });
  });

  describe('when only other repositories are in scope', () => {
    it('C-52 returns undefined (invalid_registry_scope_trustpolicy.json)', () => {
      const document = e2e('invalid_registry_scope_trustpolicy.json');
      expect(selectTrustPolicy(document, 'localhost:5000/test-repo')).toBeUndefined();
      expect(selectTrustPolicy(document, 'localhost:5000/invalid-test-repo')?.name).toBe('e2e');
    });
  });

  describe('when a scope is a prefix of the repository', () => {
    const document = parseTrustPolicyDocument({
      version: '1.0',
      trustPolicies: [statement('ns', ['reg.io/ns'])],
    });

    it.each(['reg.io/ns/app', 'reg.io/nsx', 'reg.io/n', 'other.io/reg.io/ns'])(
      'C-52 returns undefined for %s (no prefix matching)',
      (repository) => expect(selectTrustPolicy(document, repository)).toBeUndefined(),
    );

    it('C-52 returns the statement for the exact repository', () => {
      expect(selectTrustPolicy(document, 'reg.io/ns')?.name).toBe('ns');
    });
  });

  describe('when the repository is not fully qualified or not a repository', () => {
    const document = e2e('trustpolicy.json');

    it.each(['nginx', '*', 'docker.io/library/nginx:1.25', 'reg.io/app@sha256:abc', ''])(
      'C-52 returns undefined for %j even with a "*" statement',
      (repository) => expect(selectTrustPolicy(document, repository)).toBeUndefined(),
    );

    it('C-52 returns the "*" statement for docker.io/library/nginx', () => {
      expect(selectTrustPolicy(document, 'docker.io/library/nginx')?.name).toBe('e2e');
    });
  });

  describe('when a statement lists several scopes', () => {
    it('returns it for each of them (multiple_registry_scope_trustpolicy.json)', () => {
      const document = e2e('multiple_registry_scope_trustpolicy.json');
      expect(selectTrustPolicy(document, 'localhost:5000/test-repo2')?.name).toBe('e2e');
      expect(selectTrustPolicy(document, 'localhost:5000/test-repo3')?.name).toBe('e2e');
      expect(selectTrustPolicy(document, 'localhost:5000/test-repo4')).toBeUndefined();
    });
  });
});

describe('selectTrustPolicy with registry-prefix scopes (issue 15, a divergence from notation)', () => {
  const document = parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      statement('global', ['*'], 'audit'),
      statement('registry', ['r.io/*']),
      statement('team', ['r.io/team/*', 'other.io/x']),
      statement('deep', ['r.io/team/apps/*']),
      statement('exact', ['r.io/team/apps/api']),
      statement('hub', ['docker.io/library/*']),
    ],
  });

  describe('when several scopes cover the repository', () => {
    it.each([
      ['r.io/team/apps/api', 'exact'],
      ['r.io/team/apps/web', 'deep'],
      ['r.io/team/apps/web/v2', 'deep'],
      ['r.io/team/web', 'team'],
      ['r.io/team/apps', 'team'],
      ['r.io/other', 'registry'],
      ['R.IO:443/team/web', 'team'],
      ['index.docker.io/nginx', 'hub'],
      ['docker.io/bitnami/redis', 'global'],
      ['s.io/team/web', 'global'],
    ])('returns the most specific for %s: %s', (repository, name) => {
      expect(selectTrustPolicy(document, repository)?.name).toBe(name);
    });
  });

  describe('when a repository only shares characters with a prefix', () => {
    it.each([
      ['r.io/teamx/app', 'registry'],
      ['r.io/team', 'registry'],
      ['r.io/team/appsx/api', 'team'],
      ['r.iox/team/app', 'global'],
      ['r.io:5000/team/app', 'global'],
    ])('matches whole path components only: %s is governed by %s', (repository, name) => {
      expect(selectTrustPolicy(document, repository)?.name).toBe(name);
    });
  });

  describe('when the statements are drawn at random', () => {
    it('returns the statement of the most specific scope, or the document is refused for a shared scope', () => {
      fc.assert(
        fc.property(
          scopedStatements,
          fc.array(repositoryOfUniverse, { minLength: 1, maxLength: 8 }),
          (statements, repositories) => {
            const input = {
              version: '1.0',
              trustPolicies: statements.map((st) => statement(st.name, st.scopes)),
            };
            const shared = sharedScopes(statements);
            const codes = validateTrustPolicyDocument(input).map((e) => e.code);
            if (shared.size > 0) {
              expect(codes).toContain('SCOPE_DUPLICATE');
              expect(() => parseTrustPolicyDocument(input)).toThrow(PolicyError);
              return;
            }
            expect(codes).toEqual([]);
            const document = parseTrustPolicyDocument(input);
            for (const repository of repositories) {
              const expected = mostSpecific(statements, repository);
              expect({ repository, chosen: selectTrustPolicy(document, repository)?.name }).toEqual(
                { repository, chosen: expected?.owners[0] },
              );
            }
          },
        ),
        { numRuns: 2000 },
      );
    });
  });
});

describe('selectTrustPolicy and standing decision 9 (one normal form)', () => {
  const document = parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      statement('apps', ['registry.example.com/apps/x']),
      statement('local', ['localhost:5000/apps/x']),
      statement('v6', ['[::1]:5000/apps/x']),
      statement('hub', ['docker.io/library/nginx']),
      statement('global', ['*']),
    ],
  });

  describe('when the repository spells a scope’s registry differently', () => {
    it.each([
      ['Registry.Example.com/apps/x', 'apps'],
      ['registry.example.com:443/apps/x', 'apps'],
      ['registry.example.com./apps/x', 'apps'],
      ['REGISTRY.EXAMPLE.COM.:0443/apps/x', 'apps'],
      ['localhost:05000/apps/x', 'local'],
      ['LOCALHOST.:5000/apps/x', 'local'],
      ['[0:0:0:0:0:0:0:1]:5000/apps/x', 'v6'],
      ['[::0001]:05000/apps/x', 'v6'],
      ['index.docker.io/nginx', 'hub'],
      ['docker.io:443/library/nginx', 'hub'],
    ])('returns the scope’s statement for %s, not "*"', (repository, name) => {
      expect(selectTrustPolicy(document, repository)?.name).toBe(name);
    });

    it('returns "*" for another port or path', () => {
      expect(selectTrustPolicy(document, 'localhost:5001/apps/x')?.name).toBe('global');
      expect(selectTrustPolicy(document, 'registry.example.com:80/apps/x')?.name).toBe('global');
    });
  });
});

describe('checkRegistryScopes (through validateTrustPolicyDocument)', () => {
  const problems = (scope: string) =>
    validateTrustPolicyDocument({
      version: '1.0',
      trustPolicies: [statement('s', [scope])],
    }).map((e) => [e.code, e.path, e.message]);

  describe('when a scope is not in normal form', () => {
    it.each([
      ['Registry.Example.com/apps/x', 'registry.example.com/apps/x'],
      ['registry.example.com:443/apps/x', 'registry.example.com/apps/x'],
      ['registry.example.com./apps/x', 'registry.example.com/apps/x'],
      ['localhost:05000/apps/x', 'localhost:5000/apps/x'],
      ['127.1:5000/apps/x', '127.0.0.1:5000/apps/x'],
      ['[0:0:0:0:0:0:0:1]:5000/apps/x', '[::1]:5000/apps/x'],
      ['index.docker.io/library/nginx', 'docker.io/library/nginx'],
      ['docker.io/nginx', 'docker.io/library/nginx'],
    ])('refuses %s with SCOPE_INVALID showing the normal form %s', (scope, normal) => {
      expect(problems(scope)).toEqual([
        [
          'SCOPE_INVALID',
          'trustPolicies[0].registryScopes[0]',
          `trustPolicies[0].registryScopes[0]: "${scope}" is not in normal form; write "${normal}"`,
        ],
      ]);
    });
  });

  describe('when a scope is in normal form', () => {
    it.each(['registry.example.com/apps/x', 'localhost:5000/a', '[::1]:5000/a', '*'])(
      'accepts %s',
      (scope) => expect(problems(scope)).toEqual([]),
    );
  });

  describe('when a prefix scope is in normal form', () => {
    it.each([
      'registry.example.com/*',
      'r.io/team/*',
      'r.io/a/b/c/*',
      '[::1]:5000/*',
      'docker.io/nginx/*',
    ])('accepts %s', (scope) => expect(problems(scope)).toEqual([]));
  });

  describe('when a prefix scope is not in normal form', () => {
    it.each([
      ['Registry.Example.com/team/*', 'registry.example.com/team/*'],
      ['registry.example.com:443/*', 'registry.example.com/*'],
      ['localhost:05000/apps/*', 'localhost:5000/apps/*'],
      ['127.1/*', '127.0.0.1/*'],
      ['index.docker.io/library/*', 'docker.io/library/*'],
    ])('refuses %s with SCOPE_INVALID showing the normal form %s', (scope, normal) => {
      expect(problems(scope)).toEqual([
        [
          'SCOPE_INVALID',
          'trustPolicies[0].registryScopes[0]',
          `trustPolicies[0].registryScopes[0]: "${scope}" is not in normal form; write "${normal}"`,
        ],
      ]);
    });
  });

  describe('when a wildcard is not the whole last component', () => {
    it.each([
      ['r.io/team*/*', 'a wildcard may only be the whole last component'],
      ['r.io/*/app/*', 'a wildcard may only be the whole last component'],
      ['r.io/Team/*', 'the path must be lower-case'],
      ['*.r.io/*', 'is not a registry host'],
    ])('refuses %s with the reason', (scope, reason) => {
      const [problem] = problems(scope);
      expect(problem?.[0]).toBe('SCOPE_INVALID');
      expect(problem?.[2]).toContain(`"${scope}" is not a repository prefix`);
      expect(problem?.[2]).toContain(reason);
    });

    it.each(['r.io/team*', 'r.io/*/app', 'r.io/**'])('refuses %s as no repository', (scope) => {
      expect(problems(scope)[0]?.[0]).toBe('SCOPE_INVALID');
    });
  });

  describe('when two statements share a prefix', () => {
    it('refuses the second with SCOPE_DUPLICATE; nested prefixes are no conflict', () => {
      const errors = validateTrustPolicyDocument({
        version: '1.0',
        trustPolicies: [
          statement('a', ['r.io/team/*']),
          statement('b', ['r.io/*', 'r.io/team/*']),
          statement('c', ['r.io/team/app', 'r.io/team/x/*']),
        ],
      }).map((e) => [e.code, e.path]);
      expect(errors).toEqual([['SCOPE_DUPLICATE', 'trustPolicies[1].registryScopes[1]']]);
    });
  });

  describe('when a scope names no registry', () => {
    it('refuses it with the reason', () => {
      expect(problems('reg_istry.example.com/apps/x')[0]?.[2]).toBe(
        'trustPolicies[0].registryScopes[0]: "reg_istry.example.com/apps/x" is not a fully qualified repository (e.g. registry.example.com/team/app, without scheme, tag, digest or wildcard): "reg_istry.example.com" is not a registry host[:port]',
      );
      expect(() =>
        parseTrustPolicyDocument({ version: '1.0', trustPolicies: [statement('s', ['A.io/b'])] }),
      ).toThrow(PolicyError);
    });
  });
});

describe('isRepositoryName', () => {
  describe('when given names the distribution grammar accepts', () => {
    it.each([
      'localhost:5000/test-repo',
      'docker.io/library/nginx',
      'Registry.Example.com/a/b/c',
      'r.io/a__b/c.d/e--f/g_h',
      '127.0.0.1:5000/app',
      '[::1]:5000/a',
      'registry.example.com.:0443/a',
    ])('returns true for %s', (name) => expect(isRepositoryName(name)).toBe(true));
  });

  describe('when given anything else', () => {
    it.each([
      'localhost:5000\\test-repo',
      'r.io/App',
      'r.io/a___b',
      'r.io/a..b',
      'r.io/-a',
      'r.io/a/',
      '/a',
      'r.io:/a',
      '-r.io/a',
      'r.io/a b',
      '[::ffff:127.0.0.1]:5000/a',
    ])('returns false for %s', (name) => expect(isRepositoryName(name)).toBe(false));

    it('returns false quickly for a long near-miss (no catastrophic backtracking)', () => {
      const started = performance.now();
      expect(isRepositoryName(`r.io/${'a-'.repeat(5000)}!`)).toBe(false);
      expect(isRepositoryName(`${'a'.repeat(5000)}-.io/a`)).toBe(false);
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });
});
