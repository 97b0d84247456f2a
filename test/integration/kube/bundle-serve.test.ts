// The image's program (the esbuild bundle, docs/adr/0009) with the chart's default policy source,
// on a real kube-apiserver: its lazily loaded Kubernetes client lists and watches TrustPolicies and
// TrustStores, readiness follows, reviews are judged under the cluster's policies, and a policy
// applied while it runs takes effect. The rest of the suite runs src/ through tsx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { imageApp, startBundleServe, type BundleServe } from '../../support/bundle.js';
import { issue } from '../../support/certs.js';
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
let serve: BundleServe | undefined;

/** The denial message of a review of a Pod running `image` (every image here is denied). */
const message = async (image: string): Promise<string> => {
  const answer = await serve!.review(image);
  expect(answer.allowed).toBe(false);
  return answer.message;
};

beforeAll(async () => {
  cp = await startControlPlane();
  c = cluster(cp);
  await c.kubectl(['create', 'namespace', TRUST_NS]);
  await installCrds(c);
  const root = await issue({ profile: 'root', subject: 'CN=Bundle Root' });
  await c.apply(trustStore('trusted', [root.pem]), trustPolicy('apps', [`${REGISTRY}/apps/web`]));
  const { cli } = await imageApp();
  serve = await startBundleServe(cli, makeWorkdir('bundle-serve'), [
    ...['--policy-source', 'kubernetes', '--kubeconfig', cp.kubeconfigPath],
    ...['--trust-namespace', TRUST_NS, '--scan-interval', 'off', '--no-events'],
    ...['--insecure-registry', REGISTRY, '--allow-private-network', 'all'],
  ]);
}, 120_000);

afterAll(async () => {
  serve?.close();
  await cp?.stop();
});

describe('the bundle with --policy-source kubernetes on a real kube-apiserver', () => {
  it('becomes ready once it has read the cluster policies, and judges reviews under them', async () => {
    await eventually(
      'readyz 200',
      async () => ((await serve!.status('/readyz')) === 200 ? true : undefined),
      30_000,
    );
    expect(await message(`${REGISTRY}/apps/web:1`)).toMatch(
      /under policy "apps" — registry unavailable: .*\[NETWORK\]$/,
    );
    expect(await message(`${REGISTRY}/other/tool:1`)).toMatch(/\[NO_APPLICABLE_POLICY\]$/);
    expect(serve!.running(), serve!.output()).toBe(true);
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
    expect(serve!.output()).not.toMatch(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
  });
});
