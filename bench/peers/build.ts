// The two programs under comparison: our CLI built as the image builds it (tsc, then the esbuild
// bundle; from the working tree or a commit), and the Ratify binary the installer built on request.
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findTool, TOOLS_DIR } from '../../test/harness/tools.js';
import { makeWorkdir } from '../../test/harness/workdir.js';

const builds = new Map<string, { cli: string; source: string }>();
const BUNDLER = path.resolve('esbuild.config.js');

/**
 * Builds our CLI once as the image does (src/cli.ts bundled by esbuild.config.js; esbuild does not
 * type-check, so an in-progress type error elsewhere does not stop it): from the working tree, or
 * with BENCH_PEERS_REF=<commit> from that commit (`git archive`, for a baseline while others edit
 * src/). Returns the CLI's path and what it was built from.
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
    execFileSync('sh', ['-c', `git archive ${commit} src package.json | tar -x -C ${root}`]);
    symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'));
    source = `commit ${commit}`;
  }
  const outdir =
    ref === undefined
      ? path.resolve('node_modules/.cache/notary-admission-peers/bundle')
      : path.join(root, 'dist/bundle');
  const entry = path.join(root, 'src/cli.ts');
  const script = `const { bundle } = await import(${JSON.stringify(pathToFileURL(BUNDLER).href)});
await bundle(${JSON.stringify({ entry, outdir })});`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
  const built = { cli: path.join(outdir, 'cli.js'), source };
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
