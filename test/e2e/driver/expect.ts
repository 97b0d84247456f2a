// Does what kubectl (or an environment action) answered match a step's expectation? Every
// mismatch is described, so a failing scenario says what the cluster said instead.
import type { RunResult } from '../../harness/run.js';
import type { Expectation } from './scenario.js';
import { render, type Vars } from './template.js';

/** The name of our validating webhook, as the API server quotes it. */
export const VALIDATING_WEBHOOK = 'validate.notary-admission.dev';

/**
 * kubectl's line for a denial: `Error from server (Forbidden): error when creating "STDIN":
 * admission webhook "…" denied the request: <message>` (patch and replace: no "error when").
 */
const DENIAL = new RegExp(
  String.raw`^Error from server \(Forbidden\): (?:error when \w+ "[^"]+": )?` +
    String.raw`admission webhook "${VALIDATING_WEBHOOK.replaceAll('.', '\\.')}" denied the request: (.*)$`,
);

/** stderr split into kubectl's `Warning: ` lines and the rest. */
export function splitStderr(stderr: string): { warnings: string[]; rest: string } {
  const lines = stderr.split('\n').filter((l) => l !== '');
  return {
    warnings: lines.filter((l) => l.startsWith('Warning: ')).map((l) => l.slice(9)),
    rest: lines.filter((l) => !l.startsWith('Warning: ')).join('\n'),
  };
}

function outcomeProblems(result: RunResult, e: Expectation, rest: string): string[] {
  const { code } = result;
  switch (e.outcome) {
    case 'ok':
    case 'admitted':
      if (code !== 0) return [`expected ${e.outcome} (exit 0), got exit ${code}: ${rest}`];
      if (rest !== '' && e.stderrMatches === undefined) return [`unexpected stderr: ${rest}`];
      return [];
    case 'denied': {
      const denial = DENIAL.exec(rest);
      if (code === 0) return ['expected a denial, but kubectl succeeded'];
      if (!denial) return [`expected a denial by ${VALIDATING_WEBHOOK}, got: ${rest}`];
      if (denial[1] !== e.message)
        return [`denial message differs:\n  expected: ${e.message}\n  actual:   ${denial[1]}`];
      return [];
    }
    case 'failed':
      return code === 0 ? ['expected kubectl to fail, but it succeeded'] : [];
  }
}

/** The expectation with every placeholder rendered. */
export function renderExpectation(e: Expectation, vars: Vars): Expectation {
  const r = (text: string): string => render(text, vars);
  return {
    ...e,
    ...(e.message !== undefined && { message: r(e.message) }),
    ...(e.warnings && { warnings: e.warnings.map(r) }),
    ...(e.stdout !== undefined && { stdout: r(e.stdout) }),
    ...(e.stdoutContains && { stdoutContains: e.stdoutContains.map(r) }),
    ...(e.stderrMatches !== undefined && { stderrMatches: r(e.stderrMatches) }),
  };
}

/** Every way `result` differs from the (rendered) expectation; empty when it holds. */
export function problems(result: RunResult, e: Expectation): string[] {
  const { warnings, rest } = splitStderr(result.stderr);
  const found = outcomeProblems(result, e, rest);
  const expectedWarnings = e.warnings ?? [];
  if (JSON.stringify(warnings) !== JSON.stringify(expectedWarnings))
    found.push(
      `warnings differ:\n  expected: ${JSON.stringify(expectedWarnings)}\n  actual:   ${JSON.stringify(warnings)}`,
    );
  if (e.stdout !== undefined && result.stdout !== e.stdout)
    found.push(
      `stdout differs:\n  expected: ${JSON.stringify(e.stdout)}\n  actual:   ${JSON.stringify(result.stdout)}`,
    );
  for (const part of e.stdoutContains ?? [])
    if (!result.stdout.includes(part)) found.push(`stdout lacks ${JSON.stringify(part)}`);
  if (e.stderrMatches !== undefined && !new RegExp(e.stderrMatches).test(rest))
    found.push(`stderr does not match /${e.stderrMatches}/: ${rest}`);
  return found;
}
