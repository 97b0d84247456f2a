#!/usr/bin/env node
// The command line: `notary-admission serve | verify <reference> | version | help`.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT, type VerifyIo } from './cli-report.js';
import { runVerify, type VerifyDeps } from './cli-verify.js';
// The config pieces directly, not src/config/index.js: the barrel loads every policy compiler,
// and `verify` (a short-lived process) must not pay start-up for them (bench/README.md).
import {
  parseServeArgs,
  parseVerifyArgs,
  serveHelp,
  verifyHelp,
  wantsHelp,
} from './config/args.js';
import { processEnvironment } from './config/env.js';
import { ConfigError } from './config/errors.js';
import { keepWasmOnBaselineCompiler } from './registry/baseline-wasm.js';
import type { Env } from './config/notation-dir.js';
import type { ListReports } from './cli-kube-report.js';
import type { Service, ServiceOverrides } from './main.js';

export { EXIT } from './cli-report.js';

export type CliIo = VerifyIo;

/** Subscribes a handler to SIGTERM and SIGINT; returns the unsubscribe. */
export type SignalHook = (handler: (signal: string) => void) => () => void;

export interface CliOptions {
  /** The environment the settings are read from (default: this process's). */
  env?: Env;
  /** Where `serve` learns it must stop (default: the process's SIGTERM and SIGINT). */
  onSignal?: SignalHook;
  /** Service overrides for `serve` (tests). */
  service?: ServiceOverrides;
  /** Clock and DNS for `verify` (tests). */
  verify?: VerifyDeps;
  /** Where `report` reads the PolicyReports (tests; default: the cluster). */
  report?: ListReports;
}

const USAGE = `Usage: notary-admission <command> [options]

Commands:
  serve               run the admission webhook (HTTPS, /validate and /mutate)
  verify <reference>  verify one image like \`notation verify\`
  report              the running workloads that no longer verify (from the PolicyReports)
  version             print the version
  help                print this help

Run \`notary-admission <command> --help\` for the options of a command.
`;

/** `serve` could not start (not a configuration error): the generic failure code. */
const SERVE_FAILED = 1;

const CA_HINT = '(pass it as --cacert to curl, or as the caBundle of the webhook configuration)';

/** Written in by the bundler (esbuild.config.js): the bundle does not sit next to package.json. */
declare const __NOTARY_ADMISSION_VERSION__: string | undefined;

function version(): string {
  if (typeof __NOTARY_ADMISSION_VERSION__ === 'string') return __NOTARY_ADMISSION_VERSION__;
  const pkg = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

const processSignals: SignalHook = (handler) => {
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
};

/** A bad flag or configuration: its message, exit 2. Anything else is not ours to explain. */
function configFailure(err: unknown, io: CliIo): number {
  if (!(err instanceof ConfigError)) throw err;
  io.err(`Error: ${err.message}\n`);
  return EXIT.USAGE;
}

/**
 * Resolves once the service is down: the first signal drains it (shutdown), a second one closes
 * it at once; after that the default signal behaviour (termination) is back.
 */
function untilStopped(service: Service, onSignal: SignalHook): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const unsubscribe = onSignal((signal) => {
      received += 1;
      const forced = received > 1;
      service.logger.info({ signal }, forced ? 'stopping now' : 'stopping after the drain delay');
      if (forced) unsubscribe();
      (forced ? service.close() : service.shutdown()).then(
        () => {
          unsubscribe();
          resolve();
        },
        (err: unknown) => {
          unsubscribe();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  });
}

async function serve(argv: readonly string[], io: CliIo, options: CliOptions): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(serveHelp());
    return EXIT.OK;
  }
  let service: Service;
  try {
    const settings = parseServeArgs(argv, options.env ?? processEnvironment());
    // The webhook (Fastify, informers) is loaded only for `serve`.
    const { startService } = await import('./main.js');
    service = await startService(settings, options.service);
  } catch (err) {
    if (err instanceof ConfigError) return configFailure(err, io);
    // A port in use, an unwritable TLS directory: the service cannot run here.
    io.err(
      `Error: the webhook did not start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return SERVE_FAILED;
  }
  io.out(`Webhook: ${service.url} (POST /validate, /mutate)\n`);
  if (service.metricsUrl !== undefined) io.out(`Metrics: ${service.metricsUrl}/metrics\n`);
  if (service.caPath !== undefined) io.out(`CA certificate: ${service.caPath} ${CA_HINT}\n`);
  await untilStopped(service, options.onSignal ?? processSignals);
  return EXIT.OK;
}

async function verify(argv: readonly string[], io: CliIo, options: CliOptions): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(verifyHelp());
    return EXIT.OK;
  }
  try {
    const settings = parseVerifyArgs(argv, options.env ?? processEnvironment());
    return await runVerify(settings, io, options.verify);
  } catch (err) {
    return configFailure(err, io);
  }
}

/** `report`: its module (and the Kubernetes client) are loaded only for it. */
async function report(argv: readonly string[], io: CliIo, options: CliOptions): Promise<number> {
  const { REPORT_HELP, runReport } = await import('./cli-kube-report.js');
  if (wantsHelp(argv)) {
    io.out(REPORT_HELP);
    return EXIT.OK;
  }
  try {
    return await runReport(argv, io, options.env ?? processEnvironment(), options.report);
  } catch (err) {
    return configFailure(err, io);
  }
}

/**
 * Runs one command line and resolves to the process exit code: `verify` once it has a verdict,
 * `serve` once the service has stopped after a signal.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: CliOptions = {},
): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest, io, options);
    case 'verify':
      return verify(rest, io, options);
    case 'report':
      return report(rest, io, options);
    case 'version':
    case '--version':
      io.out(`${version()}\n`);
      return EXIT.OK;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return EXIT.OK;
    default:
      io.err(`notary-admission: unknown command "${command}"\n\n${USAGE}`);
      return EXIT.USAGE;
  }
}

/** Whether this module is the program (also when started through an npm bin symlink). */
function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) {
  keepWasmOnBaselineCompiler();
  const argv = process.argv.slice(2);
  runCli(argv, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then(
    (code) => {
      process.exitCode = code;
      // A stopped service has closed its handles; should one linger, do not outlive it by much.
      if (argv[0] === 'serve') setTimeout(() => process.exit(), 5_000).unref();
    },
    (err: unknown) => {
      process.stderr.write(
        `notary-admission: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exitCode = 1;
      if (argv[0] === 'serve') setTimeout(() => process.exit(), 5_000).unref();
    },
  );
}
