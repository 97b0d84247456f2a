// The kind path (test/e2e/kind/run.sh): a kind cluster, the webhook image loaded into it, the
// chart installed in-cluster with its own generated TLS, and three registry containers on the
// kind network. The driver pushes and signs through their published ports; the objects name
// them by their address on the kind network, which the webhook's pods reach.
import path from 'node:path';
import { run, type RunResult } from '../../harness/run.js';
import { requireTool } from '../../harness/tools.js';
import { FULLNAME, helmFor, helmInstall, helmUninstall, RELEASE, sharedValues } from './chart.js';
import { DONE, ok, type Environment } from './environment.js';
import type { RegistryEndpoint, RegistryName } from './images.js';
import type { Action } from './scenario.js';

const VALUES = path.join(import.meta.dirname, '..', 'kind', 'values.yaml');
const SELECTOR = `app.kubernetes.io/instance=${RELEASE}`;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the kind path with test/e2e/kind/run.sh`);
  return value;
}

/** `E2E_REGISTRY_<NAME>=<push host:port>,<cluster host:port>` as run.sh exports it. */
function registry(name: RegistryName, referrersApi: boolean): RegistryEndpoint {
  const variable = `E2E_REGISTRY_${name.toUpperCase()}`;
  const [pushHost, clusterHost] = required(variable).split(',');
  if (!pushHost || !clusterHost) throw new Error(`${variable} must be <push host>,<cluster host>`);
  const endpoint: RegistryEndpoint = {
    url: `http://${pushHost}`,
    pushHost,
    clusterHost,
    referrersApi,
  };
  if (name === 'auth')
    endpoint.credentials = {
      username: required('E2E_REGISTRY_AUTH_USER'),
      password: required('E2E_REGISTRY_AUTH_PASSWORD'),
    };
  return endpoint;
}

/** The environment run.sh describes through E2E_* variables. */
export function openKindEnvironment(): Environment {
  const kubeconfig = required('E2E_KUBECONFIG');
  const image = required('E2E_IMAGE');
  const [repository = image, tag = 'latest'] = image.split(/:(?=[^:/]+$)/);
  const registries: Record<RegistryName, RegistryEndpoint> = {
    olareg: registry('olareg', true),
    distribution: registry('distribution', false),
    auth: registry('auth', false),
  };
  const config = { insecureRegistries: Object.values(registries).map((r) => r.clusterHost) };
  const helm = helmFor(kubeconfig);
  const kubectlPath = requireTool('kubectl');
  const kubectl = (args: string[], input?: string): Promise<RunResult> =>
    run(kubectlPath, ['--kubeconfig', kubeconfig, ...args], {
      ...(input !== undefined && { input }),
      timeoutMs: 300_000,
    });
  let caBundle = '';
  const inRelease = (...args: string[]) => kubectl(['--namespace', RELEASE, ...args]);

  const actions: Record<Action, () => Promise<RunResult>> = {
    // In-cluster: the chart's Deployment runs the image; --wait holds until it is ready.
    install: async () => {
      const installed = await helmInstall(helm, [
        ...sharedValues(config),
        '--values',
        VALUES,
        '--set',
        `image.repository=${repository}`,
        '--set',
        `image.tag=${tag}`,
        '--wait',
        '--timeout=5m',
      ]);
      if (installed.code !== 0) return installed;
      // The chart's generated CA, as the chart put it into the Secret and the caBundles.
      const secret = await inRelease(
        'get',
        'secret',
        `${FULLNAME}-tls`,
        '-o',
        'jsonpath={.data.ca\\.crt}',
      );
      caBundle = ok('reading the chart TLS Secret', secret).stdout;
      return installed;
    },
    uninstall: () => helmUninstall(helm),
    'stop-webhook': async () => {
      const pods = ok(
        'listing the webhook pods',
        await inRelease('get', 'pod', '-l', SELECTOR, '-o', 'name'),
      );
      ok('scale to 0', await inRelease('scale', `deployment/${FULLNAME}`, '--replicas=0'));
      // By name: a selector that matches nothing any more makes `kubectl wait` fail.
      const names = pods.stdout.split('\n').filter((l) => l !== '');
      if (names.length > 0)
        ok(
          'waiting for the webhook pods to go',
          await inRelease('wait', '--for=delete', ...names, '--timeout=120s'),
        );
      return DONE;
    },
    'start-webhook': async () => {
      ok('scale to 2', await inRelease('scale', `deployment/${FULLNAME}`, '--replicas=2'));
      const rolled = await inRelease(
        'rollout',
        'status',
        `deployment/${FULLNAME}`,
        '--timeout=180s',
      );
      ok('waiting for the webhook rollout', rolled);
      return DONE;
    },
  };

  return {
    name: `kind (${image})`,
    kubeconfig,
    registries,
    vars: () => ({
      webhook: { caBundle, validate: `${FULLNAME}/validate`, mutate: `${FULLNAME}/mutate` },
    }),
    kubectl,
    act: (action) => actions[action](),
    close: () => Promise.resolve(),
  };
}
