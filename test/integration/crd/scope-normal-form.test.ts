// Standing decision 9 at write time: the real kube-apiserver, with the chart's CRDs, refuses a
// TrustPolicy whose scope is not in normal form (each way of writing a registry otherwise has its
// own CEL rule and message), accepts the normal form, and what CEL cannot check (RFC 5952
// compression of IPv6) is reported not Ready with the normal form by compileCluster.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  compileCluster,
  type TrustPolicyObject,
  type TrustStoreObject,
} from '../../../src/config/index.js';
import { startControlPlane, type ControlPlane } from '../../harness/index.js';
import { vectorText } from '../../support/vectors.js';

const CRDS = path.resolve(import.meta.dirname, '../../../charts/notary-admission/crds');
const OPTIONS = { noMatch: 'Deny', now: new Date(), trustNamespace: 'notary-admission' } as const;

const policy = (name: string, scope: string) => ({
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustPolicy',
  metadata: { name },
  spec: {
    registryScopes: [scope],
    signatureVerification: { level: 'strict' },
    trustStores: ['ca:e2e'],
    trustedIdentities: ['*'],
  },
});

const store: TrustStoreObject = {
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustStore',
  metadata: { name: 'e2e' },
  spec: { type: 'ca', certificates: [vectorText('certs/notation-e2e/localkeys/e2e.crt')] },
};

let cp: ControlPlane;
const create = (object: unknown) =>
  cp.kubectl(['create', '-f', '-', '-o', 'name'], { input: JSON.stringify(object) });

describe('TrustPolicy registryScopes against the real kube-apiserver', () => {
  beforeAll(async () => {
    cp = await startControlPlane();
    expect((await cp.kubectl(['apply', '-f', CRDS])).stderr).toBe('');
    const established = await cp.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/trustpolicies.notary-admission.dev',
      'crd/truststores.notary-admission.dev',
    ]);
    expect(established.code).toBe(0);
    expect((await create(store)).code).toBe(0);
  });
  afterAll(() => cp?.stop());
  afterEach(async () => {
    await cp.kubectl(['delete', 'trustpolicies', '--all', '--wait=true']);
  });

  describe('when a scope is not in normal form', () => {
    it.each([
      ['Registry.Example.com/apps/x', 'the registry host must be lower-case'],
      ['registry.example.com./apps/x', 'the registry host must not end with a dot'],
      [
        'registry.example.com:443/apps/x',
        'the port must be a number from 1 to 65535 without leading zeros, and the default :443 left out',
      ],
      [
        'localhost:05000/apps/x',
        'the port must be a number from 1 to 65535 without leading zeros, and the default :443 left out',
      ],
      ['127.1:5000/apps/x', 'a numeric registry host must be an IPv4 address in dotted decimal'],
      ['0x7f000001/apps/x', 'a numeric registry host must be an IPv4 address in dotted decimal'],
      [
        'index.docker.io/library/nginx',
        'Docker Hub is docker.io, and its official images are docker.io/library/<name>',
      ],
      [
        'docker.io/nginx',
        'Docker Hub is docker.io, and its official images are docker.io/library/<name>',
      ],
    ])('refuses %s at write time, saying what to change', async (scope, message) => {
      const result = await create(policy('scope', scope));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        `spec.registryScopes[0]: Invalid value: "string": ${message}`,
      );
    });
  });

  describe('when a scope differs from its normal form in one way', () => {
    it.each([
      ['Registry.Example.com/apps/x', 'registry.example.com/apps/x'],
      ['registry.example.com./apps/x', 'registry.example.com/apps/x'],
      ['registry.example.com:443/apps/x', 'registry.example.com/apps/x'],
      ['localhost:05000/apps/x', 'localhost:5000/apps/x'],
      ['registry.example.com:0443/apps/*', 'registry.example.com/apps/*'],
      ['Registry.Example.com:5000/apps/*', 'registry.example.com:5000/apps/*'],
    ])('refuses %s, showing its normal form %s', async (scope, normal) => {
      const result = await create(policy('scope', scope));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`(scopes are in normal form): write ${normal}`);
    });

    it('refuses a port out of range without suggesting a normal form', async () => {
      const result = await create(policy('scope', 'registry.example.com:70000/apps/x'));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('the default :443 left out (scopes are in normal form)');
      expect(result.stderr).not.toContain('write');
    });
  });

  describe('when a scope is in normal form', () => {
    it.each([
      'registry.example.com/apps/x',
      'localhost:5000/apps/x',
      '127.0.0.1:5000/apps/x',
      '[::1]:5000/apps/x',
      'docker.io/library/nginx',
      'index.docker.io:5000/apps/x',
    ])('accepts %s', async (scope) => {
      expect((await create(policy('scope', scope))).stderr).toBe('');
    });
  });

  describe('when a scope is a registry prefix (issue 15)', () => {
    it.each([
      'registry.example.com/apps/*',
      'registry.example.com/*',
      '[::1]:5000/*',
      'docker.io/library/*',
    ])('accepts %s', async (scope) => {
      expect((await create(policy('prefix', scope))).stderr).toBe('');
    });

    it.each([
      [
        'registry.example.com/apps*',
        'must be "*", a fully qualified repository such as registry.example.com/team/app, or a prefix such as registry.example.com/team/* or registry.example.com/* (no scheme, tag or digest; a wildcard only as the whole last component)',
      ],
      [
        'registry.example.com/*/app',
        'must be "*", a fully qualified repository such as registry.example.com/team/app, or a prefix such as registry.example.com/team/* or registry.example.com/* (no scheme, tag or digest; a wildcard only as the whole last component)',
      ],
      ['Registry.Example.com/apps/*', 'the registry host must be lower-case'],
      [
        'registry.example.com:443/*',
        'the port must be a number from 1 to 65535 without leading zeros, and the default :443 left out',
      ],
      [
        'index.docker.io/*',
        'Docker Hub is docker.io, and its official images are docker.io/library/<name>',
      ],
    ])('refuses %s at write time, saying what to change', async (scope, message) => {
      const result = await create(policy('prefix', scope));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        `spec.registryScopes[0]: Invalid value: "string": ${message}`,
      );
    });

    it('accepts nested prefixes in two policies, and compileCluster makes both Ready', async () => {
      expect((await create(policy('registry', 'registry.example.com/*'))).stderr).toBe('');
      expect((await create(policy('team', 'registry.example.com/team/*'))).stderr).toBe('');
      const listed = await cp.kubectl(['get', 'trustpolicies', '-o', 'json']);
      const { items } = JSON.parse(listed.stdout) as { items: TrustPolicyObject[] };
      const compiled = compileCluster(
        {
          policies: items,
          stores: [store],
          secrets: new Map(),
          configMaps: new Map(),
          namespaces: new Map(),
        },
        OPTIONS,
      );
      expect([
        compiled.policies.get('registry')?.reason,
        compiled.policies.get('team')?.reason,
      ]).toEqual(['Valid', 'Valid']);
    });
  });

  describe('when an IPv6 scope is not compressed (CEL cannot tell)', () => {
    it('accepts it, and compileCluster reports it InvalidSpec with the normal form', async () => {
      expect((await create(policy('v6', '[0:0:0:0:0:0:0:1]:5000/apps/x'))).stderr).toBe('');
      const listed = await cp.kubectl(['get', 'trustpolicies', '-o', 'json']);
      const { items } = JSON.parse(listed.stdout) as { items: TrustPolicyObject[] };
      const compiled = compileCluster(
        {
          policies: items,
          stores: [store],
          secrets: new Map(),
          configMaps: new Map(),
          namespaces: new Map([['default', { 'kubernetes.io/metadata.name': 'default' }]]),
        },
        OPTIONS,
      );
      expect(compiled.policies.get('v6')).toMatchObject({
        ready: false,
        reason: 'InvalidSpec',
        message:
          'spec.registryScopes[0]: "[0:0:0:0:0:0:0:1]:5000/apps/x" is not in normal form; write "[::1]:5000/apps/x" [SCOPE_INVALID]',
      });
      expect(compiled.snapshot.blocked?.('default', '[::1]:5000/apps/x')?.policy).toBe('v6');
    });
  });
});
