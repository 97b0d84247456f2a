// The image's program (the esbuild bundle, docs/adr/0009) with the chart's default policy source,
// on a real kube-apiserver: its lazily loaded Kubernetes client lists and watches TrustPolicies and
// TrustStores, readiness follows, reviews are judged under the cluster's policies, and a policy
// applied while it runs takes effect. The rest of the suite runs src/ through tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../harness/index.js';
import { httpRequest } from '../../harness/http.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { imageApp } from '../../support/bundle.js';
import { issue } from '../../support/certs.js';
import { podReview } from '../../support/reviews.js';
import {
  cluster,
  eventually,
  installCrds,
  trustPolicy,
  trustStore,
  type Cluster,
} from './cluster.js';

const TRUST_NS = 'notary-admission';
/** Nothing listens there: a governed image is asked for and fails closed, naming its policy. */
const REGISTRY = '127.0.0.1:1';

let cp: ControlPlane;
let c: Cluster;
let child: ChildProcess | undefined;
let url: string;
let ca: Buffer;
let output = '';

const message = async (image: string): Promise<string> => {
  const res = await httpRequest(`${url}/validate?timeout=5s`, {
    ca,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(podReview({ images: [image], namespace: 'default' })),
  });
  const answer = JSON.parse(res.body.toString('utf8')) as {
    response: { allowed: boolean; status?: { message?: string } };
  };
  expect(answer.response.allowed).toBe(false);
  return answer.response.status?.message ?? '';
};

beforeAll(async () => {
  cp = await startControlPlane();
  c = cluster(cp);
  await c.kubectl(['create', 'namespace', TRUST_NS]);
  await installCrds(c);
  const root = await issue({ profile: 'root', subject: 'CN=Bundle Root' });
  await c.apply(trustStore('trusted', [root.pem]), trustPolicy('apps', [`${REGISTRY}/apps/web`]));
  const { cli } = await imageApp();
  const dir = makeWorkdir('bundle-serve');
  child = spawn(
    process.execPath,
    [cli, 'serve', '--policy-source', 'kubernetes', '--kubeconfig', cp.kubeconfigPath]
      .concat(['--trust-namespace', TRUST_NS, '--port', '0', '--metrics-port', 'off'])
      .concat(['--tls-dir', path.join(dir, 'tls'), '--scan-interval', 'off', '--no-events'])
      .concat(['--insecure-registry', REGISTRY, '--allow-private-network', 'all'])
      .concat(['--log-level', 'warn', '--drain-delay', '0s']),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
  url = await eventually(
    'the Webhook line',
    () => /^Webhook: (https:\/\/\S+) /m.exec(output)?.[1],
    30_000,
  );
  ca = readFileSync(path.join(dir, 'tls', 'ca.crt'));
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await cp?.stop();
});

describe('the bundle with --policy-source kubernetes on a real kube-apiserver', () => {
  it('becomes ready once it has read the cluster policies, and judges reviews under them', async () => {
    await eventually(
      'readyz 200',
      async () => {
        const r = await httpRequest(`${url}/readyz`, { ca }).catch(() => undefined);
        return r?.status === 200 ? true : undefined;
      },
      30_000,
    );
    expect(await message(`${REGISTRY}/apps/web:1`)).toMatch(
      /under policy "apps" — registry unavailable: .*\[NETWORK\]$/,
    );
    expect(await message(`${REGISTRY}/other/tool:1`)).toMatch(/\[NO_APPLICABLE_POLICY\]$/);
    expect(child?.exitCode, output).toBeNull();
  });

  it('follows a TrustPolicy applied while it runs (the watch works in the bundle)', async () => {
    await c.apply(trustPolicy('tools', [`${REGISTRY}/other/tool`]));
    const governed = await eventually(
      'the new policy in force',
      async () => {
        const m = await message(`${REGISTRY}/other/tool:1`);
        return m.includes('policy "tools"') ? m : undefined;
      },
      20_000,
    );
    expect(governed).toMatch(/\[NETWORK\]$/);
    expect(output).not.toMatch(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
  });
});
