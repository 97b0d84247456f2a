// The cluster side of issue 16's tests: a real kube-apiserver (no kubelet: Pods are API objects
// only), our CRDs and the Policy Working Group's, TrustPolicy / TrustStore builders, and the
// real service started against it with `--policy-source kubernetes`.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseServeArgs } from '../../../src/config/index.js';
import { startService, type Service } from '../../../src/main.js';
import type { ControlPlane } from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';

export const API_VERSION = 'notary-admission.dev/v1alpha1';
const CRD_DIR = path.resolve('charts/notary-admission/crds');
const REPORT_CRDS = path.resolve('charts/notary-admission/files/policyreport-crds.yaml');
const CRDS = [
  'trustpolicies.notary-admission.dev',
  'truststores.notary-admission.dev',
  'policyreports.wgpolicyk8s.io',
  'clusterpolicyreports.wgpolicyk8s.io',
];

export interface Cluster {
  cp: ControlPlane;
  kubectl(args: string[], input?: string): Promise<string>;
  apply(...objects: unknown[]): Promise<string>;
  /** kubectl get -o json of a list, as parsed JSON items. */
  items(args: string[]): Promise<Record<string, unknown>[]>;
}

export function cluster(cp: ControlPlane): Cluster {
  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const result = await cp.kubectl(args, input === undefined ? {} : { input });
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  return {
    cp,
    kubectl,
    apply: (...objects) =>
      kubectl(
        ['apply', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      ),
    items: async (args) =>
      (
        JSON.parse(await kubectl(['get', ...args, '-o', 'json'])) as {
          items: Record<string, unknown>[];
        }
      ).items,
  };
}

/** Our CRDs and the PolicyReport CRDs the chart ships, established. */
export async function installCrds(c: Cluster): Promise<void> {
  for (const file of [CRD_DIR, REPORT_CRDS])
    if (!existsSync(file)) throw new Error(`${file} is missing`);
  await c.kubectl(['apply', '-f', CRD_DIR]);
  await c.kubectl(['apply', '-f', REPORT_CRDS]);
  await c.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    ...CRDS.map((n) => `crd/${n}`),
  ]);
}

export const trustStore = (name: string, pems: string[]) => ({
  apiVersion: API_VERSION,
  kind: 'TrustStore',
  metadata: { name },
  spec: { type: 'ca', certificates: pems },
});

export const trustPolicy = (
  name: string,
  scopes: string[],
  spec: { trustStores?: string[]; action?: 'Deny' | 'Warn' | 'Audit'; level?: string } = {},
) => ({
  apiVersion: API_VERSION,
  kind: 'TrustPolicy',
  metadata: { name },
  spec: {
    registryScopes: scopes,
    signatureVerification: { level: spec.level ?? 'strict' },
    trustStores: spec.trustStores ?? ['ca:trusted'],
    trustedIdentities: ['*'],
    ...(spec.action && { action: spec.action }),
  },
});

export const pod = (namespace: string, name: string, image: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: { containers: [{ name: 'app', image }] },
});

export const deployment = (namespace: string, name: string, image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image }] },
    },
  },
});

/** The service against the cluster of `kubeconfig` (its own replica identity). */
export async function startKubeService(options: {
  kubeconfig: string;
  trustNamespace: string;
  flags: string[];
}): Promise<{ service: Service; ca: string }> {
  const dir = makeWorkdir('kube-service');
  const settings = parseServeArgs(
    [
      '--port=0',
      '--metrics-port=0',
      `--tls-dir=${path.join(dir, 'tls')}`,
      '--drain-delay=100ms',
      '--log-level=silent',
      '--allow-private-network=all',
      '--policy-source=kubernetes',
      `--kubeconfig=${options.kubeconfig}`,
      `--trust-namespace=${options.trustNamespace}`,
      ...options.flags,
    ],
    {},
  );
  const service = await startService(settings);
  return { service, ca: await readFile(service.caPath!, 'utf8') };
}

/** Polls `probe` until it returns a value (not undefined) or `ms` pass; throws with `what`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}
