// The program the image ships (docs/adr/0009): src/cli.ts bundled by esbuild.config.js into an
// /app laid out like the image's (node_modules beside it), built once per test file; and its
// `serve` as a process, for the tests that prove the shipped artifact.
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpRequest } from '../harness/http.js';
import { trackChild } from '../harness/process.js';
import { REPO_ROOT } from '../harness/tools.js';
import { makeWorkdir } from '../harness/workdir.js';
import { podReview } from './reviews.js';

export interface ImageApp {
  /** The /app folder. */
  app: string;
  /** Its dist/bundle/cli.js. */
  cli: string;
}

let built: Promise<ImageApp> | undefined;

export function imageApp(): Promise<ImageApp> {
  built ??= (async () => {
    const app = makeWorkdir('image-app');
    const { bundle } = (await import(path.join(REPO_ROOT, 'esbuild.config.js'))) as {
      bundle: (o: { outdir: string }) => Promise<string>;
    };
    const cli = await bundle({ outdir: path.join(app, 'dist/bundle') });
    // Only production dependencies sit beside it in the image (the bundle needs few of them).
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(app, 'node_modules'));
    return { app, cli };
  })();
  return built;
}

/** The answer to one review, as the tests read it. */
export interface BundleAnswer {
  allowed: boolean;
  message: string;
}

export interface BundleServe {
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Whether the process is still running. */
  running(): boolean;
  /** Posts an AdmissionReview of a Pod running `image` to /validate. */
  review(image: string): Promise<BundleAnswer>;
  /** GET `path` over HTTPS: its status, or undefined while it cannot answer. */
  status(path: string): Promise<number | undefined>;
  close(): void;
}

/**
 * `serve` run from the bundle with a generated certificate in `dir`/tls (plus `args`); resolves
 * once it prints its URL.
 */
export async function startBundleServe(
  cli: string,
  dir: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<BundleServe> {
  const tls = path.join(dir, 'tls');
  const base = ['serve', '--port', '0', '--metrics-port', 'off', '--log-level', 'warn'];
  const child = spawn(
    process.execPath,
    [cli, ...base, '--tls-dir', tls, '--drain-delay', '0s', ...args],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...(env && { env }) },
  );
  trackChild(child);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (out += b.toString('utf8')));
  let url: string | undefined;
  for (let i = 0; i < 600 && url === undefined && child.exitCode === null; i++) {
    url = /^Webhook: (https:\/\/\S+) /m.exec(out)?.[1];
    if (url === undefined) await sleep(50);
  }
  if (url === undefined) {
    child.kill('SIGKILL');
    throw new Error(`the bundle's serve did not start:\n${out}`);
  }
  const ca = readFileSync(path.join(tls, 'ca.crt'));
  return {
    output: () => out,
    running: () => child.exitCode === null && child.signalCode === null,
    review: async (image) => {
      const res = await httpRequest(`${url}/validate?timeout=10s`, {
        ca,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(podReview({ images: [image], namespace: 'default' })),
      });
      const { response } = JSON.parse(res.body.toString('utf8')) as {
        response: { allowed: boolean; status?: { message?: string } };
      };
      return { allowed: response.allowed, message: response.status?.message ?? '' };
    },
    status: (p) =>
      httpRequest(`${url}${p}`, { ca }).then(
        (r) => r.status,
        () => undefined,
      ),
    close: () => void child.kill('SIGKILL'),
  };
}
