// The chart against a real kube-apiserver (harness control plane: no nodes, so pods never run):
// every rendered object of each major option passes `kubectl apply --dry-run=server`, deploy/
// too; `helm install` succeeds, TLS survives an upgrade, and uninstall removes the webhook
// configurations before the Service and Deployment (T-57).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../harness/controlplane.js';
import type { RunResult } from '../../harness/run.js';
import {
  CHART_DIR,
  clusterHelm,
  DEPLOY_DIR,
  helmTemplate,
  parseManifests,
  valueArgs,
} from './render.js';

const NS = 'na-system';
const NAME = 'na-notary-admission';
const FIXTURE_CRDS = path.join(import.meta.dirname, 'fixture-crds.yaml');
const PEM = readFileSync(
  path.join(import.meta.dirname, '../../../examples/truststore.yaml'),
  'utf8',
)
  .split('\n')
  .filter((l) => /^\s{6}\S/.test(l))
  .map((l) => l.trim())
  .join('\n');

/** The major options of the acceptance list, and a few more. */
const OPTIONS: [string, Record<string, string>][] = [
  ['default values (self-managed TLS)', {}],
  ['chart-generated TLS', { 'tls.mode': 'generated' }],
  ['cert-manager', { 'tls.mode': 'cert-manager' }],
  ['no mutation', { 'webhook.mutating.enabled': 'false' }],
  ['URL clientConfig', { 'webhook.url': 'https://127.0.0.1:9443', 'tls.caBundle': PEM }],
  [
    'ServiceMonitor, PrometheusRule and dashboard',
    {
      'metrics.serviceMonitor.enabled': 'true',
      'metrics.prometheusRule.enabled': 'true',
      'metrics.dashboard.enabled': 'true',
    },
  ],
  ['pull-secret opt-in', { 'config.pullSecrets': 'true' }],
  ['example policy', { 'policy.create': 'true', 'policy.certificates[0]': PEM }],
];

const serverDryRuns = (out: string): number =>
  out.split('\n').filter((l) => l.endsWith(' (server dry run)')).length;

describe('chart on a real kube-apiserver', () => {
  let cp: ControlPlane;
  let helm: (args: string[]) => Promise<RunResult>;

  beforeAll(async () => {
    cp = await startControlPlane();
    helm = clusterHelm(cp);
    for (const file of [path.join(CHART_DIR, 'crds'), FIXTURE_CRDS]) {
      const applied = await cp.kubectl(['apply', '--server-side', '-f', file]);
      expect(applied.stderr).toBe('');
    }
    for (const ns of [NS, 'notary-admission'])
      expect((await cp.kubectl(['create', 'namespace', ns])).code).toBe(0);
    const established = await cp.kubectl(['wait', '--for=condition=Established', 'crd', '--all']);
    expect(established.code).toBe(0);
  });

  afterAll(async () => {
    await cp?.stop();
  });

  describe('when each option is rendered', () => {
    it.each(OPTIONS)(
      'accepts every object of %s (kubectl apply --dry-run=server)',
      async (_, values) => {
        const text = await helmTemplate({ release: 'na', namespace: NS, values });
        const result = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: text });
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(serverDryRuns(result.stdout)).toBe(parseManifests(text).length);
      },
    );
  });

  describe('when deploy/ is applied', () => {
    it('accepts every object (kubectl apply --dry-run=server -f deploy/)', async () => {
      const result = await cp.kubectl(['apply', '--dry-run=server', '-f', DEPLOY_DIR]);
      // The namespace and CRDs exist already (made here without kubectl apply): only that warning.
      const warnings = result.stderr
        .split('\n')
        .filter((l) => !/last-applied-configuration/.test(l));
      expect(warnings.join('\n').trim()).toBe('');
      expect(result.code).toBe(0);
      const files = ['notary-admission.yaml', 'policyreport-crds.yaml', 'webhooks.yaml'];
      const objects = files.flatMap((f) =>
        parseManifests(readFileSync(path.join(DEPLOY_DIR, f), 'utf8')),
      );
      expect(serverDryRuns(result.stdout)).toBe(objects.length);
    });
  });

  describe('when installed with helm', () => {
    const secret = async (name: string): Promise<Record<string, string>> => {
      const got = await cp.kubectl(['-n', NS, 'get', 'secret', name, '-o', 'jsonpath={.data}']);
      expect(got.code).toBe(0);
      return JSON.parse(got.stdout) as Record<string, string>;
    };
    const caBundles = async (): Promise<string> =>
      (
        await cp.kubectl([
          'get',
          'validatingwebhookconfiguration,mutatingwebhookconfiguration',
          NAME,
          '-o',
          'jsonpath={.items[*].webhooks[*].clientConfig.caBundle}',
        ])
      ).stdout;
    const podIn = (ns: string) =>
      cp.kubectl(['-n', ns, 'run', 'probe', '--image=busybox:1.36', '--dry-run=server']);
    // Chart-generated TLS: what Helm's lookup keeps across upgrades (self-managed TLS, the
    // default, is installed for real in self-managed-tls.test.ts).
    const GENERATED = { 'tls.mode': 'generated' };
    const upgrade = (values: Record<string, string>) =>
      helm([
        'upgrade',
        'na',
        CHART_DIR,
        '-n',
        NS,
        '--wait=false',
        ...valueArgs({ values: { ...GENERATED, ...values } }),
      ]);

    it('installs the chart (--wait=false: no nodes run the pods)', async () => {
      const installed = await helm([
        'install',
        'na',
        CHART_DIR,
        '-n',
        NS,
        '--wait=false',
        ...valueArgs({ values: GENERATED }),
      ]);
      expect(installed.stderr).toBe('');
      expect(installed.stdout).toContain('STATUS: deployed');
      expect(installed.stdout).toContain(`Exempt namespaces: kube-system, ${NS}.`);
      expect(installed.stdout).toContain(`kubectl delete validatingwebhookconfiguration ${NAME}`);
      const tls = await secret(`${NAME}-tls`);
      expect(await caBundles()).toBe(`${tls['ca.crt']} ${tls['ca.crt']}`);
    });

    it('keeps the CA and serving certificate across an upgrade', async () => {
      const [tls, ca, bundles] = [
        await secret(`${NAME}-tls`),
        await secret(`${NAME}-ca`),
        await caBundles(),
      ];
      expect((await upgrade({ 'config.logLevel': 'debug' })).stderr).toBe('');
      expect(await secret(`${NAME}-tls`)).toEqual(tls);
      expect(await secret(`${NAME}-ca`)).toEqual(ca);
      expect(await caBundles()).toBe(bundles);
    });

    it('renews the serving certificate under the same CA when it is due', async () => {
      const [tls, bundles] = [await secret(`${NAME}-tls`), await caBundles()];
      // 1000 days > the leaf's 730 left, < the CA's 3650: only the leaf is due.
      expect((await upgrade({ 'tls.generated.renewBeforeDays': '1000' })).stderr).toBe('');
      const renewed = await secret(`${NAME}-tls`);
      expect(renewed['tls.crt']).not.toBe(tls['tls.crt']);
      expect(renewed['ca.crt']).toBe(tls['ca.crt']);
      expect(await caBundles()).toBe(bundles);
    });

    it('T-57 refuses Pods outside the exempt namespaces while nothing answers (fail closed)', async () => {
      const refused = await podIn('default');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('failed calling webhook "mutate.notary-admission.dev"');
      expect((await podIn(NS)).stdout).toBe('pod/probe created (server dry run)\n');
    });

    it('T-57 uninstall deletes the webhook configurations before the Service and Deployment', async () => {
      const removed = await helm(['uninstall', 'na', '-n', NS, '--debug']);
      expect(removed.code).toBe(0);
      const deletes = removed.stderr
        .split('\n')
        .map((l) => /Starting delete for "([^"]+)" (\w+)/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => `${m[2]}/${m[1]}`);
      const first = (kind: string): number => deletes.indexOf(`${kind}/${NAME}`);
      for (const config of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
        expect(first(config)).toBeGreaterThanOrEqual(0);
        expect(first(config)).toBeLessThan(first('Service'));
        expect(first(config)).toBeLessThan(first('Deployment'));
      }
      expect((await podIn('default')).stdout).toBe('pod/probe created (server dry run)\n');
      const left = await cp.kubectl([
        'get',
        'validatingwebhookconfiguration,mutatingwebhookconfiguration',
        '-o',
        'name',
      ]);
      expect(left.stdout).toBe('');
    });
  });
});
