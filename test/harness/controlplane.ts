import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { httpRequest } from './http.js';
import { makePki } from './pki.js';
import { freePort, startProcess, type ServerProcess } from './process.js';
import { run, type RunOptions, type RunResult } from './run.js';
import { requireTool, VERSIONS } from './tools.js';
import { makeWorkdir } from './workdir.js';

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  url: string;
  /** An admin kubeconfig (client certificate in system:masters). */
  kubeconfigPath: string;
  /** PEM of the CA that signed the API server's serving certificate and the admin client cert. */
  caPath: string;
  version: string;
  /** kubectl against this control plane. Never throws on a non-zero exit. */
  kubectl(args: string[], options?: RunOptions): Promise<RunResult>;
  /** Stops kube-apiserver first, then etcd (the other order leaves the API server retrying). */
  stop(): Promise<void>;
}

async function startEtcd(dir: string): Promise<{ url: string; proc: ServerProcess }> {
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const proc = await startProcess('etcd', requireTool('etcd'), {
    dir,
    args: [
      '--name',
      'harness',
      '--data-dir',
      path.join(dir, 'etcd-data'),
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `harness=http://127.0.0.1:${peer}`,
      // Test data only: fsync would make every write wait for the disk.
      '--unsafe-no-fsync',
    ],
    ready: async () => (await httpRequest(`${url}/health`, { timeoutMs: 1_000 })).status === 200,
  });
  return { url, proc };
}

function kubeconfig(url: string, caPath: string, certPath: string, keyPath: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: harness
  cluster: {server: "${url}", certificate-authority: "${caPath}"}
users:
- name: admin
  user: {client-certificate: "${certPath}", client-key: "${keyPath}"}
contexts:
- name: harness
  context: {cluster: harness, user: admin, namespace: default}
current-context: harness
`;
}

/**
 * A real etcd + kube-apiserver on 127.0.0.1 (no controller manager, scheduler or kubelet: Pods
 * stay Pending, which is all admission tests need). Flags follow what envtest uses.
 */
export async function startControlPlane(): Promise<ControlPlane> {
  const dir = makeWorkdir('controlplane');
  const kubectlPath = requireTool('kubectl');
  const apiserverPath = requireTool('kube-apiserver');
  const pki = await makePki({
    levels: 2,
    key: 'ec-p256',
    name: 'Control Plane',
    leaf: {
      profile: 'tlsServer',
      subjectAltName: 'IP:127.0.0.1, DNS:localhost, IP:10.0.0.1, DNS:kubernetes.default.svc',
    },
  });
  const admin = await pki.issue('admin', {
    profile: 'tlsClient',
    subject: '/O=system:masters/CN=harness-admin',
  });
  const serviceAccounts = await pki.issue('service-accounts', {
    profile: 'no-eku',
    key: 'rsa-2048',
  });
  const etcd = await startEtcd(dir);
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const ca = readFileSync(pki.root.certPath);
  mkdirSync(path.join(dir, 'certs'));
  let apiserver: ServerProcess;
  try {
    apiserver = await startProcess('kube-apiserver', apiserverPath, {
      dir,
      timeoutMs: 90_000,
      args: [
        `--etcd-servers=${etcd.url}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        `--tls-cert-file=${pki.leaf.certPath}`,
        `--tls-private-key-file=${pki.leaf.keyPath}`,
        `--client-ca-file=${pki.root.certPath}`,
        '--authorization-mode=RBAC',
        `--service-account-issuer=${url}`,
        `--service-account-key-file=${serviceAccounts.certPath}`,
        `--service-account-signing-key-file=${serviceAccounts.keyPath}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        // Nothing creates default ServiceAccounts here, so that plugin would refuse every Pod.
        '--disable-admission-plugins=ServiceAccount',
        `--cert-dir=${path.join(dir, 'certs')}`,
      ],
      ready: async () =>
        (await httpRequest(`${url}/readyz`, { ca, timeoutMs: 2_000 })).status === 200,
    });
  } catch (err) {
    await etcd.proc.stop();
    throw err;
  }
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig(url, pki.root.certPath, admin.certPath, admin.keyPath));
  return {
    url,
    kubeconfigPath,
    caPath: pki.root.certPath,
    version: VERSIONS['kube-apiserver'] ?? 'unknown',
    kubectl: (args, options = {}) =>
      run(kubectlPath, ['--kubeconfig', kubeconfigPath, ...args], options),
    async stop() {
      await apiserver.stop(15_000);
      await etcd.proc.stop();
    },
  };
}
