import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkdir } from '../../test/harness/workdir.js';
import { writeRatifyConfig } from './setup.js';

interface RatifyConfig {
  store: { plugins: { name: string; useHttp: boolean; authProvider?: unknown }[] };
  policy: { plugin: { name: string; artifactVerificationPolicies: Record<string, string> } };
  verifier: { plugins: { name: string; verificationCerts: string[]; trustPolicyDoc: unknown }[] };
}

function bench(credentials?: { username: string; password: string }) {
  const dir = makeWorkdir('peers-setup-test');
  return {
    dir,
    credentialsPath: path.join(dir, 'docker-config.json'),
    rootPath: path.join(dir, 'truststore', 'x509', 'ca', 'bench', 'root.crt'),
    policy: { version: '1.0', trustPolicies: [{ name: 'p' }] },
    registry: { credentials },
  };
}

const read = (file: string): RatifyConfig => JSON.parse(readFileSync(file, 'utf8')) as RatifyConfig;

describe('writeRatifyConfig', () => {
  describe('when the registry has no auth', () => {
    it('returns a config with the oras store over plain HTTP, the same policy and root, no auth provider', () => {
      const b = bench();
      const config = read(writeRatifyConfig(b, 'x'));
      const [store] = config.store.plugins;
      expect(store).toMatchObject({ name: 'oras', useHttp: true });
      expect(store?.authProvider).toBeUndefined();
      const [verifier] = config.verifier.plugins;
      expect(verifier?.name).toBe('notation');
      expect(verifier?.verificationCerts).toEqual([path.dirname(b.rootPath)]);
      expect(verifier?.trustPolicyDoc).toEqual(b.policy);
      expect(config.policy.plugin.artifactVerificationPolicies).toEqual({
        'application/vnd.cncf.notary.signature': 'any',
      });
    });
  });
  describe('when the registry has credentials', () => {
    it('returns a config reading them from the Docker config file', () => {
      const b = bench({ username: 'u', password: 'p' });
      const [store] = read(writeRatifyConfig(b, 'y')).store.plugins;
      expect(store?.authProvider).toEqual({ name: 'dockerConfig', configPath: b.credentialsPath });
    });
  });
});
