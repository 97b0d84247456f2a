// Issue 16, item 5 on a real kube-apiserver: `notary-admission report` reads the PolicyReports the
// background verifier writes (reportBody, with its managed-by label) through the API server, leaves
// other tools' reports out, and prints the non-compliant workloads as a table or JSON with exit
// code 1 (0 when there are none, 2 when the reports cannot be read).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { reportBody, type ReportResult } from '../../../src/kube/index.js';
import { startControlPlane, type ControlPlane } from '../../harness/index.js';
import { run } from '../../harness/run.js';
import { REPO_ROOT } from '../../harness/tools.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { serviceAccountKubeconfig } from '../chart/self-managed-support.js';
import { cluster, installCrds, type Cluster } from './cluster.js';

const [NS1, NS2] = ['team-one', 'team-two'];
/** When the results were verified: 2026-12-07T12:00:00.250Z. */
const AT = Date.UTC(2026, 11, 7, 12, 0, 0, 250);
const DIGEST = `sha256:${'a'.repeat(64)}`;

const result = (
  namespace: string,
  kind: 'Deployment' | 'Pod',
  name: string,
  outcome: 'pass' | 'fail',
): ReportResult => ({
  workload: {
    apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1',
    kind,
    namespace,
    name,
    uid: `${namespace}-${name}`,
  },
  image: `registry.example/${name}:1`,
  fieldPaths: [
    kind === 'Pod' ? 'spec.containers[0].image' : 'spec.template.spec.containers[0].image',
  ],
  policy: 'prod',
  result: outcome,
  message: outcome === 'pass' ? 'verified' : 'the signing certificate is revoked [CERT_REVOKED]',
  ...(outcome === 'fail' && { code: 'CERT_REVOKED' }),
  digest: DIGEST,
  at: AT,
});

/** Another tool's report in NS2 with a failure: not ours (no managed-by label), so not listed. */
const kyvernoReport = {
  apiVersion: 'wgpolicyk8s.io/v1alpha2',
  kind: 'PolicyReport',
  metadata: {
    name: 'kyverno-pol-require-labels',
    namespace: NS2,
    labels: { 'app.kubernetes.io/managed-by': 'kyverno' },
  },
  summary: { pass: 0, fail: 1, warn: 0, error: 0, skip: 0 },
  results: [
    {
      source: 'kyverno',
      policy: 'require-labels',
      rule: 'check-team',
      result: 'fail',
      message: 'label team is required',
      resources: [{ apiVersion: 'v1', kind: 'Pod', namespace: NS2, name: 'other' }],
    },
  ],
};

let cp: ControlPlane;
let c: Cluster;
let kubeconfig: string;

async function report(argv: string[], config = kubeconfig) {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
  const code = await runCli(['report', '--kubeconfig', config, ...argv], io, { env: {} });
  return { code, out, err };
}

const TABLE =
  'NAMESPACE  KIND        NAME  IMAGE                   RESULT  POLICY  CODE\n' +
  `${NS1}   Deployment  api   registry.example/api:1  fail    prod    CERT_REVOKED\n\n` +
  '1 non-compliant of 4 results in 2 reports.\n';

beforeAll(async () => {
  cp = await startControlPlane();
  c = cluster(cp);
  kubeconfig = cp.kubeconfigPath;
  for (const ns of [NS1, NS2]) await c.kubectl(['create', 'namespace', ns]);
  await installCrds(c);
  await c.apply(
    reportBody(NS1, [
      result(NS1, 'Deployment', 'web', 'pass'),
      result(NS1, 'Deployment', 'api', 'fail'),
      result(NS1, 'Pod', 'web-0', 'pass'),
    ]),
    reportBody(NS2, [result(NS2, 'Deployment', 'shop', 'pass')]),
    kyvernoReport,
  );
});

afterAll(async () => {
  await cp?.stop();
});

describe('notary-admission report on a real kube-apiserver', () => {
  describe('when a workload no longer verifies', () => {
    it('prints it as a table from our reports in every namespace and exits 1', async () => {
      expect(await report([])).toEqual({ code: 1, out: TABLE, err: '' });
    });

    it('prints JSON for one namespace with -n and --output json, and exits 1', async () => {
      const r = await report(['-n', NS1, '--output', 'json']);
      expect(r.code).toBe(1);
      expect(r.err).toBe('');
      expect(JSON.parse(r.out)).toEqual({
        reports: 1,
        results: 3,
        nonCompliant: [
          {
            namespace: NS1,
            kind: 'Deployment',
            name: 'api',
            image: 'registry.example/api:1',
            policy: 'prod',
            result: 'fail',
            code: 'CERT_REVOKED',
            message: 'the signing certificate is revoked [CERT_REVOKED]',
            digest: DIGEST,
            time: '2026-12-07T12:00:00.250Z',
          },
        ],
      });
    });

    it('exits 1 as a process (src/cli.ts report), with the same table', async () => {
      const result = await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'report', '--kubeconfig', kubeconfig],
        { cwd: REPO_ROOT, timeoutMs: 30_000 },
      );
      expect(result).toEqual({ code: 1, stdout: TABLE, stderr: '' });
    });
  });

  describe('when every workload of the namespace verifies', () => {
    it("says so and exits 0, leaving another tool's failing report out", async () => {
      expect(await report(['-n', NS2])).toEqual({
        code: 0,
        out: 'No non-compliant workloads (1 results in 1 reports).\n',
        err: '',
      });
    });
  });

  describe('when the user may not list PolicyReports', () => {
    it("exits 2 with the API server's refusal", async () => {
      await c.kubectl(['create', 'serviceaccount', 'reader', '-n', 'default']);
      const file = await serviceAccountKubeconfig(cp, {
        ns: 'default',
        account: 'reader',
        dir: makeWorkdir('report-cli'),
      });
      const r = await report([], file);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain('Error: the PolicyReports could not be read (HTTP 403: ');
      expect(r.err).toContain('cannot list resource "policyreports"');
    });
  });
});
