// The Dockerfile, without a Docker engine: its rules checked statically (hadolint's main ones),
// dockerfile-utils' lint when that tool is installed, every COPY source present and let through
// by .dockerignore, and the entrypoint run against a build laid out like the image's /app.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../harness/run.js';
import { REPO_ROOT, TOOLS_DIR } from '../../harness/tools.js';
import { issue } from '../../support/certs.js';
import { imageApp, startBundleServe } from '../../support/bundle.js';

/** A kubeconfig naming an API server where nothing listens. */
const KUBECONFIG_TO_NOWHERE = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  image: string;
  name: string;
  steps: Instruction[];
}

/** Instructions with line continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Stages with `${ARG}` in FROM resolved from the global ARG defaults. */
function stages(all: Instruction[]): Stage[] {
  const args: Record<string, string> = {};
  const out: Stage[] = [];
  for (const ins of all) {
    if (ins.op === 'ARG' && out.length === 0) {
      const [key = '', value = ''] = ins.args.split('=');
      args[key] = value;
    } else if (ins.op === 'FROM') {
      const [image = '', , name = String(out.length)] = ins.args.split(/\s+/);
      out.push({
        image: image.replace(/\$\{(\w+)\}/g, (_, k: string) => args[k] ?? ''),
        name,
        steps: [],
      });
    } else out.at(-1)?.steps.push(ins);
  }
  return out;
}

/** COPY's flags and paths: `--from=x --chown=0:0 a b dest`. */
function copyParts(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice(7);
  const paths = words.filter((w) => !w.startsWith('--'));
  return { ...(from !== undefined && { from }), sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

/** .dockerignore semantics (last matching pattern wins; `!` re-includes; a dir covers its files). */
function ignoredBy(patterns: string[]): (file: string) => boolean {
  const rules = patterns.map((p) => {
    const negate = p.startsWith('!');
    const body = (negate ? p.slice(1) : p).replace(/\/$/, '');
    const re = body
      .replace(/[.+^$()|[\]{}]/g, '\\$&')
      .replace(/\*\*\/?|\*/g, (m) => (m === '*' ? '[^/]*' : '(?:.*/)?'));
    return { negate, re: new RegExp(`^${re}(?:/.*)?$`) };
  });
  return (file) => {
    let ignored = false;
    for (const rule of rules) if (rule.re.test(file)) ignored = !rule.negate;
    return ignored;
  };
}

const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const all = instructions(dockerfile);
const byName = stages(all);
const runtime = byName.at(-1)!;
const last = (stage: Stage, op: string): string | undefined =>
  stage.steps.filter((s) => s.op === op).at(-1)?.args;
const ignore = ignoredBy(
  readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#')),
);

describe('Dockerfile', () => {
  describe('when checked against the image rules', () => {
    it('pins every base image to a tag and runs on Node 22 distroless', () => {
      for (const stage of byName)
        expect(stage.image).toMatch(/^[^:@]+(:(?!latest$)[\w.-]+|@sha256:[a-f0-9]{64})$/);
      expect(byName.map((s) => s.name)).toEqual(['build', 'prod-deps', 'runtime']);
      expect(runtime.image).toBe('gcr.io/distroless/nodejs22-debian12:nonroot');
    });

    it('runs as a numeric non-root user and needs no shell (exec form, no RUN)', () => {
      expect(last(runtime, 'USER')).toBe('65532:65532');
      expect(runtime.steps.map((s) => s.op)).not.toContain('RUN');
      expect(JSON.parse(last(runtime, 'ENTRYPOINT') ?? '')).toEqual([
        '/nodejs/bin/node',
        '/app/dist/bundle/cli.js',
      ]);
      expect(JSON.parse(last(runtime, 'CMD') ?? '')).toEqual(['serve']);
      expect(all.map((s) => s.op)).not.toContain('ADD');
    });

    it('installs from the lock file, and only production dependencies reach the runtime', () => {
      const runs = all.filter((s) => s.op === 'RUN').map((s) => s.args);
      expect(runs.some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
      const modules = runtime.steps
        .map((s) => copyParts(s.args))
        .find((c) => c.dest === './node_modules');
      const deps = byName.find((s) => s.name === modules?.from);
      expect(deps?.steps.filter((s) => s.op === 'RUN').map((s) => s.args)).toEqual([
        'npm ci --omit=dev --no-audit --no-fund && npm cache clean --force',
      ]);
    });
  });

  describe('when its COPY sources are looked up', () => {
    it('finds each one in the repository, let through by .dockerignore', () => {
      const sources = all
        .filter((s) => s.op === 'COPY')
        .map((s) => copyParts(s.args))
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources);
      expect(sources).toEqual([
        ...['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'],
        ...['esbuild.config.js', 'src'],
        ...['package.json', 'package-lock.json'],
        'package.json',
      ]);
      for (const source of sources) {
        expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
        expect(ignore(source), source).toBe(false);
      }
      expect(ignore('src/cli.ts')).toBe(false);
      expect(ignore('src/webhook/app.test.ts')).toBe(true);
      expect(ignore('node_modules/fastify/package.json')).toBe(true);
      expect(ignore('test/harness/index.ts')).toBe(true);
    });
  });

  describe('when the entrypoint is run in an /app laid out like the image', () => {
    it('runs the bundle that `npm run build` makes (dist/bundle/cli.js from src/cli.ts)', async () => {
      const build = byName.find((s) => s.name === 'build')!;
      expect(last(build, 'WORKDIR')).toBe('/app');
      expect(build.steps.map((s) => s.args)).toContain('npm run build');
      expect(runtime.steps.map((s) => s.args)).toContain(
        '--from=build --chown=0:0 /app/dist ./dist',
      );
      const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
        version: string;
        scripts: Record<string, string>;
        bin: Record<string, string>;
      };
      expect(pkg.scripts['build']).toBe('tsc -p tsconfig.build.json && node esbuild.config.js');
      expect(pkg.bin['notary-admission']).toBe('dist/bundle/cli.js');
      const { app, cli } = await imageApp();
      expect(cli).toBe(path.join(app, 'dist/bundle/cli.js'));
      const help = await run(process.execPath, [cli, 'serve', '--help']);
      expect(help.stdout).toMatch(/^Usage: notary-admission serve \[flags\]/);
      expect(help.code).toBe(0);
      // No package.json beside the bundle: the version was written in when it was built.
      const version = await run(process.execPath, [cli, 'version']);
      expect(version.stdout.trim()).toBe(pkg.version);
      // The Kubernetes client is a chunk loaded on first use: it loads, and reports the refusal.
      const kubeconfig = path.join(app, 'kubeconfig');
      writeFileSync(kubeconfig, KUBECONFIG_TO_NOWHERE);
      const report = await run(process.execPath, [cli, 'report', '--kubeconfig', kubeconfig]);
      expect(report.code, report.stderr).toBe(2);
      expect(report.stderr).toMatch(/127\.0\.0\.1:1\b|ECONNREFUSED|connect/i);
      expect(report.stderr).not.toMatch(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
    });

    it('serves: the bundled service answers a review through its pipeline', async () => {
      const { app, cli } = await imageApp();
      mkdirSync(path.join(app, 'truststore/x509/ca/acme'), { recursive: true });
      writeFileSync(path.join(app, 'truststore/x509/ca/acme/root.crt'), (await issue({})).pem);
      const statement = {
        name: 'apps',
        registryScopes: ['127.0.0.1:1/apps/web'],
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:acme'],
        trustedIdentities: ['*'],
      };
      const policy = path.join(app, 'trustpolicy.json');
      writeFileSync(policy, JSON.stringify({ version: '1.0', trustPolicies: [statement] }));
      const serve = await startBundleServe(cli, app, [
        ...['--trust-policy', policy, '--trust-store', path.join(app, 'truststore')],
        ...['--insecure-registry', '127.0.0.1:1', '--allow-private-network', 'all'],
      ]);
      try {
        // Governed: the registry is asked (nothing listens there) and the review fails closed.
        const governed = await serve.review('127.0.0.1:1/apps/web:1');
        expect(governed.allowed).toBe(false);
        expect(governed.message).toMatch(/registry unavailable: .*\[NETWORK\]$/);
        // Ungoverned: decided by the policy step alone.
        const other = await serve.review('127.0.0.1:1/other:1');
        expect(other.allowed).toBe(false);
        expect(other.message).toMatch(/\[NO_APPLICABLE_POLICY\]/);
      } finally {
        serve.close();
      }
    });
  });

  describe('when dockerfile-utils is installed (npm; no Debian package lints Dockerfiles)', () => {
    it('reports no problem', async () => {
      const linter = [
        path.join(TOOLS_DIR, 'bin/dockerfile-utils'),
        path.join(REPO_ROOT, 'node_modules/.bin/dockerfile-utils'),
      ].find((p) => existsSync(p));
      if (linter === undefined) {
        process.stderr.write(
          '[dockerfile] dockerfile-utils is not installed: its lint did not run\n',
        );
        return;
      }
      const result = await run(linter, ['lint', path.join(REPO_ROOT, 'Dockerfile')]);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    });
  });
});
