import { describe, expect, it } from 'vitest';
import { EXIT, runCli } from './cli.js';

function capture(argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('runCli', () => {
  it('prints usage for help and for no command', () => {
    for (const argv of [[], ['help'], ['--help']]) {
      const { code, out } = capture(argv);
      expect(code).toBe(EXIT.OK);
      expect(out).toMatch(/^Usage: notary-admission <command>/);
    }
  });

  it('prints the package version', () => {
    expect(capture(['version']).out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  describe('when the command is unknown', () => {
    it('exits with the usage code and names the command', () => {
      const { code, err } = capture(['sevre']);
      expect(code).toBe(EXIT.USAGE);
      expect(err).toMatch(/unknown command "sevre"/);
    });
  });
});
