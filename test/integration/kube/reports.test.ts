// Issue 16, items 2-4, through the real service and a real kube-apiserver: the background
// verifier lists every running workload in its namespace's PolicyReport within one scan, flips
// the results a TrustStore edit affects (and only those), sees a signer revoked at the CRL
// responder within one nextUpdate interval, drops the results of deleted workloads, and exports
// the non-compliance gauge. A namespace's own NamespaceTrustPolicy is judged as admission judges it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReport, type ReadResult } from '../../../src/kube/index.js';
import type { Service } from '../../../src/main.js';
import {
  makePki,
  serveCrl,
  startControlPlane,
  type ControlPlane,
  type CrlServer,
  type Pki,
  type PushedImage,
} from '../../harness/index.js';
import { httpRequest } from '../../harness/http.js';
import { startSigningWorld, type SigningWorld } from '../webhook/fixtures.js';
import {
  cluster,
  deployment,
  eventually,
  installCrds,
  pod,
  startKubeService,
  trustPolicy,
  trustStore,
  type Cluster,
} from './cluster.js';

const TRUST_NS = 'na-reports-trust';
const [NS1, NS2] = ['team-one', 'team-two'];
/** A team whose own NamespaceTrustPolicy asks team B's signer for reports/a (issue 17's layer). */
const NS3 = 'team-three';
/** The CRL's nextUpdate interval of the revocable signer's CAs. */
const CRL_SECONDS = 4;

let cp: ControlPlane;
let c: Cluster;
let world: SigningWorld;
let crl: CrlServer;
let revocable: Pki;
let signerB: Pki;
let service: Service;
const img = {} as Record<'a' | 'unsigned' | 'b' | 'r' | 'teamSigned', PushedImage>;

const results = async (): Promise<ReadResult[]> =>
  (await c.items(['policyreports.wgpolicyk8s.io', '-A'])).flatMap((r) => readReport(r));
const resultOf = (all: ReadResult[], ns: string, name: string) =>
  all.find((r) => r.namespace === ns && r.name === name);

/** Waits until the workload's result is `result`; returns it and when it was seen. */
async function until(ns: string, name: string, result: string, ms = 10_000) {
  const found = await eventually(
    `${ns}/${name} ${result}`,
    async () => {
      const r = resultOf(await results(), ns, name);
      return r?.result === result ? r : undefined;
    },
    ms,
  );
  return { result: found, at: Date.now() };
}

const cronJob = (namespace: string, name: string, image: string) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name, namespace },
  spec: {
    schedule: '0 0 * * *',
    jobTemplate: {
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image }] } } },
    },
  },
});

const workload = (
  kind: 'StatefulSet' | 'DaemonSet' | 'Job',
  namespace: string,
  name: string,
  image: string,
) => {
  const template = {
    metadata: { labels: { app: name } },
    spec: { containers: [{ name: 'c', image }], ...(kind === 'Job' && { restartPolicy: 'Never' }) },
  };
  return {
    apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind,
    metadata: { name, namespace },
    spec:
      kind === 'Job'
        ? { template }
        : {
            selector: { matchLabels: { app: name } },
            template,
            ...(kind === 'StatefulSet' && { serviceName: name }),
          },
  };
};

beforeAll(async () => {
  crl = await serveCrl();
  [cp, world, signerB, revocable] = await Promise.all([
    startControlPlane(),
    startSigningWorld({ kind: 'olareg' }),
    makePki({ key: 'ec-p256', name: 'Team B' }),
    makePki({ key: 'ec-p256', name: 'Revocable', revocation: { crl, crlSeconds: CRL_SECONDS } }),
  ]);
  c = cluster(cp);
  for (const r of ['a', 'unsigned', 'b', 'r'] as const) img[r] = await world.push(`reports/${r}`);
  await world.sign(img.a);
  await world.sign(img.b, { signer: signerB });
  await world.sign(img.r, { signer: revocable });
  // Under team-a's scope, signed only by the signer team-three's own layer trusts.
  img.teamSigned = await world.push('reports/unsigned');
  await world.sign(img.teamSigned, { signer: signerB });
  for (const ns of [TRUST_NS, NS1, NS2, NS3]) await c.kubectl(['create', 'namespace', ns]);
  await installCrds(c);
  const scope = (r: keyof typeof img) => `${world.registry.host}/reports/${r}`;
  await c.apply(
    trustStore('a', [world.pki.root.pem]),
    trustStore('b', [signerB.root.pem]),
    trustStore('r', [revocable.root.pem]),
    trustPolicy('team-a', [scope('a'), scope('unsigned')], { trustStores: ['ca:a'] }),
    trustPolicy('team-b', [scope('b')], { trustStores: ['ca:b'] }),
    trustPolicy('revocable', [scope('r')], { trustStores: ['ca:r'] }),
    // Workloads that run before the service starts ("after install").
    deployment(NS1, 'a-deploy', img.a.reference),
    pod(NS1, 'a-pod', img.a.reference),
    pod(NS1, 'u-pod', img.unsigned.reference),
    cronJob(NS1, 'b-cron', img.b.reference),
    workload('StatefulSet', NS1, 'b-sts', img.b.reference),
    workload('DaemonSet', NS2, 'r-ds', img.r.reference),
    workload('Job', NS2, 'a-job', img.a.reference),
    {
      apiVersion: 'notary-admission.dev/v1alpha1',
      kind: 'NamespaceTrustStore',
      metadata: { namespace: NS3, name: 'team' },
      spec: { type: 'ca', certificates: [signerB.root.pem] },
    },
    {
      apiVersion: 'notary-admission.dev/v1alpha1',
      kind: 'NamespaceTrustPolicy',
      metadata: { namespace: NS3, name: 'only-b' },
      spec: {
        // reports/unsigned too: trusting its own signer there cannot loosen team-a.
        registryScopes: [scope('a'), scope('unsigned')],
        signatureVerification: { level: 'strict' },
        trustStores: [`ca:${NS3}/team`],
        trustedIdentities: ['*'],
      },
    },
    pod(NS3, 'a-pod', img.a.reference),
    pod(NS3, 'team-signed', img.teamSigned.reference),
  );
  ({ service } = await startKubeService({
    kubeconfig: cp.kubeconfigPath,
    trustNamespace: TRUST_NS,
    flags: ['--scan-interval=1h', '--scan-lease-duration=2s', ...world.serviceFlags],
  }));
});
afterAll(async () => {
  await service?.close();
  await Promise.allSettled([world?.stop(), cp?.stop(), crl?.stop()]);
});

describe('the background verifier', () => {
  it('lists every existing workload in its namespace PolicyReport within one scan', async () => {
    await eventually(
      'the scan Lease is taken',
      () => service.visibility.scanner?.running || undefined,
    );
    await service.visibility.scanner!.settled();
    const all = await results();
    expect(
      all.map((r) => `${r.namespace}/${r.kind}/${r.name}: ${r.result} ${r.policy}`).sort(),
    ).toEqual([
      `${NS1}/CronJob/b-cron: pass team-b`,
      `${NS1}/Deployment/a-deploy: pass team-a`,
      `${NS1}/Pod/a-pod: pass team-a`,
      `${NS1}/Pod/u-pod: fail team-a`,
      `${NS1}/StatefulSet/b-sts: pass team-b`,
      // The cluster's team-a passes it; the namespace's own layer does not.
      `${NS3}/Pod/a-pod: fail ${NS3}/only-b`,
      // Its own layer would pass this one: the cluster's denial stands all the same.
      `${NS3}/Pod/team-signed: fail team-a`,
      `${NS2}/DaemonSet/r-ds: pass revocable`,
      `${NS2}/Job/a-job: pass team-a`,
    ]);
    const failed = resultOf(all, NS1, 'u-pod')!;
    expect(failed.message).toMatch(/\[[A-Z_]+\]$/);
    expect(failed.code).not.toBe('');
    expect(resultOf(all, NS1, 'a-pod')!.digest).toBe(img.a.digest);
  });

  it('exports the non-compliant workloads by namespace and policy', async () => {
    const metrics = await httpRequest(`${service.metricsUrl}/metrics`);
    expect(metrics.body.toString()).toContain(
      `notary_admission_noncompliant_workloads{workload_namespace="${NS1}",policy="team-a"} 1`,
    );
    expect(metrics.body.toString()).toContain('notary_admission_scan_leader 1');
  });

  describe('when a TrustStore edit removes a signer', () => {
    it("flips that signer's results to fail within 10 s, leaving other policies' results as they were", async () => {
      const before = await results();
      await c.apply(trustStore('b', [world.stranger.root.pem]));
      const edited = Date.now();
      const { at } = await until(NS1, 'b-cron', 'fail');
      await until(NS1, 'b-sts', 'fail');
      expect(at - edited).toBeLessThan(10_000);
      await service.visibility.scanner!.settled();
      const after = await results();
      for (const name of ['a-deploy', 'a-pod'])
        expect(resultOf(after, NS1, name)!.time).toBe(resultOf(before, NS1, name)!.time);
    });
  });

  describe('when the signer is revoked at its CRL responder', () => {
    it(`flips its workloads to fail within one nextUpdate interval (${CRL_SECONDS} s)`, async () => {
      await until(NS2, 'r-ds', 'pass');
      await revocable.revoke(revocable.leaf);
      const revoked = Date.now();
      const { result, at } = await until(NS2, 'r-ds', 'fail', 3 * CRL_SECONDS * 1000);
      // One interval, plus the verification and the report write after it.
      expect(at - revoked).toBeLessThan(CRL_SECONDS * 1000 + 2_000);
      expect(result.code).toBe('CERT_REVOKED');
    });
  });

  describe('when a workload is deleted', () => {
    it('removes its result from the report', async () => {
      await c.kubectl(['delete', 'pod', '-n', NS1, 'a-pod', '--wait=false']);
      await eventually('a-pod leaves the report', async () =>
        resultOf(await results(), NS1, 'a-pod') === undefined ? true : undefined,
      );
      expect(resultOf(await results(), NS1, 'a-deploy')).toBeDefined();
    });
  });
});
