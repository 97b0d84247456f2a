import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issue } from '../test/support/certs.js';
import { EXIT, runCli, type CliOptions } from './cli.js';
import { serveHelp, verifyHelp } from './config/index.js';

interface Captured {
  code: Promise<number>;
  out: () => string;
  err: () => string;
}

function start(argv: string[], options: CliOptions = {}): Captured {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
  return { code: runCli(argv, io, { env: {}, ...options }), out: () => out, err: () => err };
}

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const run = start(argv);
  const code = await run.code;
  return { code, out: run.out(), err: run.err() };
}

describe('runCli', () => {
  it('prints usage for help and for no command', async () => {
    for (const argv of [[], ['help'], ['--help']]) {
      const { code, out } = await capture(argv);
      expect(code).toBe(EXIT.OK);
      expect(out).toMatch(/^Usage: notary-admission <command>/);
    }
  });

  it('prints the package version', async () => {
    expect((await capture(['version'])).out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('prints the help of serve and of verify', async () => {
    expect(await capture(['serve', '--help'])).toEqual({ code: 0, out: serveHelp(), err: '' });
    expect(await capture(['verify', '-h'])).toEqual({ code: 0, out: verifyHelp(), err: '' });
  });

  describe('when the command is unknown', () => {
    it('exits with the usage code and names the command', async () => {
      const { code, err } = await capture(['sevre']);
      expect(code).toBe(EXIT.USAGE);
      expect(err).toMatch(/unknown command "sevre"/);
    });
  });

  describe('when a flag is unknown', () => {
    it('exits 2 naming the flag, for serve and for verify', async () => {
      const serve = await capture(['serve', '--prot', '8443']);
      expect(serve.code).toBe(EXIT.USAGE);
      expect(serve.err).toMatch(/^Error: unknown flag --prot /);
      const verify = await capture(['verify', 'ghcr.io/acme/api:1', '--outptu', 'json']);
      expect(verify.code).toBe(EXIT.USAGE);
      expect(verify.err).toMatch(/^Error: unknown flag --outptu /);
    });
  });

  describe('when verify has no reference', () => {
    it('exits 2 and says one is needed', async () => {
      const { code, out, err } = await capture(['verify']);
      expect(code).toBe(EXIT.USAGE);
      expect(out).toBe('');
      expect(err).toMatch(/^Error: verify takes exactly one image reference \(got 0\)/);
    });
  });

  describe('when verify cannot find notation configuration', () => {
    it('exits 2 naming the trust policy file of $XDG_CONFIG_HOME', async () => {
      const run = start(['verify', 'ghcr.io/acme/api:1'], {
        env: { XDG_CONFIG_HOME: '/nonexistent' },
      });
      expect(await run.code).toBe(EXIT.USAGE);
      expect(run.err()).toBe(
        'Error: trust policy /nonexistent/notation/trustpolicy.json does not exist\n',
      );
    });
  });
});

describe('runCli serve', () => {
  let dir: string;
  let args: string[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-serve-'));
    const root = await issue({ profile: 'root', subject: 'CN=Acme Root' });
    mkdirSync(path.join(dir, 'store', 'x509', 'ca', 'acme'), { recursive: true });
    writeFileSync(path.join(dir, 'store', 'x509', 'ca', 'acme', 'root.crt'), root.pem);
    const statement = {
      name: 'all',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:acme'],
      trustedIdentities: ['*'],
    };
    const policy = { version: '1.0', trustPolicies: [statement] };
    writeFileSync(path.join(dir, 'trustpolicy.json'), JSON.stringify(policy));
    args = [
      'serve',
      ...['--port', '0', '--metrics-port', '0', '--log-level', 'silent'],
      ...['--tls-dir', path.join(dir, 'tls')],
      ...['--trust-policy', path.join(dir, 'trustpolicy.json')],
      ...['--trust-store', path.join(dir, 'store')],
    ];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts serve with a signal hook the test fires; resolves once it printed its URL. */
  async function serve(extra: string[]) {
    let fire: ((signal: string) => void) | undefined;
    let subscribed = 0;
    const run = start([...args, ...extra], {
      onSignal: (handler) => {
        fire = handler;
        subscribed += 1;
        return () => (fire = undefined);
      },
    });
    for (let i = 0; i < 200 && !run.out().includes('Webhook:'); i++) await sleep(25);
    return { run, fire: (s: string) => fire?.(s), subscribed: () => subscribed };
  }

  describe('when it started', () => {
    it('prints the webhook URL, the metrics URL and the generated CA', async () => {
      const { run, fire } = await serve(['--drain-delay', '10ms']);
      const lines = run.out().split('\n');
      expect(lines[0]).toMatch(
        /^Webhook: https:\/\/127\.0\.0\.1:\d+ \(POST \/validate, \/mutate\)$/,
      );
      expect(lines[1]).toMatch(/^Metrics: http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(lines[2]).toBe(
        `CA certificate: ${path.join(dir, 'tls', 'ca.crt')} (pass it as --cacert to curl, or as the caBundle of the webhook configuration)`,
      );
      fire('SIGTERM');
      expect(await run.code).toBe(EXIT.OK);
    });
  });

  describe('when a second signal arrives during the drain delay', () => {
    it('closes at once and exits 0', async () => {
      const { run, fire, subscribed } = await serve(['--drain-delay', '1h']);
      expect(subscribed()).toBe(1);
      fire('SIGTERM');
      fire('SIGINT');
      expect(await run.code).toBe(EXIT.OK);
    });
  });
});
