// Where the scenarios run: a cluster (kubeconfig), the registries the images live in, and the
// few actions that differ between the CI path (a loopback control plane and the webhook process
// the suite starts) and the kind path (the chart's Deployment in a kind cluster).
import type { RunResult } from '../../harness/run.js';
import type { RegistryEndpoint, RegistryName } from './images.js';
import type { Action } from './scenario.js';
import type { Vars } from './template.js';

export interface Environment {
  /** `ci` or `kind`, for the log. */
  readonly name: string;
  readonly kubeconfig: string;
  readonly registries: Readonly<Record<RegistryName, RegistryEndpoint>>;
  /**
   * The Notary server (Docker Content Trust) scenarios with `signature: dct` images need: where
   * the driver publishes (`url`) and where the webhook reaches it (`clusterUrl`). The CI path
   * has one; the kind path has none, and skips those scenarios.
   */
  readonly notary?: { url: string; clusterUrl: string };
  /**
   * Variables of the environment: `webhook.caBundle` (once installed), and `webhook.validate` /
   * `webhook.mutate`, where each configuration sends reviews as the `clientConfig` jsonpath
   * `{.url}{.service.name}{.service.path}` prints it (a URL, or `<service>/<path>`).
   */
  vars(): Vars;
  /** kubectl with the environment's kubeconfig; never throws on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<RunResult>;
  /** install, uninstall, stop-webhook, start-webhook; the result is what the step checks. */
  act(action: Action): Promise<RunResult>;
  close(): Promise<void>;
}

/** A successful action with nothing to show. */
export const DONE: RunResult = { code: 0, stdout: '', stderr: '' };

/** `true` when `E2E_TARGET=kind`: test/e2e/kind/run.sh sets it, with the cluster's details. */
export const onKind = (): boolean => process.env['E2E_TARGET'] === 'kind';

/** Throws the command's output when it failed (setup commands, not scenario steps). */
export function ok(what: string, result: RunResult): RunResult {
  if (result.code !== 0)
    throw new Error(`${what} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}
