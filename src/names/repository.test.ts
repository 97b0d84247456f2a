import { describe, expect, it } from 'vitest';
import { normaliseRepositoryName } from './repository.js';

const name = (input: string) => {
  const result = normaliseRepositoryName(input);
  return result.ok ? result.value.name : `refused: ${result.reason}`;
};

describe('normaliseRepositoryName', () => {
  describe('when given another spelling of a repository', () => {
    it.each([
      ['Registry.Example.com/apps/x', 'registry.example.com/apps/x'],
      ['registry.example.com:443/apps/x', 'registry.example.com/apps/x'],
      ['registry.example.com./apps/x', 'registry.example.com/apps/x'],
      ['localhost:05000/apps/x', 'localhost:5000/apps/x'],
      ['[0::1]:5000/a', '[::1]:5000/a'],
      ['index.docker.io/nginx', 'docker.io/library/nginx'],
      ['docker.io/nginx', 'docker.io/library/nginx'],
      ['Docker.IO:443/bitnami/redis', 'docker.io/bitnami/redis'],
    ])('returns the normal form of %s: %s', (input, normal) => {
      expect(name(input)).toBe(normal);
      expect(name(normal)).toBe(normal);
    });

    it('returns the parts', () => {
      expect(normaliseRepositoryName('LOCALHOST:05000/a/b')).toEqual({
        ok: true,
        value: { registry: 'localhost:5000', repository: 'a/b', name: 'localhost:5000/a/b' },
      });
    });
  });

  describe('when given something that is not a fully qualified repository', () => {
    it.each([
      ['nginx', 'not a fully qualified repository'],
      ['/apps/x', 'not a fully qualified repository'],
      ['registry.example.com/Apps/x', 'the repository name must be lower-case'],
      ['registry.example.com/apps/x:v1', 'the repository name has invalid characters'],
      ['registry.example.com/apps/*', 'the repository name has invalid characters'],
      ['registry.example.com/apps//x', 'the repository name has invalid characters'],
      ['registry.example.com/', 'the repository name has invalid characters'],
      ['https://registry.example.com/apps/x', 'is not a registry host[:port]'],
      ['user@registry.example.com/apps/x', 'is not a registry host[:port]'],
      ['registry.example.com\\apps/x', 'is not a registry host[:port]'],
      [`r.io/${'a'.repeat(251)}`, 'longer than 255'],
    ])('refuses %j', (input, reason) => expect(name(input)).toContain(reason));

    it('refuses a long near-miss quickly (no catastrophic backtracking)', () => {
      const started = performance.now();
      expect(name(`r.io/${'a-'.repeat(5000)}!`)).toContain('refused');
      expect(name(`${'a'.repeat(5000)}-.io/a`)).toContain('refused');
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });
});
