import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostSpellings } from '../../test/support/host-spellings.js';
import { normaliseRepositoryPrefix } from './prefix.js';
import { normaliseRepositoryName } from './repository.js';

const scope = (input: string) => {
  const result = normaliseRepositoryPrefix(input);
  return result.ok ? result.value.scope : `refused: ${result.reason}`;
};

const under = (repository: string, prefix: string): boolean => {
  const p = normaliseRepositoryPrefix(prefix);
  const r = normaliseRepositoryName(repository);
  if (!p.ok || !r.ok) throw new Error(`bad test input ${repository} ${prefix}`);
  return r.value.name.startsWith(p.value.under);
};

describe('normaliseRepositoryPrefix', () => {
  describe('when given another spelling of a prefix', () => {
    it.each([
      ['Registry.Example.com/team/*', 'registry.example.com/team/*'],
      ['registry.example.com:443/*', 'registry.example.com/*'],
      ['registry.example.com./a/b/*', 'registry.example.com/a/b/*'],
      ['localhost:05000/apps/*', 'localhost:5000/apps/*'],
      ['[0::1]:5000/*', '[::1]:5000/*'],
      ['index.docker.io/library/*', 'docker.io/library/*'],
      ['docker.io/nginx/*', 'docker.io/nginx/*'],
    ])('returns the normal form of %s: %s', (input, normal) => {
      expect(scope(input)).toBe(normal);
      expect(scope(normal)).toBe(normal);
    });

    it('returns the parts, with the depth of the path', () => {
      expect(normaliseRepositoryPrefix('R.io/a/b/*')).toEqual({
        ok: true,
        value: { registry: 'r.io', path: 'a/b', under: 'r.io/a/b/', scope: 'r.io/a/b/*', depth: 2 },
      });
      expect(normaliseRepositoryPrefix('r.io/*')).toMatchObject({
        value: { path: undefined, under: 'r.io/', depth: 0 },
      });
    });
  });

  describe('when the wildcard is not a whole last component', () => {
    it.each([
      ['r.io/team*', 'a wildcard may only be the whole last component'],
      ['r.io/*/app/*', 'a wildcard may only be the whole last component'],
      ['r.io/**', 'a wildcard may only be the whole last component'],
      ['r.io/team/**', 'a wildcard may only be the whole last component'],
      ['*.r.io/*', 'is not a registry host'],
      ['*/*', 'is not a registry host'],
      ['/*', 'a wildcard may only be the whole last component'],
      ['r.io//*', 'the path has invalid characters'],
      ['r.io/Team/*', 'the path must be lower-case'],
      ['r.io/team', 'a wildcard may only be the whole last component'],
    ])('refuses %s', (input, reason) => {
      expect(scope(input)).toContain(reason);
    });
  });

  describe('when a repository name is compared with what a prefix starts with', () => {
    it.each([
      ['r.io/team/app', 'r.io/team/*', true],
      ['r.io/team/a/b', 'r.io/team/*', true],
      ['r.io/team/app', 'r.io/*', true],
      ['R.IO:443/team/app', 'r.io/team/*', true],
      ['docker.io/nginx', 'docker.io/library/*', true],
      ['r.io/teamx/app', 'r.io/team/*', false],
      ['r.io/team', 'r.io/team/*', false],
      ['r.io/te', 'r.io/team/*', false],
      ['r.iox/team/app', 'r.io/*', false],
      ['r.io:5000/team/app', 'r.io/*', false],
      ['other.io/r.io/team/app', 'r.io/team/*', false],
    ])('returns whether %s is under %s: %s', (repository, prefix, expected) => {
      expect(under(repository, prefix)).toBe(expected);
    });

    it('returns true for every spelling of the host and false for a sibling path', () => {
      fc.assert(
        fc.property(hostSpellings(), ({ normal, spelling }) => {
          const repository = normaliseRepositoryName(`${spelling}/team/app`);
          const prefix = normaliseRepositoryPrefix(`${normal}/team/*`);
          if (!repository.ok || !prefix.ok) return;
          expect(repository.value.name.startsWith(prefix.value.under)).toBe(true);
          const sibling = normaliseRepositoryName(`${spelling}/teamx/app`);
          if (sibling.ok) expect(sibling.value.name.startsWith(prefix.value.under)).toBe(false);
        }),
        { numRuns: 500 },
      );
    });
  });
});
