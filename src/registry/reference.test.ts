import { describe, expect, it } from 'vitest';
import { RegistryError } from './errors.js';
import {
  apiHost,
  formatReference,
  MAX_PARSED,
  parseReference,
  repositoryName,
} from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  describe('when the same reference is parsed again (remembered, decision 10)', () => {
    it('returns one frozen normal form that no caller can change', () => {
      const ref = parseReference(`LOCALHOST:05000/app:v1@${D}`);
      expect(parseReference(`LOCALHOST:05000/app:v1@${D}`)).toBe(ref);
      expect(Object.isFrozen(ref)).toBe(true);
      expect(() => {
        (ref as { registry: string }).registry = 'evil.example.com';
      }).toThrow(TypeError);
      expect(ref).toEqual({ registry: 'localhost:5000', repository: 'app', tag: 'v1', digest: D });
    });

    it('returns a fresh parse once more than MAX_PARSED others pushed it out', () => {
      const ref = parseReference('bounded.example.com/first');
      for (let i = 0; i <= MAX_PARSED; i++) parseReference(`bounded.example.com/app${i}`);
      const again = parseReference('bounded.example.com/first');
      expect(again).not.toBe(ref);
      expect(again).toEqual(ref);
    });

    it('throws INVALID_REFERENCE every time for an invalid one (never remembered)', () => {
      expect(() => parseReference('r.io/app/UPPER')).toThrow(RegistryError);
      expect(() => parseReference('r.io/app/UPPER')).toThrow(RegistryError);
    });
  });

  describe('when the reference is valid', () => {
    it.each([
      ['nginx', 'docker.io', 'library/nginx', 'latest', undefined],
      ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', undefined],
      ['docker.io/nginx', 'docker.io', 'library/nginx', 'latest', undefined],
      ['index.docker.io/library/nginx:1', 'docker.io', 'library/nginx', '1', undefined],
      ['bitnami/redis', 'docker.io', 'bitnami/redis', 'latest', undefined],
      ['ghcr.io/org/team/app:v1', 'ghcr.io', 'org/team/app', 'v1', undefined],
      ['localhost/app', 'localhost', 'app', 'latest', undefined],
      ['localhost:5000/app:v1', 'localhost:5000', 'app', 'v1', undefined],
      ['127.0.0.1:5000/a/b', '127.0.0.1:5000', 'a/b', 'latest', undefined],
      ['[::1]:5000/app', '[::1]:5000', 'app', 'latest', undefined],
      [`reg.io/app@${D}`, 'reg.io', 'app', undefined, D],
      [`reg.io/app:v1@${D}`, 'reg.io', 'app', 'v1', D],
      ['Registry.Example/app', 'registry.example', 'app', 'latest', undefined],
      ['LOCALHOST:05000/app', 'localhost:5000', 'app', 'latest', undefined],
      ['localhost.:5000/app', 'localhost:5000', 'app', 'latest', undefined],
      ['registry.example.com:443/a/b:v1', 'registry.example.com', 'a/b', 'v1', undefined],
      ['127.1:5000/app', '127.0.0.1:5000', 'app', 'latest', undefined],
      ['[0:0:0:0:0:0:0:1]:5000/app', '[::1]:5000', 'app', 'latest', undefined],
      ['Index.Docker.IO:443/nginx', 'docker.io', 'library/nginx', 'latest', undefined],
      ['registry-1.docker.io/bitnami/redis', 'docker.io', 'bitnami/redis', 'latest', undefined],
      ['0x7f000001/x', 'docker.io', '0x7f000001/x', 'latest', undefined],
      ['a/b__c.d-e/f', 'docker.io', 'a/b__c.d-e/f', 'latest', undefined],
    ])('parses %s', (...[input, registry, repository, tag, digest]) => {
      const ref = parseReference(input);
      expect(ref).toEqual({
        registry,
        repository,
        ...(tag !== undefined && { tag }),
        ...(digest !== undefined && { digest }),
      });
    });

    it('formats the canonical name and the fully qualified repository', () => {
      const ref = parseReference(`nginx:1@${D}`);
      expect(formatReference(ref)).toBe(`docker.io/library/nginx:1@${D}`);
      expect(repositoryName(ref)).toBe('docker.io/library/nginx');
      expect(apiHost(ref.registry)).toBe('registry-1.docker.io');
    });
  });

  describe('when the reference is invalid', () => {
    it.each([
      [''],
      ['Nginx'],
      ['reg.io/App'],
      ['nginx:'],
      ['nginx:-bad'],
      [`nginx:${'t'.repeat(129)}`],
      ['nginx@sha256:abc'],
      [`nginx@sha256:${'A'.repeat(64)}`],
      [`nginx@md5:${'a'.repeat(32)}`],
      ['reg.io//app'],
      ['reg.io/app/'],
      ['reg io/app'],
      ['-reg.io/app'],
      [`reg.io/${'a'.repeat(260)}`],
      ['[::1]'],
      ['reg.io:0/app'],
      ['reg_io.example/app'],
      ['user@reg.io/app'],
      ['[::ffff:127.0.0.1]:5000/app'],
      ['foo.123/app'],
    ])('throws INVALID_REFERENCE for %j', (input) => {
      expect(() => parseReference(input)).toThrow(RegistryError);
      try {
        parseReference(input);
      } catch (err) {
        expect((err as RegistryError).code).toBe('INVALID_REFERENCE');
      }
    });
  });
});
