// The Helm release every scenario runs against, and the values both paths install it with.
import path from 'node:path';
import { run, type RunResult } from '../../harness/run.js';
import { REPO_ROOT, requireTool } from '../../harness/tools.js';
import { makeWorkdir } from '../../harness/workdir.js';

export const CHART_DIR = path.join(REPO_ROOT, 'charts/notary-admission');
/** Release name = namespace = the chart's name, as docs/install.md installs it. */
export const RELEASE = 'notary-admission';
/** The webhook configurations' name (the release name already holds the chart's). */
export const FULLNAME = RELEASE;

/** What the scenarios need of the service, as chart values (`--set` pairs). */
export interface ServiceConfig {
  /** Hosts (as the cluster names them) spoken to over plain HTTP. */
  insecureRegistries: string[];
}

/**
 * The values both paths share: plain-HTTP test registries on private addresses, and the pods'
 * imagePullSecrets read for registry credentials (config.pullSecrets, which also grants the
 * RBAC for it).
 */
export function sharedValues(config: ServiceConfig): string[] {
  return [
    '--set',
    `config.insecureRegistries={${config.insecureRegistries.join(',')}}`,
    '--set',
    'config.allowPrivateNetworks={all}',
    '--set',
    'config.pullSecrets=true',
  ];
}

/**
 * The `serve` flags the chart's Deployment derives from those values
 * (charts/notary-admission/templates/deployment.yaml), for a webhook run outside the cluster.
 */
export function sharedServeFlags(config: ServiceConfig): string[] {
  return [
    ...config.insecureRegistries.map((host) => `--insecure-registry=${host}`),
    '--allow-private-network=all',
    '--pull-secrets',
    '--policy-source=kubernetes',
    `--trust-namespace=${RELEASE}`,
    // The background verifier as the chart runs it: its Lease (the only one RBAC lets it
    // update) and the namespaces admission exempts.
    `--scan-lease-name=${FULLNAME}-scan`,
    '--scan-skip-namespace=kube-system',
    `--scan-skip-namespace=${RELEASE}`,
  ];
}

export type Helm = (args: string[]) => Promise<RunResult>;

/** helm against one kubeconfig, with its own cache and config (never the user's repositories). */
export function helmFor(kubeconfig: string): Helm {
  const home = makeWorkdir('e2e-helm');
  const helm = requireTool('helm');
  return (args) =>
    run(helm, ['--kubeconfig', kubeconfig, ...args], {
      env: {
        HELM_CACHE_HOME: path.join(home, 'cache'),
        HELM_CONFIG_HOME: path.join(home, 'config'),
        HELM_DATA_HOME: path.join(home, 'data'),
      },
      timeoutMs: 600_000,
    });
}

/** `helm install` of the chart into RELEASE (namespace created), with extra arguments. */
export const helmInstall = (helm: Helm, extra: string[]): Promise<RunResult> =>
  helm(['install', RELEASE, CHART_DIR, '--namespace', RELEASE, '--create-namespace', ...extra]);

/** `helm uninstall`: the chart's pre-delete hook removes the webhook configurations first. */
export const helmUninstall = (helm: Helm): Promise<RunResult> =>
  helm(['uninstall', RELEASE, '--namespace', RELEASE, '--wait']);
