// The driver: prepares every image the scenarios name (once, up front), then runs a scenario's
// steps against an Environment, checking each answer against its expectation. The same code
// runs the CI path and the kind path; only the Environment differs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { makePki, notaryClient, type Pki } from '../../harness/index.js';
import type { RunResult } from '../../harness/run.js';
import { FULLNAME, RELEASE } from './chart.js';
import type { Environment } from './environment.js';
import { problems, renderExpectation } from './expect.js';
import { prepareImage, type Signers } from './images.js';
import type { Scenario, Step } from './scenario.js';
import { render, type Vars } from './template.js';

/** What every scenario's placeholders may name besides its own images and namespace. */
export interface World {
  vars: Vars;
  /** Per scenario name: its images' variables. */
  images: Record<string, Record<string, Vars>>;
}

/** `CN=a,O=b,C=c` (RFC 2253) as notation and our messages write it: `C=c, O=b, CN=a`. */
const dn = (rfc2253: string): string => rfc2253.split(',').reverse().join(', ');

function signerVars(pki: Pki): Vars {
  return { name: dn(pki.leaf.subject), root: pki.root.pem };
}

/** At most `limit` of the jobs at a time (notation and registries on one machine). */
async function pooled<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/** Makes the signing PKIs and pushes (and signs) every image of every scenario. */
export async function prepareWorld(env: Environment, scenarios: Scenario[]): Promise<World> {
  const [trusted, stranger] = await Promise.all([
    makePki({ key: 'ec-p256', name: 'E2E Signer' }),
    makePki({ key: 'ec-p256', name: 'E2E Stranger' }),
  ]);
  const signers: Signers = { trusted, stranger };
  const wanted = scenarios.flatMap((s) =>
    Object.entries(s.images).map(([name, spec]) => ({ scenario: s.name, name, spec })),
  );
  // Docker Content Trust (issue 18): one notary client publishes every `dct` image's trust data.
  const notary = env.notary && notaryClient(env.notary);
  const prepared = await pooled(
    wanted.map(({ scenario, name, spec }) => () => {
      const reg = env.registries[spec.registry];
      return prepareImage(reg, `e2e/${scenario}/${name}`, { ...spec, signers, notary });
    }),
    8,
  );
  const images: World['images'] = {};
  wanted.forEach(({ scenario, name }, i) => ((images[scenario] ??= {})[name] = prepared[i]!));
  const auth = env.registries.auth;
  const credentials = auth.credentials ?? { username: '', password: '' };
  const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  const registry: Vars = {};
  for (const [name, r] of Object.entries(env.registries)) registry[name] = r.clusterHost;
  return {
    images,
    vars: {
      release: { name: RELEASE, namespace: RELEASE, fullname: FULLNAME },
      ...(env.notary && { notary: { url: env.notary.clusterUrl } }),
      registry,
      signer: signerVars(trusted),
      stranger: signerVars(stranger),
      auth: {
        ...credentials,
        dockerconfigjson: JSON.stringify({
          auths: { [auth.clusterHost]: { ...credentials, auth: basic } },
        }),
      },
    },
  };
}

/** kubectl's namespace for the step, unless it names one (or all). */
function withNamespace(args: string[], namespace: string): string[] {
  const named = args.some((a) => /^(-n|--namespace(=.*)?|-A|--all-namespaces)$/.test(a));
  return named ? args : ['--namespace', namespace, ...args];
}

async function runStep(env: Environment, scenario: Scenario, step: Step, vars: Vars) {
  if (step.action) return env.act(step.action);
  const given = step.kubectl!.map((a) => render(a, vars));
  // A file on stdin: `-f -` unless the step says otherwise.
  const file = step.stdin && !given.includes('-f') ? ['-f', '-'] : [];
  const args = withNamespace([...given, ...file], render('{{ namespace }}', vars));
  const input =
    step.stdin && render(readFileSync(path.join(scenario.dir, step.stdin), 'utf8'), vars);
  return env.kubectl(args, input);
}

/** Runs a step until its expectation holds (once, or until `within` after the previous step). */
async function checkStep(
  env: Environment,
  scenario: Scenario,
  step: Step,
  o: { vars: Vars; since: number },
): Promise<void> {
  const expectation = renderExpectation(step.expect, o.vars);
  let result: RunResult;
  let found: string[];
  let elapsed: number;
  for (;;) {
    result = await runStep(env, scenario, step, o.vars);
    found = problems(result, expectation);
    elapsed = Date.now() - o.since;
    const within = expectation.withinMs;
    if (found.length === 0 || within === undefined || elapsed > within) break;
    await sleep(50);
  }
  if (found.length === 0 && expectation.withinMs !== undefined && elapsed > expectation.withinMs)
    found.push(`held only after ${elapsed} ms (within ${expectation.withinMs} ms expected)`);
  if (found.length > 0) {
    const what = step.kubectl ? `kubectl ${step.kubectl.join(' ')}` : step.action;
    throw new Error(
      `scenario ${scenario.name}, step "${step.name}" (${what}):\n  ${found.join('\n  ')}`,
    );
  }
}

/** Runs one scenario in its own namespace `e2e-<name>`; resolves to how long it took (ms). */
export async function runScenario(
  env: Environment,
  world: World,
  scenario: Scenario,
): Promise<number> {
  const started = performance.now();
  const namespace = `e2e-${scenario.name}`;
  const created = await env.kubectl(['create', 'namespace', namespace]);
  if (created.code !== 0 && !created.stderr.includes('AlreadyExists'))
    throw new Error(`kubectl create namespace ${namespace}: ${created.stderr}`);
  const vars: Vars = {
    ...world.vars,
    ...env.vars(),
    namespace,
    image: world.images[scenario.name] ?? {},
  };
  let since = Date.now();
  for (const step of scenario.steps) {
    // The environment's variables change on install (the webhook's CA): read them per step.
    await checkStep(env, scenario, step, { vars: { ...vars, ...env.vars() }, since });
    since = Date.now();
  }
  return Math.round(performance.now() - started);
}
