// Loads the KubeConfig the settings name, turning client-node's failures into a ConfigError that
// says which file (or the in-cluster service account) could not be used.
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../config/index.js';

function loadInto(kubeConfig: KubeConfig, file: string | undefined): void {
  try {
    if (file === undefined) kubeConfig.loadFromCluster();
    else kubeConfig.loadFromFile(file);
  } catch (err) {
    const what = file === undefined ? 'the in-cluster service account' : `kubeconfig ${file}`;
    const code = err instanceof Error && 'code' in err ? String(err.code) : undefined;
    const first = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError('FILE_UNREADABLE', `${what} cannot be loaded (${code ?? first})`, {
      ...(file !== undefined && { path: file }),
      cause: err,
    });
  }
}

/** The current cluster's server URL, if it has a usable one. */
function serverOf(kubeConfig: KubeConfig): URL | undefined {
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  if (!URL.canParse(server)) return undefined;
  const url = new URL(server);
  // client-node builds `https://undefined:undefined` in-cluster when the variables are missing.
  return url.hostname === 'undefined' ? undefined : url;
}

/**
 * A kubeconfig file, or (undefined) the pod's service account.
 * @throws ConfigError FILE_UNREADABLE | CONFIG_INVALID
 */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  loadInto(kubeConfig, file);
  if (serverOf(kubeConfig) === undefined)
    throw new ConfigError(
      'CONFIG_INVALID',
      file === undefined
        ? 'not running in a pod (KUBERNETES_SERVICE_HOST is not set); give --kubeconfig'
        : `kubeconfig ${file} has no current cluster with a server URL`,
      file === undefined ? {} : { path: file },
    );
  return kubeConfig;
}
