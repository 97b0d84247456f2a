import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultKubeconfig, isNamespaceName, podNamespace } from './kube-settings.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kube-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('defaultKubeconfig', () => {
  describe('when running in a pod', () => {
    it('returns undefined (in-cluster) even if KUBECONFIG is set', () => {
      expect(
        defaultKubeconfig({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBECONFIG: '/k', HOME: '/h' }),
      ).toBeUndefined();
    });
  });

  describe('when outside a pod', () => {
    it('returns the first file of KUBECONFIG, else ~/.kube/config, else null', () => {
      expect(defaultKubeconfig({ KUBECONFIG: `${path.delimiter}/a/k${path.delimiter}/b` })).toBe(
        '/a/k',
      );
      expect(defaultKubeconfig({ HOME: '/home/me' })).toBe('/home/me/.kube/config');
      expect(defaultKubeconfig({ KUBERNETES_SERVICE_HOST: ' ' })).toBeNull();
    });
  });
});

describe('podNamespace', () => {
  describe('when the service account mount names a namespace', () => {
    it('returns it', async () => {
      const file = path.join(dir, 'namespace');
      await writeFile(file, 'policy-system\n');
      expect(podNamespace(file)).toBe('policy-system');
    });
  });

  describe('when there is no mount, or it holds no namespace name', () => {
    it('returns notary-admission', async () => {
      expect(podNamespace(path.join(dir, 'missing'))).toBe('notary-admission');
      const file = path.join(dir, 'namespace');
      await writeFile(file, 'Not A Name');
      expect(podNamespace(file)).toBe('notary-admission');
    });
  });
});

describe('isNamespaceName', () => {
  it.each([
    ['a', true],
    ['team-a1', true],
    ['-a', false],
    ['A', false],
    ['a_b', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
  ])('returns for %s %s', (name, expected) => {
    expect(isNamespaceName(name)).toBe(expected);
  });
});
