import { describe, expect, it } from 'vitest';
import { RegistryError } from './errors.js';
import { apiHost, formatReference, parseReference, repositoryName } from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
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
      ['Registry.Example/app', 'Registry.Example', 'app', 'latest', undefined],
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
