#!/usr/bin/env node
// The command line: `notary-admission serve | verify <reference> | version | help`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Exit codes shared with `notation verify`: 0 verified, 1 not verified, 2 usage or configuration error. */
export const EXIT = { OK: 0, NOT_VERIFIED: 1, USAGE: 2 } as const;

const USAGE = `Usage: notary-admission <command> [options]

Commands:
  serve               run the admission webhook (HTTPS, /validate and /mutate)
  verify <reference>  verify one image like \`notation verify\`
  version             print the version
  help                print this help
`;

function version(): string {
  const pkg = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Runs one command line and returns the process exit code. */
export function runCli(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      io.out(
        'notary-admission serve: the webhook service is being built (issue #5). `npm start` will ' +
          'serve it on https://127.0.0.1:8443 with a generated certificate and the example policy ' +
          'in examples/.\n',
      );
      return EXIT.OK;
    case 'verify':
      io.err(
        `notary-admission verify${rest[0] ? ` ${rest[0]}` : ''}: not available yet (issue #5)\n`,
      );
      return EXIT.USAGE;
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
}
