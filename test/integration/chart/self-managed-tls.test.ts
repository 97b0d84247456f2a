// Issue 19 item 1 on the real kube-apiserver: the chart rendered with `helm template` (no lookup
// runs) and applied with `kubectl apply --server-side`; two replicas of the service, in-process,
// with the chart's flags and the chart's ServiceAccount, behind a round-robin balancer the URL
// clientConfig points at; the second sees the Secret 1 s late. The Lease holder fills the empty
// Secret and both caBundles, the API server then admits and denies pods through the webhook, and
// a forced CA rotation (plus leaf renewals, short validities) under steady pod creations gives 0
// failed reviews and 0 untrusted handshakes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/config/index.js';
import { startService, type Service } from '../../../src/main.js';
import { startControlPlane, type ControlPlane } from '../../harness/controlplane.js';
import { makeServingCert } from '../../harness/pki.js';
import { freePort } from '../../harness/process.js';
import { run } from '../../harness/run.js';
import { requireTool } from '../../harness/tools.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { startBalancer, type Balancer } from '../../reliability/support/balancer.js';
import { CHART_DIR, helmTemplate, parseManifests, valueArgs, type K8sObject } from './render.js';
import {
  apiServer,
  readinessGate,
  serviceAccountKubeconfig,
  servedLeaf,
  startLaggingApi,
  until,
  type ApiServer,
  type Outcome,
} from './self-managed-support.js';

const NS = 'na-system';
const NAME = 'na-notary-admission';
const SECRET = `${NAME}-serving-tls`;
const SKIPPED = 'registry.example.com/public/busybox:1.36';
const NO_POLICY = 'docker.io/library/nginx:1.27';
/**
 * Short lives: a serving certificate renewed every 12 s, a CA rotation takes 2 × 2 s. A leaf
 * comes due with 6 s left, so a rotation forced just then still has 4 s for API calls and the
 * lagging watch on a busy machine (with 12 s leaves, 2 s was not always enough).
 */
const VALUES = {
  'tls.selfManaged.caValidity': '54s',
  'tls.selfManaged.certValidity': '18s',
  'tls.selfManaged.overlap': '2s',
  'policy.create': 'true',
  'policy.level': 'skip',
  'policy.registryScopes': '{registry.example.com/public/busybox}',
  'policy.mutateDigest': 'false',
};
/** Flags the test sets itself (where and how the in-process replica listens and logs). */
const OWN = /^--(host|port|metrics-host|metrics-port|log-level)=/;

let cp: ControlPlane;
let api: ApiServer;
let balancer: Balancer;
let rendered: string;
let lagging: { url: string; stop: () => Promise<void> };
const ports: number[] = [];
const replicas: Service[] = [];
const cleanup: (() => Promise<unknown>)[] = [];

const deploymentArgs = (objects: K8sObject[]): string[] =>
  (
    objects.find((o) => o.kind === 'Deployment')!['spec'] as {
      template: { spec: { containers: { args: string[] }[] } };
    }
  ).template.spec.containers[0]!.args.slice(1);

/** A replica in-process with the chart's flags, listening on `port` as `kubeconfig`'s user. */
function replica(flags: string[], port: number, kubeconfig: string): Promise<Service> {
  const own = ['--host=127.0.0.1', `--port=${port}`, '--metrics-port=off', '--log-level=silent'];
  const settings = parseServeArgs([...flags, ...own, `--kubeconfig=${kubeconfig}`], {});
  return startService(settings, { tlsResyncMs: 500 });
}

beforeAll(async () => {
  const dir = makeWorkdir('self-managed-tls');
  cp = await startControlPlane();
  api = apiServer(cp);
  ports.push(await freePort(), await freePort());
  balancer = await startBalancer(ports.map((port) => ({ host: '127.0.0.1', port })));
  expect(
    (await cp.kubectl(['apply', '--server-side', '-f', path.join(CHART_DIR, 'crds')])).code,
  ).toBe(0);
  expect((await cp.kubectl(['create', 'namespace', NS])).code).toBe(0);
  await cp.kubectl(['wait', '--for=condition=Established', 'crd', '--all']);
  rendered = await helmTemplate({
    release: 'na',
    namespace: NS,
    values: { ...VALUES, 'webhook.url': balancer.url },
  });
  // The replicas run as the in-cluster Deployment would: its flags, from the same values.
  const inCluster = parseManifests(
    await helmTemplate({ release: 'na', namespace: NS, values: VALUES }),
  );
  const applied = await cp.kubectl(['apply', '--server-side', '-f', '-'], { input: rendered });
  expect(applied.stderr).toBe('');
  // The second replica sees the Secret 1 s late (its watch held back), under the 2 s overlap.
  lagging = await startLaggingApi(
    cp,
    1_000,
    (p) => p.includes('/secrets?') && p.includes('watch=true'),
  );
  const kubeconfigs = [
    await serviceAccountKubeconfig(cp, { ns: NS, account: NAME, dir }),
    await serviceAccountKubeconfig(cp, { ns: NS, account: NAME, dir, server: lagging.url }),
  ];
  const flags = deploymentArgs(inCluster).filter((a) => !OWN.test(a));
  for (const [i, port] of ports.entries())
    replicas.push(await replica(flags, port, kubeconfigs[i]!));
  await until('both replicas ready', () =>
    replicas.every((r) => r.policies.current() !== undefined && r.selfManagedTls!.ready()),
  );
}, 180_000);

afterAll(async () => {
  for (const r of replicas) r.webhook.drain(); // as at SIGTERM
  await Promise.allSettled([...replicas.map((r) => r.close()), ...cleanup.map((c) => c())]);
  await balancer?.close();
  await lagging?.stop();
  await cp?.stop();
});

describe('self-managed TLS on a real kube-apiserver', () => {
  describe('when the rendered chart is applied (kubectl apply --server-side, no lookup)', () => {
    it('fills both caBundles with a CA that trusts what each replica serves', async () => {
      const [validating, mutating] = [
        await api.caBundle('validating', NAME),
        await api.caBundle('mutating', NAME),
      ];
      expect(validating).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(mutating).toBe(validating);
      const leaves = await Promise.all(ports.map((p) => servedLeaf(p, validating)));
      expect(leaves[0]).toBe(leaves[1]); // both serve the pair from the one Secret
    });

    it('admits and denies pods through the API server', async () => {
      expect(await api.createPod(SKIPPED)).toEqual({ outcome: 'admitted', message: '' });
      const denied = await api.createPod(NO_POLICY);
      expect(denied.outcome).toBe('denied');
      expect(denied.message).toContain(
        `no trust policy applies to docker.io/library/nginx [NO_APPLICABLE_POLICY]`,
      );
    });

    it('lets only the Lease holder write', () => {
      const [leader, other] = replicas[0]!.selfManagedTls!.isLeader()
        ? replicas
        : [...replicas].reverse();
      expect(leader!.selfManagedTls!.isLeader()).toBe(true);
      expect(other!.selfManagedTls!.isLeader()).toBe(false);
      expect(leader!.selfManagedTls!.writes()).toBeGreaterThan(0);
      expect(other!.selfManagedTls!.writes()).toBe(0);
    });

    it("keeps the service's caBundle and Secret when the same manifests are applied again (GitOps sync)", async () => {
      const before = await api.caBundle('validating', NAME);
      const again = await cp.kubectl(['apply', '--server-side', '-f', '-'], { input: rendered });
      expect(again.stderr).toBe('');
      expect(await api.caBundle('validating', NAME)).toBe(before);
      const data = await cp.kubectl([
        '-n',
        NS,
        'get',
        'secret',
        SECRET,
        '-o',
        'jsonpath={.data.ca\\.crt}',
      ]);
      expect(Buffer.from(data.stdout, 'base64').toString()).toBe(before);
    });
  });

  describe('when the ServiceAccount asks what it may do (kubectl auth can-i --as)', () => {
    it.each([
      ['patch', `validatingwebhookconfigurations/${NAME}`, 'yes'],
      ['patch', `mutatingwebhookconfigurations/${NAME}`, 'yes'],
      ['patch', 'validatingwebhookconfigurations/someone-else', 'no'],
      ['delete', `validatingwebhookconfigurations/${NAME}`, 'no'],
      ['patch', `secrets/${SECRET}`, 'yes'],
      ['patch', 'secrets/someone-else', 'no'],
      ['create', 'secrets', 'no'],
      ['update', `leases/${NAME}-tls`, 'yes'],
      ['update', 'leases/someone-else', 'no'],
    ])('answers %s %s: %s', async (verb, resource, answer) => {
      const asked = await cp.kubectl([
        'auth',
        'can-i',
        verb,
        resource,
        '-n',
        NS,
        `--as=system:serviceaccount:${NS}:${NAME}`,
      ]);
      expect(asked.stdout.trim()).toBe(answer);
    });
  });

  describe('when the CA is rotated (forced) while the API server creates pods at 20/s', () => {
    it('returns 0 failed reviews, and every handshake meanwhile is trusted by the caBundle of that moment', async () => {
      const firstCa = await api.caBundle('validating', NAME);
      const outcomes: { outcome: Outcome; message: string }[] = [];
      const bundles = new Set<string>();
      const leaves = new Set<string>();
      const handshakeFailures: string[] = [];
      let sending = true;
      const load = (async () => {
        const pending: Promise<void>[] = [];
        for (let k = 0; sending; k++) {
          pending.push(
            api.createPod(k % 2 === 0 ? SKIPPED : NO_POLICY).then((o) => void outcomes.push(o)),
          );
          await new Promise((r) => setTimeout(r, 50));
        }
        await Promise.all(pending);
      })();
      // Each replica's handshake, trusting the caBundle of this moment and the one of a second
      // ago: an API server whose view of the configuration lags (less than the 2 s overlap).
      const seen: { at: number; bundle: string }[] = [];
      const probes = (async () => {
        while (sending) {
          const bundle = await api.caBundle('validating', NAME);
          seen.push({ at: Date.now(), bundle });
          bundles.add(bundle);
          const stale = seen.findLast((s) => s.at <= Date.now() - 1_000)?.bundle ?? bundle;
          for (const port of ports)
            for (const [view, ca] of Object.entries({ now: bundle, stale }))
              await servedLeaf(port, ca).then(
                (leaf) => void leaves.add(leaf),
                (err: Error) => void handshakeFailures.push(`${port} (${view}): ${err.message}`),
              );
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await new Promise((r) => setTimeout(r, 1_000));
      // Forced: without its key the CA is unusable, and the keeper replaces it with an overlap.
      const forced = await cp.kubectl([
        '-n',
        NS,
        'patch',
        'secret',
        SECRET,
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/data/ca.key"}]',
      ]);
      expect(forced.code).toBe(0);
      await until(
        'a new CA alone in the caBundle',
        async () => {
          const now = await api.caBundle('validating', NAME);
          return (
            now !== firstCa &&
            !now.includes(firstCa.trim()) &&
            (now.match(/BEGIN/g) ?? []).length === 1
          );
        },
        30_000,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      sending = false;
      await Promise.all([load, probes]);
      const failed = outcomes.filter((o) => o.outcome === 'failed');
      expect(failed.slice(0, 3)).toEqual([]);
      expect(handshakeFailures).toEqual([]);
      expect(outcomes.filter((o) => o.outcome === 'admitted').length).toBeGreaterThan(40);
      expect(outcomes.filter((o) => o.outcome === 'denied').length).toBeGreaterThan(40);
      // The overlap was seen: a bundle of both CAs, and leaves of more than one issue.
      expect([...bundles].some((b) => (b.match(/BEGIN/g) ?? []).length === 2)).toBe(true);
      expect(leaves.size).toBeGreaterThanOrEqual(2);
    });
  });
  describe('when a release moves from its own certificate to self-managed TLS (helm upgrade)', () => {
    it('returns 0 failed reviews while the old replica serves, the new one takes over and the old one goes', async () => {
      const [ns, name] = ['mig-system', 'mig-notary-admission'];
      expect((await cp.kubectl(['create', 'namespace', ns])).code).toBe(0);
      const legacy = await makeServingCert();
      const [oldPort, newPort, gatePort] = [await freePort(), await freePort(), await freePort()];
      // The new replica joins the balancer once ready, as a rolling update's new pod does.
      const gate = readinessGate(gatePort, newPort);
      const front = await startBalancer(
        [oldPort, gatePort].map((port) => ({ host: '127.0.0.1', port })),
      );
      cleanup.push(
        () => front.close(),
        () => gate.close(),
      );
      const values = {
        ...VALUES,
        'policy.name': 'mig',
        'scan.enabled': 'false',
        'webhook.url': front.url,
      };
      const helm = (args: string[]) =>
        run(requireTool('helm'), ['--kubeconfig', cp.kubeconfigPath, ...args], {
          env: { HELM_CACHE_HOME: makeWorkdir('helm'), HELM_CONFIG_HOME: makeWorkdir('helm') },
        });
      // Before: the release trusts the CA of a certificate the old replica reads from files.
      const installed = await helm([
        ...['install', 'mig', CHART_DIR, '-n', ns, '--wait=false'],
        ...valueArgs({
          values: { ...values, 'tls.mode': 'manual' },
          files: { 'tls.caBundle': legacy.caPath },
        }),
      ]);
      expect(installed.stderr).toBe('');
      const inCluster = parseManifests(
        await helmTemplate({
          release: 'mig',
          namespace: ns,
          values: { ...VALUES, 'policy.name': 'mig', 'scan.enabled': 'false' },
        }),
      );
      const flags = deploymentArgs(inCluster).filter((a) => !OWN.test(a));
      const files = [
        ...flags.filter((a) => !a.startsWith('--tls-')),
        `--tls-cert=${legacy.certPath}`,
        `--tls-key=${legacy.keyPath}`,
      ];
      const kubeconfig = await serviceAccountKubeconfig(cp, {
        ns,
        account: name,
        dir: makeWorkdir('mig'),
      });
      const old = await replica(files, oldPort, kubeconfig);
      cleanup.push(() => old.close());
      await until('the old replica ready', () => old.policies.current() !== undefined);
      const outcomes: { outcome: Outcome; message: string }[] = [];
      let sending = true;
      const load = (async () => {
        const pending: Promise<void>[] = [];
        for (let k = 0; sending; k++) {
          const image = k % 2 === 0 ? SKIPPED : NO_POLICY;
          pending.push(api.createPod(image).then((o) => void outcomes.push(o)));
          await new Promise((r) => setTimeout(r, 50));
        }
        await Promise.all(pending);
      })();
      // The upgrade renders no caBundle of its own; Helm carries the live one over (lookup).
      const upgraded = await helm([
        'upgrade',
        'mig',
        CHART_DIR,
        '-n',
        ns,
        '--wait=false',
        ...valueArgs({ values }),
      ]);
      expect(upgraded.stderr).toBe('');
      const taking = await replica(flags, newPort, kubeconfig);
      replicas.push(taking);
      await until('the new replica ready', () => taking.selfManagedTls!.ready());
      await gate.open();
      const both = await api.caBundle('validating', name);
      // The rolling update ends: the old pod drains (answers, closing each connection) and stops.
      old.webhook.drain();
      await new Promise((r) => setTimeout(r, 500));
      await old.close();
      await until('the old CA dropped after the overlap', async () => {
        const now = await api.caBundle('validating', name);
        return !now.includes(readFileSync(legacy.caPath, 'utf8').trim());
      });
      await new Promise((r) => setTimeout(r, 500));
      sending = false;
      await load;
      expect(outcomes.filter((o) => o.outcome === 'failed')).toEqual([]);
      expect(outcomes.length).toBeGreaterThan(40);
      expect((both.match(/BEGIN/g) ?? []).length).toBe(2); // old and new CA during the move
    });
  });
});
