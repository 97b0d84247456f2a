// `notary-admission serve` as a child process (what a pod runs), with node flags such as
// --max-old-space-size, and a probe (probe.ts) the parent asks for heap, fds and sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../../harness/tools.js';
import type { ProbeAnswer } from './probe.js';

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  metricsUrl: string;
  /** PEM of the generated CA (empty when --tls-cert was given). */
  ca: string;
  /** Resolves when the process has exited: its code or signal, and when (performance.now()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Heap, fds and sockets of the child now; `gc` runs a full collection first. */
  probe(gc?: boolean): Promise<ProbeAnswer>;
  output(): { stdout: string; stderr: string };
  /** SIGKILL if still running. */
  kill(): void;
}

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'probe.ts');
/**
 * The program under test: src/cli.ts through tsx, or a built one, e.g. the image's bundle
 * (`npm run build`, then NOTARY_ADMISSION_TEST_ENTRY=dist/bundle/cli.js npx vitest run test/reliability).
 */
const ENTRY = process.env['NOTARY_ADMISSION_TEST_ENTRY'] ?? 'src/cli.ts';

/** The environment without settings of ours, so only the flags configure the child. */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('NOTARY_ADMISSION_')),
  );

function lineOf(stdout: string, re: RegExp): string | undefined {
  for (const l of stdout.split('\n')) {
    const m = re.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

/** Waits (up to 30 s: tsx compiles, the service starts) for the lines `serve` prints. */
async function addresses(child: ChildProcess, stdout: () => string, generated: boolean) {
  const last = generated ? /^CA certificate: (\S+) / : /^Metrics: (\S+)\/metrics/;
  for (let i = 0; i < 600 && child.exitCode === null && lineOf(stdout(), last) === undefined; i++)
    await sleep(50);
  const caPath = generated ? (lineOf(stdout(), /^CA certificate: (\S+) /) ?? null) : undefined;
  return {
    url: lineOf(stdout(), /^Webhook: (https:\/\/\S+) /),
    metricsUrl: lineOf(stdout(), /^Metrics: (\S+)\/metrics/),
    caPath,
  };
}

/** Starts `serve` with `args` (and `nodeFlags` for V8); resolves once it printed its addresses. */
export async function startServeProcess(
  args: string[],
  options: { nodeFlags?: string[]; generatedTls?: boolean } = {},
): Promise<ServeProcess> {
  const node = ['--expose-gc', ...(options.nodeFlags ?? []), '--import', 'tsx', '--import', PROBE];
  const child = spawn(process.execPath, [...node, ENTRY, 'serve', ...args], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const generated = options.generatedTls ?? true;
  const { url, metricsUrl, caPath } = await addresses(child, () => stdout, generated);
  if (url === undefined || metricsUrl === undefined || caPath === null) {
    child.kill('SIGKILL');
    throw new Error(`serve did not start: ${stderr || stdout}`);
  }
  let next = 0;
  const waiting = new Map<number, (a: ProbeAnswer) => void>();
  child.on('message', (m: ProbeAnswer) => waiting.get(m.probe)?.(m));
  return {
    child,
    pid: child.pid!,
    url,
    metricsUrl,
    ca: caPath === undefined ? '' : await readFile(caPath, 'utf8'),
    exited,
    probe: (gc = false) =>
      new Promise((resolve, reject) => {
        const id = next++;
        const timer = setTimeout(() => reject(new Error('probe unanswered')), 10_000);
        waiting.set(id, (a) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(a);
        });
        child.send({ probe: id, gc });
      }),
    output: () => ({ stdout, stderr }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
