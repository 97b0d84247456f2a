// `notary-admission report [--namespace N] [--output json]`: the cluster's non-compliant workloads
// (results fail, warn or error) as the background verifier last wrote them to the PolicyReports,
// for admins without a UI. The Kubernetes client is loaded only when the command runs.
import { parseArgs } from 'node:util';
import { EXIT, type VerifyIo } from './cli-report.js';
import { ConfigError } from './config/errors.js';
import { defaultKubeconfig, isNamespaceName } from './config/kube-settings.js';
import type { Env } from './config/notation-dir.js';
import type { ReadResult } from './kube/policy-reports.js';

export const REPORT_HELP = `Usage: notary-admission report [options]

Prints the running workloads whose images no longer verify (PolicyReport results fail, warn or
error), from the reports the background verifier keeps in each namespace.

Options:
  -n, --namespace NS   one namespace (default: all)
  -o, --output FORMAT  text|json (default: text)
  --kubeconfig FILE    the cluster (default: in a pod its service account, else $KUBECONFIG
                       or ~/.kube/config)
  -h, --help           this help

Exit codes: 0 none, 1 some non-compliant workloads, 2 usage error or the cluster could not be read.
`;

/** The reports' contents: a test fake, or the cluster's (the default). */
export type ListReports = (
  kubeconfig: string | undefined,
  namespace?: string,
) => Promise<unknown[]>;

const NOT_COMPLIANT = new Set(['fail', 'warn', 'error']);

async function clusterReports(kubeconfig: string | undefined, namespace?: string) {
  const { loadKubeConfig, policyReportsApi } = await import('./kube/index.js');
  return policyReportsApi(loadKubeConfig(kubeconfig)).list(namespace);
}

function options(argv: readonly string[], env: Env) {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        namespace: { type: 'string', short: 'n' },
        output: { type: 'string', short: 'o', default: 'text' },
        kubeconfig: { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new ConfigError('FLAG_INVALID', err instanceof Error ? err.message : String(err));
  }
  if (values.output !== 'text' && values.output !== 'json')
    throw new ConfigError('FLAG_INVALID', `--output: "${values.output}" is not one of text, json`);
  if (values.namespace !== undefined && !isNamespaceName(values.namespace))
    throw new ConfigError(
      'FLAG_INVALID',
      `--namespace: "${values.namespace}" is not a namespace name`,
    );
  const kubeconfig = values.kubeconfig ?? defaultKubeconfig(env);
  if (kubeconfig === null)
    throw new ConfigError(
      'FLAG_INVALID',
      'no cluster: give --kubeconfig (neither KUBECONFIG nor HOME is set)',
    );
  return { namespace: values.namespace, json: values.output === 'json', kubeconfig };
}

function table(rows: readonly ReadResult[]): string {
  const head = ['NAMESPACE', 'KIND', 'NAME', 'IMAGE', 'RESULT', 'POLICY', 'CODE'];
  const cells = rows.map((r) => [r.namespace, r.kind, r.name, r.image, r.result, r.policy, r.code]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells]
    .map((c) =>
      c
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Runs the command; resolves to its exit code. */
export async function runReport(
  argv: readonly string[],
  io: VerifyIo,
  env: Env,
  list: ListReports = clusterReports,
): Promise<number> {
  const o = options(argv, env);
  const { readReport } = await import('./kube/policy-reports.js');
  let reports: unknown[];
  try {
    reports = await list(o.kubeconfig, o.namespace);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const { describeApiError } = await import('./kube/api-error.js');
    io.err(`Error: the PolicyReports could not be read (${describeApiError(err)})\n`);
    return EXIT.USAGE;
  }
  const results = reports.flatMap((r) => readReport(r));
  const bad = results.filter((r) => NOT_COMPLIANT.has(r.result));
  if (o.json) {
    io.out(
      `${JSON.stringify({ reports: reports.length, results: results.length, nonCompliant: bad }, null, 2)}\n`,
    );
  } else if (bad.length === 0) {
    io.out(
      `No non-compliant workloads (${results.length} results in ${reports.length} reports).\n`,
    );
  } else {
    io.out(
      `${table(bad)}\n\n${bad.length} non-compliant of ${results.length} results in ${reports.length} reports.\n`,
    );
  }
  return bad.length === 0 ? EXIT.OK : EXIT.NOT_VERIFIED;
}
