// Issue 8: every scenario of test/e2e/scenarios against a real Kubernetes API server. CI path
// (default): the harness's etcd + kube-apiserver, the chart installed with helm, the webhook
// process started here. kind path (E2E_TARGET=kind, test/e2e/kind/run.sh): the same scenarios
// against the chart running in a kind cluster. One line per scenario: `e2e: <name> … ok (<ms>)`.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openCiEnvironment } from './driver/ci-environment.js';
import { onKind, type Environment } from './driver/environment.js';
import { openKindEnvironment } from './driver/kind-environment.js';
import { prepareWorld, runScenario, type World } from './driver/run-scenarios.js';
import { loadScenarios } from './driver/scenario.js';

// E2E_ONLY=dct-window,… runs those scenarios after the two the others build on (docs/e2e.md).
const only = process.env['E2E_ONLY']?.split(',').filter(Boolean);
const scenarios = loadScenarios().filter(
  (s) => !only || ['install', 'trust-config', ...only].includes(s.name),
);

/** A bare line where output is piped (CI); through vitest's console in a terminal, which it redraws. */
function say(line: string): void {
  if (process.stdout.isTTY) console.log(line);
  else process.stdout.write(`${line}\n`);
}

/** kind waits for rollouts (helm --wait, scaling back up): minutes, not the harness's 2. */
const timeout = onKind() ? 900_000 : 120_000;

let env: Environment | undefined;
let world: World;

beforeAll(async () => {
  env = onKind() ? openKindEnvironment() : await openCiEnvironment();
  world = await prepareWorld(env, scenarios);
  say(`e2e: ${env.name}, ${scenarios.length} scenarios`);
});

afterAll(async () => {
  await env?.close();
});

// In order: each scenario builds on the cluster the previous ones left (install first).
describe.sequential('e2e scenarios', () => {
  for (const scenario of scenarios) {
    // The kind path has no Notary server (docs/e2e.md): Docker Content Trust runs on CI only.
    const test = scenario.needsNotary && onKind() ? it.skip : it;
    test(
      `${scenario.name}: ${scenario.title}`,
      async () => {
        const ms = await runScenario(env!, world, scenario);
        say(`e2e: ${scenario.name} … ok (${ms})`);
      },
      timeout,
    );
  }
});
