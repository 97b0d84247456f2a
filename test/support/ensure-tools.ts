import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../harness/tools.js';

/**
 * vitest global setup of the harness project: installs missing test tools before any test runs.
 * If that is impossible here, it says so and the tests that need a tool fail with
 * MissingToolError naming it; they are never skipped.
 */
export default function ensureTools(): void {
  const installer = path.join(REPO_ROOT, 'test/tools/install.sh');
  const check = spawnSync('bash', [installer, '--check'], { encoding: 'utf8' });
  if (check.status === 0) return;
  process.stderr.write(`[harness] ${check.stdout.trim()}; running ${installer}\n`);
  const install = spawnSync('bash', [installer], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (install.status !== 0) {
    process.stderr.write(
      '[harness] the installer failed: tests that need a missing tool will fail and say which\n',
    );
  }
}
