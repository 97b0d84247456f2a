// The two programs under comparison: our CLI built with tsc (from the working tree or a commit),
// and the Ratify binary the installer built on request.
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { findTool, TOOLS_DIR } from '../../test/harness/tools.js';
import { makeWorkdir } from '../../test/harness/workdir.js';

const builds = new Map<string, { cli: string; source: string }>();

/**
 * Builds our CLI once with tsc (tsc emits even if an in-progress file elsewhere has type errors):
 * from the working tree, or with BENCH_PEERS_REF=<commit> from that commit (`git archive`, for a
 * baseline while others edit src/). Returns the CLI's path and what it was built from.
 */
export const ourCli = (): { cli: string; source: string } =>
  buildCli(process.env['BENCH_PEERS_REF']);

/** Our CLI built from the working tree (`ref` undefined) or from commit `ref`, once each. */
export function buildCli(ref: string | undefined): { cli: string; source: string } {
  const known = builds.get(ref ?? '');
  if (known !== undefined) return known;
  let root = process.cwd();
  let source = 'the working tree';
  if (ref !== undefined) {
    const commit = execFileSync('git', ['rev-parse', '--short', ref], { encoding: 'utf8' }).trim();
    root = makeWorkdir(`peers-src-${commit}`);
    const files = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
    execFileSync('sh', ['-c', `git archive ${commit} ${files.join(' ')} | tar -x -C ${root}`]);
    symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'));
    source = `commit ${commit}`;
  }
  const out =
    ref === undefined
      ? path.resolve('node_modules/.cache/notary-admission-peers/dist')
      : path.join(root, 'dist');
  const tsc = path.resolve('node_modules/.bin/tsc');
  const project = path.join(root, 'tsconfig.build.json');
  try {
    execFileSync(tsc, ['-p', project, '--outDir', out, '--sourceMap', 'false'], {
      stdio: 'ignore',
    });
  } catch {
    // type errors elsewhere: the JavaScript is still emitted
  }
  const built = { cli: path.join(out, 'cli.js'), source };
  builds.set(ref ?? '', built);
  return built;
}

/** The Ratify binary the installer built on request (`npm run tools -- --peers`). */
export function ratifyBin(): string {
  const found = findTool('ratify');
  if (found === undefined)
    throw new Error(
      `ratify is not installed: run \`npm run tools -- --peers\` (builds it into ${TOOLS_DIR})`,
    );
  return found;
}
