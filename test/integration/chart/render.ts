// Renders the Helm chart: for the chart tests, and into deploy/ (the plain manifests).
//   npx tsx test/integration/chart/render.ts          writes deploy/ from the chart
//   npx tsx test/integration/chart/render.ts --check  exits 1 when deploy/ differs from a render
// deploy/ uses the default self-managed TLS: an empty Secret the service fills, and webhook
// configurations without a caBundle, so it renders the same each time and holds no key (a
// committed key would be shared by every install), and it needs no cert-manager.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import type { ControlPlane } from '../../harness/controlplane.js';
import { run, runOk, type RunResult } from '../../harness/run.js';
import { REPO_ROOT, requireTool } from '../../harness/tools.js';
import { makeWorkdir } from '../../harness/workdir.js';

export const CHART_DIR = path.join(REPO_ROOT, 'charts/notary-admission');
export const DEPLOY_DIR = path.join(REPO_ROOT, 'deploy');
/** The release name and namespace of deploy/. */
export const DEPLOY_RELEASE = 'notary-admission';
/** The values deploy/ is rendered with (besides the defaults). */
export const DEPLOY_VALUES: Readonly<Record<string, string>> = {};
/** The Kubernetes version `helm template` assumes (helm's own default is 1.20). */
export const KUBE_VERSION = '1.33.0';

/** A rendered Kubernetes object, loosely typed: tests narrow what they read. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  /** `--set key=value` pairs. */
  values?: Readonly<Record<string, string>>;
  /** `--set-file key=path` pairs. */
  files?: Readonly<Record<string, string>>;
  includeCrds?: boolean;
  /** Leave out hooks (the pre-delete cleanup), as plain manifests must. */
  noHooks?: boolean;
}

/** `helm template` arguments for these options (shared with `helm install`). */
export function valueArgs(options: Pick<TemplateOptions, 'values' | 'files'>): string[] {
  const sets = Object.entries(options.values ?? {}).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  const files = Object.entries(options.files ?? {}).flatMap(([k, v]) => [
    '--set-file',
    `${k}=${v}`,
  ]);
  return [...sets, ...files];
}

/** `helm template` of the chart; throws with helm's message when it fails. */
export function helmTemplate(options: TemplateOptions = {}): Promise<string> {
  return runOk(requireTool('helm'), [
    'template',
    options.release ?? DEPLOY_RELEASE,
    CHART_DIR,
    '--namespace',
    options.namespace ?? DEPLOY_RELEASE,
    '--kube-version',
    KUBE_VERSION,
    ...(options.includeCrds ? ['--include-crds'] : []),
    ...(options.noHooks ? ['--no-hooks'] : []),
    ...valueArgs(options),
  ]);
}

/**
 * `helm` against the cluster of `cp` (its admin kubeconfig), with its cache, config and data in a
 * fresh directory of its own; never throws for a non-zero exit.
 */
export function clusterHelm(cp: ControlPlane): (args: string[]) => Promise<RunResult> {
  const home = makeWorkdir('helm');
  const helmPath = requireTool('helm');
  return (args) =>
    run(helmPath, ['--kubeconfig', cp.kubeconfigPath, ...args], {
      env: {
        HELM_CACHE_HOME: path.join(home, 'cache'),
        HELM_CONFIG_HOME: path.join(home, 'config'),
        HELM_DATA_HOME: path.join(home, 'data'),
      },
    });
}

/** The objects of a multi-document YAML stream (empty documents dropped). */
export function parseManifests(text: string): K8sObject[] {
  return loadAll(text).filter((doc): doc is K8sObject => typeof doc === 'object' && doc !== null);
}

/** The YAML documents of a stream, as text (helm's `# Source:` comments kept). */
function documents(text: string): string[] {
  return text
    .split(/^---\s*$/m)
    .map((doc) => doc.trim())
    .filter((doc) => /^kind:/m.test(doc));
}

const WEBHOOK_KINDS = /^kind: (Validating|Mutating)WebhookConfiguration$/m;
/** The Policy Working Group's CRDs: a file of their own, to leave out where Kyverno has them. */
const REPORT_CRDS = /^ {2}name: (cluster)?policyreports\.wgpolicyk8s\.io$/m;

const HEADER = `# Rendered from charts/notary-admission by test/integration/chart/render.ts (do not edit):
#   helm template ${DEPLOY_RELEASE} charts/notary-admission --namespace ${DEPLOY_RELEASE} \\
#     --kube-version ${KUBE_VERSION} --include-crds --no-hooks
# TLS is self-managed: the service fills the Secret and the caBundle. See docs/install.md.
`;

const NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: ${DEPLOY_RELEASE}
  labels:
    # The webhook's pods meet the restricted Pod Security Standard.
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest`;

/**
 * The files of deploy/: notary-admission.yaml (the Namespace, our CRDs and everything else),
 * policyreport-crds.yaml (the PolicyReport CRDs, to skip where another tool installed them) and
 * webhooks.yaml (the webhook configurations). `kubectl apply -f deploy/` reads them in name
 * order, so the webhooks come last; deleting webhooks.yaml first is the safe uninstall order
 * (T-57).
 */
export async function renderDeploy(): Promise<Record<string, string>> {
  const docs = documents(
    await helmTemplate({ values: DEPLOY_VALUES, includeCrds: true, noHooks: true }),
  );
  const join = (parts: string[]): string => `${HEADER}---\n${parts.join('\n---\n')}\n`;
  return {
    'notary-admission.yaml': join([
      NAMESPACE,
      ...docs.filter((d) => !WEBHOOK_KINDS.test(d) && !REPORT_CRDS.test(d)),
    ]),
    'policyreport-crds.yaml': join(docs.filter((d) => REPORT_CRDS.test(d))),
    'webhooks.yaml': join(docs.filter((d) => WEBHOOK_KINDS.test(d))),
  };
}

/** The files of deploy/ that differ from a fresh render (their names). */
export async function staleDeployFiles(): Promise<string[]> {
  const rendered = await renderDeploy();
  return Object.entries(rendered)
    .filter(([name, text]) => {
      try {
        return readFileSync(path.join(DEPLOY_DIR, name), 'utf8') !== text;
      } catch {
        return true;
      }
    })
    .map(([name]) => name);
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--check')) {
    const stale = await staleDeployFiles();
    for (const name of stale) process.stderr.write(`deploy/${name} differs from the chart\n`);
    return stale.length === 0 ? 0 : 1;
  }
  for (const [name, text] of Object.entries(await renderDeploy()))
    writeFileSync(path.join(DEPLOY_DIR, name), text);
  process.stdout.write(`wrote ${DEPLOY_DIR}\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
