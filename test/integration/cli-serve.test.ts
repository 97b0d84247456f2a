// `notary-admission serve` as a process: starts from flags, prints where it listens, answers
// health checks over HTTPS with the CA it generated, drains on SIGTERM and exits 0 by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../harness/http.js';
import { REPO_ROOT } from '../harness/tools.js';
import { makeWorkdir } from '../harness/workdir.js';
import { issue } from '../support/certs.js';

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** The environment without settings of ours, so only the flags configure the child. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('NOTARY_ADMISSION_')),
  );
}

function startCli(args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for a line of stdout starting with `prefix` (or for the process to end). */
async function lineOf(cli: Cli, prefix: string): Promise<string | undefined> {
  for (let i = 0; i < 600; i++) {
    const line = cli
      .stdout()
      .split('\n')
      .find((l) => l.startsWith(prefix));
    if (line !== undefined || cli.child.exitCode !== null) return line;
    await sleep(50);
  }
  return undefined;
}

describe('notary-admission serve (process)', () => {
  let dir: string;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    dir = makeWorkdir('cli-serve');
    const root = await issue({ profile: 'root', subject: 'CN=Acme Root' });
    mkdirSync(path.join(dir, 'truststore', 'x509', 'ca', 'acme'), { recursive: true });
    writeFileSync(path.join(dir, 'truststore', 'x509', 'ca', 'acme', 'root.crt'), root.pem);
    const statement = {
      name: 'everything',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:acme'],
      trustedIdentities: ['*'],
    };
    const policy = { version: '1.0', trustPolicies: [statement] };
    writeFileSync(path.join(dir, 'trustpolicy.json'), JSON.stringify(policy));
  });
  afterAll(() => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  });

  describe('when started with a trust policy and no certificate', () => {
    it('T-44 prints its URLs, serves health over HTTPS, drains on SIGTERM and exits 0', async () => {
      const drainMs = 1_000;
      const cli = startCli([
        'serve',
        ...['--port', '0', '--metrics-port', '0', '--drain-delay', `${drainMs}ms`],
        ...['--tls-dir', path.join(dir, 'tls')],
        ...['--trust-policy', path.join(dir, 'trustpolicy.json')],
        ...['--trust-store', path.join(dir, 'truststore')],
      ]);
      running.push(cli.child);
      const caLine = await lineOf(cli, 'CA certificate: ');
      expect(caLine, cli.stderr()).toBe(
        `CA certificate: ${path.join(dir, 'tls', 'ca.crt')} (pass it as --cacert to curl, or as the caBundle of the webhook configuration)`,
      );
      const url = /^Webhook: (https:\/\/127\.0\.0\.1:\d+) /.exec(
        (await lineOf(cli, 'Webhook: '))!,
      )?.[1];
      const metrics = /^Metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/.exec(
        (await lineOf(cli, 'Metrics: '))!,
      )?.[1];
      expect(url).toBeDefined();
      expect(metrics).toBeDefined();

      const ca = readFileSync(path.join(dir, 'tls', 'ca.crt'));
      expect((await httpRequest(`${url}/livez`, { ca })).status).toBe(200);
      expect((await httpRequest(`${url}/readyz`, { ca })).status).toBe(200);
      const scraped = await httpRequest(metrics!);
      expect(scraped.status).toBe(200);
      expect(scraped.body.toString('utf8')).toMatch(/^# HELP /m);

      const signalled = Date.now();
      cli.child.kill('SIGTERM');
      // Unready at once, while the listener keeps answering for the drain delay.
      let ready = 200;
      for (let i = 0; i < 20 && ready === 200; i++) {
        ready = (await httpRequest(`${url}/readyz`, { ca, headers: { connection: 'close' } }))
          .status;
        if (ready === 200) await sleep(25);
      }
      expect(ready).toBe(503);
      expect((await httpRequest(`${url}/livez`, { ca })).status).toBe(200);

      const exit = await cli.exited;
      expect(exit, cli.stderr()).toMatchObject({ code: 0, signal: null });
      // By itself: the runner's fallback would force an exit only 5 s after the service stopped.
      expect(exit.at - signalled).toBeLessThan(drainMs + 4_000);
    });
  });

  describe('when a flag is wrong', () => {
    it('exits 2 with a message naming the flag', async () => {
      const cli = startCli(['serve', '--port', 'eighty']);
      running.push(cli.child);
      const exit = await cli.exited;
      expect(exit.code).toBe(2);
      expect(cli.stdout()).toBe('');
      expect(cli.stderr()).toMatch(/^Error: .*--port.*\n$/);
    });

    it('exits 2 naming an unknown flag', async () => {
      const cli = startCli(['serve', '--trust-polcy', 'x.json']);
      running.push(cli.child);
      const exit = await cli.exited;
      expect(exit.code).toBe(2);
      expect(cli.stderr()).toMatch(/^Error: unknown flag --trust-polcy /);
    });
  });
});
