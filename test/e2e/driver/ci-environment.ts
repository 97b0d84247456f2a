// The CI path: the harness's etcd + kube-apiserver on loopback (no nodes: Pods are stored, never
// run), the registries as local processes, and the webhook as the process the suite starts
// (`serve` wiring, src/main.ts), which the chart's URL clientConfig points the API server at.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseServeArgs } from '../../../src/config/index.js';
import { startService, type Service } from '../../../src/main.js';
import {
  makeServingCert,
  startControlPlane,
  startNotaryServer,
  startRegistry,
  type ControlPlane,
  type Registry,
} from '../../harness/index.js';
import { httpRequest } from '../../harness/http.js';
import { freePort } from '../../harness/process.js';
import type { RunResult } from '../../harness/run.js';
import { makeWorkdir } from '../../harness/workdir.js';
import {
  FULLNAME,
  helmFor,
  helmInstall,
  helmUninstall,
  RELEASE,
  sharedServeFlags,
  sharedValues,
  type Helm,
} from './chart.js';
import { DONE, ok, type Environment } from './environment.js';
import type { RegistryEndpoint, RegistryName } from './images.js';
import type { Action } from './scenario.js';

function endpoint(registry: Registry, referrersApi: boolean): RegistryEndpoint {
  return {
    url: registry.url,
    pushHost: registry.host,
    clusterHost: registry.host,
    referrersApi,
    ...(registry.credentials && { credentials: registry.credentials }),
  };
}

/** A kubeconfig with a token of the chart's ServiceAccount: the service gets the chart's RBAC. */
async function chartIdentity(cp: ControlPlane, dir: string): Promise<string> {
  const created = await cp.kubectl(['create', 'token', FULLNAME, '-n', RELEASE, '--duration=2h']);
  const token = ok('kubectl create token', created).stdout.trim();
  const file = path.join(dir, 'service-kubeconfig');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e2e', cluster: { server: cp.url, 'certificate-authority': cp.caPath } }],
      users: [{ name: FULLNAME, user: { token } }],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: FULLNAME } }],
      'current-context': 'e2e',
    }),
  );
  return file;
}

async function waitReady(service: Service, ca: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await httpRequest(`${service.url}/readyz`, { ca, timeoutMs: 2_000 });
    if (res.status === 200) return;
    if (Date.now() > deadline) throw new Error(`the webhook stayed unready (${res.status})`);
    await sleep(100);
  }
}

/** Starts everything of the CI path; `close()` stops it all. */
export async function openCiEnvironment(): Promise<Environment> {
  const dir = makeWorkdir('e2e-ci');
  const [cp, olareg, distribution, auth, serving, port, notary] = await Promise.all([
    startControlPlane(),
    startRegistry({ kind: 'olareg' }),
    startRegistry({ kind: 'distribution' }),
    startRegistry({ kind: 'distribution', auth: 'basic' }),
    makeServingCert(),
    freePort(),
    startNotaryServer(),
  ]);
  const registries: Record<RegistryName, RegistryEndpoint> = {
    olareg: endpoint(olareg, true),
    distribution: endpoint(distribution, false),
    auth: endpoint(auth, false),
  };
  // The Notary server (issue 18) speaks plain HTTP on loopback, as the test registries do.
  const config = {
    insecureRegistries: [
      ...Object.values(registries).map((r) => r.clusterHost),
      new URL(notary.url).host,
    ],
  };
  const helm: Helm = helmFor(cp.kubeconfigPath);
  const ca = readFileSync(serving.caPath, 'utf8');
  let service: Service | undefined;
  let serviceKubeconfig: string | undefined;

  /** The webhook process: `serve` with the chart's flags, our serving certificate, a fixed port. */
  async function start(): Promise<RunResult> {
    serviceKubeconfig ??= await chartIdentity(cp, dir);
    const settings = parseServeArgs(
      [
        '--host=127.0.0.1',
        `--port=${port}`,
        '--metrics-port=off',
        `--tls-cert=${serving.certPath}`,
        `--tls-key=${serving.keyPath}`,
        `--kubeconfig=${serviceKubeconfig}`,
        '--log-level=silent',
        ...sharedServeFlags(config),
      ],
      {},
    );
    service = await startService(settings);
    await waitReady(service, ca);
    return DONE;
  }

  async function stop(): Promise<RunResult> {
    await service?.close();
    service = undefined;
    return DONE;
  }

  const actions: Record<Action, () => Promise<RunResult>> = {
    // The chart installs CRDs, RBAC and both webhook configurations with a URL clientConfig
    // (https://127.0.0.1:<port>) and our CA as caBundle; then the webhook starts with the
    // chart's ServiceAccount token, so the chart's RBAC is what it runs with.
    install: async () => {
      const installed = await helmInstall(helm, [
        ...sharedValues(config),
        '--set',
        `webhook.url=https://127.0.0.1:${port}`,
        '--set-file',
        `tls.caBundle=${serving.caPath}`,
      ]);
      if (installed.code === 0) await start();
      return installed;
    },
    uninstall: () => helmUninstall(helm),
    'stop-webhook': stop,
    'start-webhook': start,
  };

  return {
    name: `ci (kube-apiserver ${cp.version})`,
    kubeconfig: cp.kubeconfigPath,
    registries,
    notary: { url: notary.url, clusterUrl: notary.url },
    vars: () => ({
      webhook: {
        caBundle: Buffer.from(ca).toString('base64'),
        validate: `https://127.0.0.1:${port}/validate`,
        mutate: `https://127.0.0.1:${port}/mutate`,
      },
    }),
    kubectl: (args, input) => cp.kubectl(args, input === undefined ? {} : { input }),
    act: (action) => actions[action](),
    async close() {
      await stop();
      await Promise.allSettled([olareg.stop(), distribution.stop(), auth.stop(), notary.stop()]);
      await cp.stop();
    },
  };
}
