import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseServeArgs, parseVerifyArgs, serveHelp, verifyHelp, wantsHelp } from './args.js';
import type { ConfigError } from './errors.js';
import { SERVE_FLAGS, VERIFY_FLAGS } from './flags.js';

const HOME = { HOME: '/nonexistent-home' };
const NOTATION = '/nonexistent-home/.config/notation';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'config-args-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(content: unknown, name = 'config.json'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function failure(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseServeArgs', () => {
  describe('when nothing is given', () => {
    it("returns every default, with notation's trust policy and store", () => {
      expect(parseServeArgs([], HOME)).toEqual({
        host: '127.0.0.1',
        port: 8443,
        metricsHost: '127.0.0.1',
        metricsPort: 9090,
        tlsDir: path.join(tmpdir(), 'notary-admission-tls'),
        tlsDnsNames: ['localhost', '127.0.0.1'],
        pullSecrets: false,
        policySource: 'file',
        trustPolicyPath: `${NOTATION}/trustpolicy.json`,
        trustStoreDir: `${NOTATION}/truststore`,
        insecureRegistries: [],
        allowPrivateNetworks: false,
        registryCaFiles: {},
        logLevel: 'info',
        defaultTimeoutMs: 10_000,
        timeoutMarginMs: 300,
        maxInFlight: 512,
        drainDelayMs: 5_000,
        keepAliveTimeoutMs: 120_000,
        cache: { enabled: true, maxEntries: 100_000, positiveTtlMs: 300_000, failureTtlMs: 30_000 },
        revocation: 'online',
        mutatingWebhook: true,
        admission: {},
        noMatch: 'Deny',
        maxSignatures: 32,
      });
    });
  });

  describe('when every flag is given', () => {
    it('returns their values, paths made absolute', () => {
      const settings = parseServeArgs(
        [
          '--host=0.0.0.0',
          '--port=0',
          '--metrics-host=127.0.0.2',
          '--metrics-port=off',
          '--tls-cert=tls/c.pem',
          '--tls-key=/k.pem',
          '--tls-dir=/var/tls',
          '--tls-dns-name=webhook.ns.svc',
          '--tls-dns-name=localhost',
          '--trust-policy=examples/trustpolicy.json',
          '--trust-store=examples/truststore',
          '--insecure-registry=Registry.Local:5000',
          '--insecure-registry=127.0.0.1:80',
          '--allow-private-network=10.0.0.0/8',
          '--allow-private-network=::1',
          '--registry-ca=ghcr.io=/ca/ghcr.pem',
          '--registry-ca=r.local:443=ca.pem',
          '--registry-credentials=/docker/config.json',
          '--log-level=debug',
          '--default-timeout=5s',
          '--timeout-margin=1s',
          '--max-inflight=64',
          '--drain-delay=0',
          '--keep-alive-timeout=2m',
          '--cache-max-entries=10',
          '--cache-ttl=1m',
          '--cache-failure-ttl=0',
          '--no-cache',
          '--revocation=offline',
          '--no-match=Warn',
          '--no-mutating-webhook',
          '--max-signatures=5',
        ],
        {},
      );
      const cwd = process.cwd();
      expect(settings).toEqual({
        host: '0.0.0.0',
        port: 0,
        metricsHost: '127.0.0.2',
        metricsPort: null,
        tlsCert: path.join(cwd, 'tls/c.pem'),
        tlsKey: '/k.pem',
        tlsDir: '/var/tls',
        tlsDnsNames: ['localhost', '127.0.0.1', 'webhook.ns.svc'],
        pullSecrets: false,
        policySource: 'file',
        trustPolicyPath: path.join(cwd, 'examples/trustpolicy.json'),
        trustStoreDir: path.join(cwd, 'examples/truststore'),
        insecureRegistries: ['registry.local:5000', '127.0.0.1:80'],
        allowPrivateNetworks: ['10.0.0.0/8', '::1'],
        registryCaFiles: { 'ghcr.io': '/ca/ghcr.pem', 'r.local': path.join(cwd, 'ca.pem') },
        registryCredentialsFile: '/docker/config.json',
        logLevel: 'debug',
        defaultTimeoutMs: 5_000,
        timeoutMarginMs: 1_000,
        maxInFlight: 64,
        drainDelayMs: 0,
        keepAliveTimeoutMs: 120_000,
        cache: { enabled: false, maxEntries: 10, positiveTtlMs: 60_000, failureTtlMs: 0 },
        revocation: 'offline',
        mutatingWebhook: false,
        admission: {},
        noMatch: 'Warn',
        maxSignatures: 5,
      });
    });

    it('returns allowPrivateNetworks true for all', () => {
      expect(parseServeArgs(['--allow-private-network', 'all'], HOME).allowPrivateNetworks).toBe(
        true,
      );
    });
  });

  describe('when the mutating webhook is off (environment or config file)', () => {
    it('returns mutatingWebhook false', async () => {
      const env = { ...HOME, NOTARY_ADMISSION_NO_MUTATING_WEBHOOK: 'true' };
      expect(parseServeArgs([], env).mutatingWebhook).toBe(false);
      const file = await configFile({ mutatingWebhook: false });
      expect(parseServeArgs(['--config', file], HOME).mutatingWebhook).toBe(false);
      const on = await configFile({ mutatingWebhook: true }, 'on.json');
      expect(parseServeArgs(['--config', on], HOME).mutatingWebhook).toBe(true);
    });
  });

  describe('when a flag comes from the environment', () => {
    it('returns the environment value, lists split at commas', () => {
      const settings = parseServeArgs([], {
        ...HOME,
        NOTARY_ADMISSION_PORT: '9443',
        NOTARY_ADMISSION_INSECURE_REGISTRY: 'a.local:5000, b.local',
        NOTARY_ADMISSION_NO_CACHE: 'true',
        NOTARY_ADMISSION_METRICS_PORT: '',
      });
      expect(settings.port).toBe(9443);
      expect(settings.insecureRegistries).toEqual(['a.local:5000', 'b.local']);
      const spelt = parseServeArgs([], {
        ...HOME,
        NOTARY_ADMISSION_INSECURE_REGISTRY: 'A.Local:05000, a.local:5000, b.local.',
        NOTARY_ADMISSION_REGISTRY_CA: 'Registry.Example.com:443=/ca.pem',
      });
      expect(spelt.insecureRegistries).toEqual(['a.local:5000', 'b.local']);
      expect(spelt.registryCaFiles).toEqual({ 'registry.example.com': '/ca.pem' });
      expect(settings.cache.enabled).toBe(false);
      expect(settings.metricsPort).toBe(9090);
    });

    it('returns the flag value when both are given (flags win)', () => {
      const env = { ...HOME, NOTARY_ADMISSION_PORT: '9443', NOTARY_ADMISSION_LOG_LEVEL: 'warn' };
      const settings = parseServeArgs(['--port', '1234'], env);
      expect([settings.port, settings.logLevel]).toEqual([1234, 'warn']);
    });

    it('throws FLAG_INVALID naming the variable for a bad value', () => {
      const err = failure(() => parseServeArgs([], { ...HOME, NOTARY_ADMISSION_NO_CACHE: 'yes' }));
      expect([err.code, err.path, err.message]).toEqual([
        'FLAG_INVALID',
        'NOTARY_ADMISSION_NO_CACHE',
        'NOTARY_ADMISSION_NO_CACHE: "yes" is not true or false',
      ]);
    });
  });

  describe('when a config file is given', () => {
    it('returns its values under env and flags, relative paths from its directory', async () => {
      const file = await configFile({
        port: 7443,
        host: '0.0.0.0',
        logLevel: 'error',
        metricsPort: null,
        trustPolicyPath: 'policy/trustpolicy.json',
        trustStoreDir: '/etc/notation/truststore',
        insecureRegistries: ['r.local:5000'],
        allowPrivateNetworks: true,
        registryCaFiles: { 'r.local:5000': 'ca.pem' },
        keepAliveTimeoutMs: 100_000,
        defaultTimeoutMs: '8s',
        cache: { maxEntries: 5, enabled: false },
        noMatch: 'Allow',
        policies: { prod: { action: 'Warn' }, dev: { onError: 'Allow', mutateDigest: false } },
      });
      const env = { ...HOME, NOTARY_ADMISSION_LOG_LEVEL: 'warn' };
      const settings = parseServeArgs(['--config', file, '--host', '127.0.0.1'], env);
      expect(settings).toMatchObject({
        configFile: file,
        port: 7443,
        host: '127.0.0.1',
        logLevel: 'warn',
        metricsPort: null,
        trustPolicyPath: path.join(dir, 'policy/trustpolicy.json'),
        trustStoreDir: '/etc/notation/truststore',
        insecureRegistries: ['r.local:5000'],
        allowPrivateNetworks: true,
        registryCaFiles: { 'r.local:5000': path.join(dir, 'ca.pem') },
        keepAliveTimeoutMs: 100_000,
        defaultTimeoutMs: 8_000,
        cache: { enabled: false, maxEntries: 5, positiveTtlMs: 300_000, failureTtlMs: 30_000 },
        noMatch: 'Allow',
        admission: { prod: { action: 'Warn' }, dev: { onError: 'Allow', mutateDigest: false } },
      });
    });

    it('returns the config file named by NOTARY_ADMISSION_CONFIG', async () => {
      const file = await configFile({ port: 7443 });
      expect(parseServeArgs([], { ...HOME, NOTARY_ADMISSION_CONFIG: file }).port).toBe(7443);
    });

    it.each([
      [{ prot: 1 }, 'config.json: prot: unknown key (accepted: host, port, '],
      [
        { cache: { ttl: 1 } },
        'config.json: cache.ttl: unknown key (accepted: maxEntries, positiveTtlMs, failureTtlMs, enabled)',
      ],
      [{ cache: 5 }, 'config.json: cache: must be an object'],
      [{ port: true }, 'config.json: port: must be a string or a number'],
      [{ port: 70000 }, 'config.json: port: "70000" is not a whole number from 0 to 65535'],
      [
        { insecureRegistries: 'r.local' },
        'config.json: insecureRegistries: must be an array of strings',
      ],
      [{ cache: { enabled: 'no' } }, 'config.json: cache.enabled: must be true or false'],
      [
        { allowPrivateNetworks: 'all' },
        'config.json: allowPrivateNetworks: must be true, false or an array',
      ],
      [
        { keepAliveTimeoutMs: 90_000 },
        'config.json: keepAliveTimeoutMs: 90000 ms must be longer than 90s',
      ],
      [
        { policies: { prod: { action: 'Allow' } } },
        'config.json: policies.prod.action: "Allow" is not one of Deny, Warn, Audit',
      ],
      [{ configFile: 'x.json' }, 'config.json: configFile: unknown key'],
    ])('throws CONFIG_INVALID for %j', async (content, message) => {
      const file = await configFile(content);
      const err = failure(() => parseServeArgs(['--config', file], HOME));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain(`${dir}/${message}`);
    });

    it('throws CONFIG_INVALID when the file is not a JSON object', async () => {
      for (const content of ['{ port: 1', '[1]']) {
        const file = await configFile(content);
        expect(failure(() => parseServeArgs(['--config', file], HOME))).toMatchObject({
          code: 'CONFIG_INVALID',
          path: file,
        });
      }
    });

    it('throws FILE_UNREADABLE when the file does not exist', () => {
      const file = path.join(dir, 'missing.json');
      expect(failure(() => parseServeArgs(['--config', file], HOME))).toMatchObject({
        code: 'FILE_UNREADABLE',
        path: file,
        message: `config file ${file} cannot be read (ENOENT)`,
      });
    });
  });

  describe('when a flag is unknown, repeated wrongly or has a bad value', () => {
    it.each([
      [['--prot', '1'], '--prot', 'unknown flag --prot (see `notary-admission serve --help`)'],
      [['--port'], '--port', 'flag --port needs a value (see `notary-admission serve --help`)'],
      [
        ['--no-cache=yes'],
        '--no-cache',
        'flag --no-cache takes no value (see `notary-admission serve --help`)',
      ],
      [
        ['ghcr.io/x'],
        undefined,
        'unexpected argument "ghcr.io/x" (see `notary-admission serve --help`)',
      ],
      [['--port', 'https'], '--port', '--port: "https" is not a whole number from 0 to 65535'],
      [
        ['--log-level', 'loud'],
        '--log-level',
        '--log-level: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
      ],
      [['--no-match', 'deny'], '--no-match', '--no-match: "deny" is not one of Deny, Warn, Allow'],
      [
        ['--revocation', 'soft'],
        '--revocation',
        '--revocation: "soft" is not one of online, offline',
      ],
      [
        ['--insecure-registry', 'http://r.local'],
        '--insecure-registry',
        '--insecure-registry: "http://r.local" is not a registry host[:port] (e.g. registry.local:5000)',
      ],
      [
        ['--insecure-registry', 'r.local', '--insecure-registry', 'R.local.:080'],
        '--insecure-registry',
        '--insecure-registry: "r.local" and "r.local:80" name the same plain-HTTP registry: list it once, as Pods name it',
      ],
      [
        ['--insecure-registry', 'r.local:443'],
        '--insecure-registry',
        '--insecure-registry: "r.local:443": plain HTTP on port 443 cannot be named (the normal form leaves :443 out, so "r.local" means https or port 80)',
      ],
      [['--registry-ca', 'r.local'], '--registry-ca', '--registry-ca: "r.local" is not HOST=FILE'],
      [
        ['--registry-ca', 'a=1', '--registry-ca', 'A:443=2'],
        '--registry-ca',
        '--registry-ca: registry "a" is given twice',
      ],
      [
        ['--cache-ttl', '5 minutes'],
        '--cache-ttl',
        '--cache-ttl: "5 minutes" is not a duration (e.g. 500ms, 10s, 2m, or milliseconds)',
      ],
      [
        ['--max-inflight', '0'],
        '--max-inflight',
        '--max-inflight: "0" is not a whole number from 1 to 9007199254740991',
      ],
      [['--tls-cert', 'c.pem'], '--tls-cert', '--tls-cert and --tls-key must be given together'],
      [['--tls-key', 'k.pem'], '--tls-key', '--tls-cert and --tls-key must be given together'],
      [
        ['--timeout-margin', '10s'],
        '--timeout-margin',
        '--timeout-margin: 10000 ms leaves nothing of the 10000 ms default timeout',
      ],
    ])('throws FLAG_INVALID for %j', (argv, flag, message) => {
      const err = failure(() => parseServeArgs(argv, HOME));
      expect([err.name, err.code, err.path, err.message]).toEqual([
        'ConfigError',
        'FLAG_INVALID',
        flag,
        message,
      ]);
    });

    it('T-43 throws FLAG_INVALID explaining the 90 s idle timeout for --keep-alive-timeout 90s', () => {
      const err = failure(() => parseServeArgs(['--keep-alive-timeout', '90s'], HOME));
      expect(err.code).toBe('FLAG_INVALID');
      expect(err.message).toBe(
        '--keep-alive-timeout: 90000 ms must be longer than 90s: the kube-apiserver keeps idle ' +
          'connections to webhooks for up to 90 s, and a server that closes them sooner makes it ' +
          'fail requests with connection resets',
      );
      expect(parseServeArgs(['--keep-alive-timeout', '90001'], HOME).keepAliveTimeoutMs).toBe(
        90_001,
      );
    });
  });

  describe('when both trust paths are given', () => {
    it("returns them without asking the environment for notation's directory", () => {
      const settings = parseServeArgs(['--trust-policy', '/p.json', '--trust-store', '/ts'], {});
      expect(settings).toMatchObject({
        policySource: 'file',
        trustPolicyPath: '/p.json',
        trustStoreDir: '/ts',
      });
    });

    it("throws CONFIG_INVALID when one is missing and notation's directory is unknown", () => {
      expect(failure(() => parseServeArgs(['--trust-policy', '/p.json'], {}))).toMatchObject({
        code: 'CONFIG_INVALID',
        path: 'HOME',
      });
    });
  });
});

describe('parseServeArgs --policy-source kubernetes', () => {
  const K8S = ['--policy-source', 'kubernetes'];

  describe('when nothing else is given outside a pod', () => {
    it('returns ~/.kube/config and the notary-admission namespace, no trust paths', () => {
      const settings = parseServeArgs(K8S, HOME);
      expect(settings).toMatchObject({
        policySource: 'kubernetes',
        kubeconfig: '/nonexistent-home/.kube/config',
        trustNamespace: 'notary-admission',
      });
      expect(settings).not.toHaveProperty('trustPolicyPath');
      expect(settings).not.toHaveProperty('trustStoreDir');
    });

    it('returns the first file of KUBECONFIG before ~/.kube/config', () => {
      expect(parseServeArgs(K8S, { ...HOME, KUBECONFIG: 'rel/kc' })).toMatchObject({
        kubeconfig: path.join(process.cwd(), 'rel/kc'),
      });
    });
  });

  describe('when running in a pod', () => {
    it('returns no kubeconfig (the service account), ignoring KUBECONFIG', () => {
      const settings = parseServeArgs(K8S, {
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
        KUBECONFIG: '/k',
      });
      expect(settings).toMatchObject({ policySource: 'kubernetes' });
      expect(settings).not.toHaveProperty('kubeconfig');
    });
  });

  describe('when given by flag, environment or config file', () => {
    it('returns the flag values, paths made absolute', () => {
      expect(
        parseServeArgs([...K8S, '--kubeconfig', 'admin.kc', '--trust-namespace', 'trust'], {}),
      ).toMatchObject({
        policySource: 'kubernetes',
        kubeconfig: path.join(process.cwd(), 'admin.kc'),
        trustNamespace: 'trust',
      });
    });

    it('returns the environment and config file values', async () => {
      const file = await configFile({ policySource: 'kubernetes', kubeconfig: 'kc' });
      expect(
        parseServeArgs(['--config', file], { NOTARY_ADMISSION_TRUST_NAMESPACE: 'from-env' }),
      ).toMatchObject({ kubeconfig: path.join(dir, 'kc'), trustNamespace: 'from-env' });
    });
  });

  describe('when a value is invalid', () => {
    it('throws FLAG_INVALID naming the flag and what it accepts', () => {
      expect(failure(() => parseServeArgs(['--policy-source', 'crd'], HOME))).toMatchObject({
        code: 'FLAG_INVALID',
        path: '--policy-source',
        message: expect.stringContaining('--policy-source: ') as string,
      });
      expect(
        failure(() => parseServeArgs([...K8S, '--trust-namespace', 'Not_A_Namespace'], HOME)),
      ).toMatchObject({
        code: 'FLAG_INVALID',
        path: '--trust-namespace',
        message:
          '--trust-namespace: "Not_A_Namespace" is not a namespace name (lower-case letters, ' +
          "digits and '-', at most 63)",
      });
    });

    it('throws FLAG_INVALID when no cluster can be found', () => {
      expect(failure(() => parseServeArgs(K8S, {}))).toMatchObject({
        code: 'FLAG_INVALID',
        path: '--kubeconfig',
      });
    });
  });

  describe('when a flag of the other source is given', () => {
    it('throws FLAG_INVALID naming it', () => {
      expect(
        failure(() => parseServeArgs([...K8S, '--trust-policy', '/p.json'], HOME)),
      ).toMatchObject({
        code: 'FLAG_INVALID',
        path: '--trust-policy',
        message: '--trust-policy applies to --policy-source file, not kubernetes',
      });
      expect(
        failure(() => parseServeArgs([], { ...HOME, NOTARY_ADMISSION_TRUST_NAMESPACE: 'x' })),
      ).toMatchObject({
        code: 'FLAG_INVALID',
        message: 'NOTARY_ADMISSION_TRUST_NAMESPACE applies to --policy-source kubernetes, not file',
      });
    });
  });
});

describe('parseServeArgs --pull-secrets', () => {
  describe('when given with the file source and --kubeconfig', () => {
    it('returns pullSecrets true and the kubeconfig, made absolute', () => {
      expect(parseServeArgs(['--pull-secrets', '--kubeconfig', 'kc'], HOME)).toMatchObject({
        policySource: 'file',
        pullSecrets: true,
        kubeconfig: path.join(process.cwd(), 'kc'),
      });
    });
  });

  describe('when given by environment or config file, without --kubeconfig', () => {
    it('returns the default cluster: in a pod none (its service account), else ~/.kube/config', async () => {
      const inPod = parseServeArgs([], {
        ...HOME,
        NOTARY_ADMISSION_PULL_SECRETS: 'true',
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
      });
      expect(inPod).toMatchObject({ pullSecrets: true });
      expect(inPod).not.toHaveProperty('kubeconfig');
      const file = await configFile({ pullSecrets: true });
      expect(parseServeArgs(['--config', file], HOME)).toMatchObject({
        pullSecrets: true,
        kubeconfig: '/nonexistent-home/.kube/config',
      });
    });
  });

  describe('when given with the Kubernetes source', () => {
    it("returns pullSecrets true beside that source's kubeconfig", () => {
      expect(
        parseServeArgs(
          ['--policy-source', 'kubernetes', '--pull-secrets', '--kubeconfig', '/k'],
          HOME,
        ),
      ).toMatchObject({ policySource: 'kubernetes', pullSecrets: true, kubeconfig: '/k' });
    });
  });

  describe('when no cluster can be found', () => {
    it('throws FLAG_INVALID naming --kubeconfig', () => {
      const trust = ['--trust-policy', '/p.json', '--trust-store', '/s'];
      expect(failure(() => parseServeArgs(['--pull-secrets', ...trust], {}))).toMatchObject({
        code: 'FLAG_INVALID',
        path: '--kubeconfig',
        message:
          '--pull-secrets needs a cluster: give --kubeconfig (not in a pod, and neither ' +
          'KUBECONFIG nor HOME is set)',
      });
    });
  });

  describe('when --kubeconfig is given to the file source without it', () => {
    it('throws FLAG_INVALID', () => {
      expect(failure(() => parseServeArgs(['--kubeconfig', '/k'], HOME))).toMatchObject({
        code: 'FLAG_INVALID',
        path: '--kubeconfig',
      });
    });
  });

  describe('when the value is not a boolean', () => {
    it('throws FLAG_INVALID', () => {
      expect(
        failure(() => parseServeArgs([], { ...HOME, NOTARY_ADMISSION_PULL_SECRETS: 'maybe' })),
      ).toMatchObject({ code: 'FLAG_INVALID' });
      expect(failure(() => parseServeArgs(['--pull-secrets=yes'], HOME))).toMatchObject({
        code: 'FLAG_INVALID',
      });
    });
  });
});

describe('parseVerifyArgs', () => {
  describe('when given only a reference', () => {
    it('T-26 returns the CLI defaults (private networks allowed, 100 signatures)', () => {
      expect(parseVerifyArgs(['localhost:5000/app:v1'], HOME)).toEqual({
        reference: 'localhost:5000/app:v1',
        trustPolicyPath: `${NOTATION}/trustpolicy.json`,
        trustStoreDir: `${NOTATION}/truststore`,
        insecureRegistries: [],
        allowPrivateNetworks: true,
        registryCaFiles: {},
        output: 'text',
        timeoutMs: 30_000,
        revocation: 'online',
        userMetadata: {},
        maxSignatures: 32,
        insecureReference: false,
      });
    });
  });

  describe("when given notation's bare --insecure-registry", () => {
    it('returns insecureReference and keeps the reference as the positional', () => {
      const settings = parseVerifyArgs(['--insecure-registry', 'localhost:5000/app:v1'], HOME);
      expect(settings).toMatchObject({
        reference: 'localhost:5000/app:v1',
        insecureReference: true,
        insecureRegistries: [],
      });
    });
  });

  describe('when flags are given', () => {
    it('returns their values', () => {
      const settings = parseVerifyArgs(
        [
          '-o',
          'json',
          'r.local/app@sha256:abc',
          '--insecure-registry=r.local',
          '-m',
          'buildId=42',
          '--user-metadata=env=prod=eu',
          '--timeout',
          '5s',
          '--max-signatures',
          '3',
          '--allow-private-network',
          'none',
          '--registry-credentials',
          '/c.json',
        ],
        { ...HOME, NOTARY_ADMISSION_OUTPUT: 'text', NOTARY_ADMISSION_REVOCATION: 'offline' },
      );
      expect(settings).toMatchObject({
        reference: 'r.local/app@sha256:abc',
        output: 'json',
        insecureRegistries: ['r.local'],
        userMetadata: { buildId: '42', env: 'prod=eu' },
        timeoutMs: 5_000,
        maxSignatures: 3,
        allowPrivateNetworks: false,
        registryCredentialsFile: '/c.json',
        revocation: 'offline',
      });
    });
  });

  describe('when the reference is missing or there are several', () => {
    it.each([[[]], [['a', 'b']], [['']]])('throws FLAG_INVALID for %j', (argv) => {
      expect(failure(() => parseVerifyArgs(argv, HOME))).toMatchObject({
        code: 'FLAG_INVALID',
        message: expect.stringContaining('verify takes exactly one image reference') as string,
      });
    });
  });

  describe('when a value is bad or the flag belongs to serve', () => {
    it.each([
      [['r', '-o', 'yaml'], '--output: "yaml" is not one of text, json'],
      [['r', '-m', 'a=1', '-m', 'a=2'], '--user-metadata: user metadata key "a" is given twice'],
      [['r', '-m', 'novalue'], '--user-metadata: "novalue" is not KEY=VALUE'],
      [
        ['r', '--max-signatures', '0'],
        '--max-signatures: "0" is not a whole number from 1 to 9007199254740991',
      ],
      [['r', '--config', 'x.json'], 'unknown flag --config (see `notary-admission verify --help`)'],
    ])('throws FLAG_INVALID for %j', (argv, message) => {
      expect(failure(() => parseVerifyArgs(argv, HOME))).toMatchObject({
        code: 'FLAG_INVALID',
        message,
      });
    });
  });
});

describe('serveHelp and verifyHelp', () => {
  describe('when printed', () => {
    it('returns one line per flag, with its default where it has one', () => {
      for (const [help, specs] of [
        [serveHelp(), SERVE_FLAGS],
        [verifyHelp(), VERIFY_FLAGS],
      ] as const) {
        for (const spec of specs) {
          const line = help
            .split('\n')
            .find(
              (l) =>
                l.trimStart().startsWith(`--${spec.flag} `) ||
                l.trimStart().startsWith(`--${spec.flag},`) ||
                l.trim() === `--${spec.flag}`,
            );
          expect(line, spec.flag).toBeDefined();
          if (spec.default !== undefined) expect(line).toContain(`(default: ${spec.default})`);
        }
      }
      expect(serveHelp()).toContain('  --keep-alive-timeout DURATION');
      expect(verifyHelp()).toContain('  --output, -o text|json');
    });
  });
});

describe('wantsHelp', () => {
  describe('when --help or -h comes before --', () => {
    it('returns true, and false otherwise', () => {
      expect(wantsHelp(['--port', '1', '--help'])).toBe(true);
      expect(wantsHelp(['-h'])).toBe(true);
      expect(wantsHelp(['--', '--help'])).toBe(false);
      expect(wantsHelp(['--port', '1'])).toBe(false);
    });
  });
});
