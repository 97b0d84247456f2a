// `notary-admission verify` against `notation verify`, both reading the same notation config
// directory (`$XDG_CONFIG_HOME/notation`) for every differential scenario: real PKI, registries,
// notation-signed JWS and COSE images, TSA, OCSP and CRL.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { VerifyReport } from '../../src/cli-report.js';
import { requireTool } from '../harness/index.js';
import { REPO_ROOT } from '../harness/tools.js';
import { run, type RunResult } from '../harness/run.js';
import { makeWorkdir } from '../harness/workdir.js';
import {
  startDifferentialWorld,
  writeNotationConfig,
  type DifferentialWorld,
} from './differential/infra.js';
import type { Prepared } from './differential/prepare.js';
import { SCENARIOS } from './differential/scenarios.js';

/** Validation types of `Warning: <type> was set to "log" and failed …` lines, sorted. */
function loggedTypes(stderr: string): string[] {
  return [...stderr.matchAll(/Warning: (\w+) was set to "log" and failed/g)]
    .map((m) => m[1]!)
    .sort();
}

/** A fresh `$XDG_CONFIG_HOME` holding the scenario's notation configuration. */
function configHome(p: Prepared): string {
  const home = makeWorkdir('cli-verify');
  writeNotationConfig(p, home);
  return home;
}

/** `--user-metadata k=v` for each pair the scenario requires (notation's flag and ours). */
const metadataFlags = (p: Prepared): string[] =>
  Object.entries(p.scenario.requiredMetadata ?? {}).flatMap(([k, v]) => [
    '--user-metadata',
    `${k}=${v}`,
  ]);

function notation(reference: string, p: Prepared, home: string): Promise<RunResult> {
  const env = { HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: path.join(home, 'cache') };
  const plainHttp = p.registry.url.startsWith('http:') ? ['--insecure-registry'] : [];
  return run(requireTool('notation'), ['verify', ...plainHttp, ...metadataFlags(p), reference], {
    env,
  });
}

async function ours(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { out: (t: string) => void (stdout += t), err: (t: string) => void (stderr += t) };
  const code = await runCli(['verify', ...argv], io, { env });
  return { code, stdout, stderr };
}

/** Our CLI on a scenario, with notation's directory from $XDG_CONFIG_HOME only. */
function oursOn(reference: string, p: Prepared, home: string, extra: string[] = []) {
  // notation's own spelling: a bare flag for the reference's registry.
  const plainHttp = p.registry.url.startsWith('http:') ? ['--insecure-registry'] : [];
  return ours([reference, ...plainHttp, ...metadataFlags(p), ...extra], { XDG_CONFIG_HOME: home });
}

describe('notary-admission verify', () => {
  let world: DifferentialWorld;
  const prepared = (name: string): Prepared => world.prepared.get(name)!;
  beforeAll(async () => {
    world = await startDifferentialWorld(SCENARIOS);
  }, 600_000);
  afterAll(async () => {
    await world?.stop();
  });

  describe('when compared with notation verify on the same config directory', () => {
    it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (name, s) => {
      const p = prepared(name);
      const home = configHome(p);
      const reference = await notation(p.image.reference, p, home);
      const mine = await oursOn(p.image.reference, p, home);
      const expected = { verified: s.expect.verified, logged: [...(s.expect.logged ?? [])].sort() };
      expect(
        { verified: reference.code === 0, logged: loggedTypes(reference.stderr) },
        `notation: ${reference.stderr}`,
      ).toEqual(expected);
      expect({ code: mine.code, logged: loggedTypes(mine.stderr) }, `ours: ${mine.stderr}`).toEqual(
        { code: s.expect.verified ? 0 : 1, logged: expected.logged },
      );
      if (s.expect.verified) {
        const verb = s.level === 'skip' ? /skip signature verification/ : /Successfully verified/;
        expect(mine.stdout).toMatch(verb);
        expect(mine.stdout).toContain(`${p.registry.host}/${p.image.repository}@${p.image.digest}`);
      } else expect(mine.stderr).toMatch(/^Error: signature verification failed: .+ \[[A-Z_]+\]$/m);
    });
  });

  describe('when the reference is a tag', () => {
    it('verifies the digest it resolves to and warns as notation does', async () => {
      const p = prepared('jws rsa-2048 strict (tag schema)');
      const home = configHome(p);
      const reference = await notation(p.image.tagReference, p, home);
      const mine = await oursOn(p.image.tagReference, p, home);
      expect(reference.code).toBe(0);
      expect(mine.code).toBe(0);
      // notation's words to the letter, `sha256:...` included: the success line names the digest.
      const warning = `Warning: Always verify the artifact using digest(@sha256:...) rather than a tag(:${p.image.tag}) because resolved digest may not point to the same signed artifact, as tags are mutable.`;
      expect(reference.stderr).toContain(warning);
      expect(mine.stderr).toBe(`${warning}\n`);
      expect(mine.stdout).toBe(
        `Successfully verified signature for ${p.registry.host}/${p.image.repository}@${p.image.digest}\n`,
      );
    });
  });

  describe('when run as a process', () => {
    it('exits 0 by itself after verifying online (registry and OCSP connections closed)', async () => {
      const p = prepared('cose ocsp good');
      const home = configHome(p);
      const argv = ['verify', p.image.reference, `--insecure-registry=${p.registry.host}`];
      // A handle left open keeps the process alive until run() kills it, failing the test.
      const result = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...argv], {
        cwd: REPO_ROOT,
        env: { XDG_CONFIG_HOME: home },
        timeoutMs: 30_000,
      });
      expect(result).toEqual({
        code: 0,
        stdout: `Successfully verified signature for ${p.registry.host}/${p.image.repository}@${p.image.digest}\n`,
        stderr: '',
      });
    });
  });

  describe('with --output json', () => {
    it('prints the verified report with the signature and every validation', async () => {
      const p = prepared('jws expired signature strict, expiry logged');
      const mine = await oursOn(p.image.reference, p, configHome(p), ['--output', 'json']);
      expect(mine.code).toBe(0);
      expect(mine.stderr).toBe('');
      const report = JSON.parse(mine.stdout) as VerifyReport;
      expect(report).toMatchObject({
        reference: p.image.reference,
        digest: p.image.digest,
        verified: true,
        inconclusive: false,
        policy: 'differential',
        level: 'strict',
        failures: [],
      });
      expect(report.signature?.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(report.signature?.validations.map((v) => [v.type, v.action, v.result])).toEqual([
        ['integrity', 'enforce', 'passed'],
        ['authenticity', 'enforce', 'passed'],
        ['expiry', 'log', 'failed'],
        ['authenticTimestamp', 'enforce', 'passed'],
        ['revocation', 'enforce', 'passed'],
      ]);
      expect(report.signature?.validations[2]?.code).toBe('SIGNATURE_EXPIRED');
      expect(report.warnings).toEqual([
        expect.stringMatching(/^expiry was set to "log" and failed with error: /),
      ]);
      expect(report.error).toBeUndefined();
    });

    it('prints the failed report with each failure and the error', async () => {
      const p = prepared('jws untrusted strict');
      const mine = await oursOn(p.image.reference, p, configHome(p), ['-o', 'json']);
      expect(mine.code).toBe(1);
      expect(mine.stderr).toBe('');
      const report = JSON.parse(mine.stdout) as VerifyReport;
      expect(report).toMatchObject({
        reference: p.image.reference,
        digest: p.image.digest,
        verified: false,
        inconclusive: false,
        policy: 'differential',
        level: 'strict',
        warnings: [],
        error: { code: 'CERT_CHAIN_UNTRUSTED' },
      });
      expect(report.signature).toBeUndefined();
      expect(report.failures).toEqual([
        {
          signature: expect.stringMatching(/^sha256:[a-f0-9]{64}$/) as string,
          code: 'CERT_CHAIN_UNTRUSTED',
          message: report.error?.message,
        },
      ]);
    });
  });

  describe('when the configuration is unusable', () => {
    it('exits 2 when the notation directory has no trustpolicy.json', async () => {
      const p = prepared('jws rsa-2048 strict (tag schema)');
      const home = makeWorkdir('cli-verify-empty');
      const mine = await oursOn(p.image.reference, p, home);
      expect(mine).toEqual({
        code: 2,
        stdout: '',
        stderr: `Error: trust policy ${path.join(home, 'notation', 'trustpolicy.json')} does not exist\n`,
      });
    });

    it('exits 2 on an invalid reference', async () => {
      const p = prepared('jws rsa-2048 strict (tag schema)');
      const mine = await oursOn(`${p.registry.host}/Diff/UPPER:v1`, p, configHome(p));
      expect(mine.code).toBe(2);
      expect(mine.stdout).toBe('');
      expect(mine.stderr).toMatch(/^Error: invalid image reference .*\[INVALID_REFERENCE\]\n$/);
    });
  });

  describe('when --trust-policy and --trust-store are given', () => {
    /** A notation directory whose policy trusts nobody this image was signed by. */
    function distrustingHome(p: Prepared): string {
      const home = configHome(p);
      const policy = p.trustPolicy as { trustPolicies: { trustedIdentities: string[] }[] };
      const other = {
        ...policy,
        trustPolicies: policy.trustPolicies.map((s) => ({
          ...s,
          trustedIdentities: ['x509.subject:C=US, ST=WA, O=Somebody Else'],
        })),
      };
      writeFileSync(path.join(home, 'notation', 'trustpolicy.json'), JSON.stringify(other));
      return home;
    }

    it('reads them instead of the notation directory', async () => {
      const p = prepared('jws ec-p256 strict (referrers API)');
      const good = path.join(configHome(p), 'notation');
      const bad = distrustingHome(p);
      expect((await oursOn(p.image.reference, p, bad)).code).toBe(1);
      const flags = [
        ...['--trust-policy', path.join(good, 'trustpolicy.json')],
        ...['--trust-store', path.join(good, 'truststore')],
      ];
      const mine = await oursOn(p.image.reference, p, bad, flags);
      expect(mine.code, mine.stderr).toBe(0);
    });

    it('exits 2 when the named trust store lacks a store the policy uses', async () => {
      const p = prepared('jws ec-p256 strict (referrers API)');
      const home = configHome(p);
      const empty = makeWorkdir('cli-verify-store');
      mkdirSync(path.join(empty, 'x509'), { recursive: true });
      const mine = await oursOn(p.image.reference, p, home, ['--trust-store', empty]);
      expect(mine.code).toBe(2);
      expect(mine.stderr).toMatch(/uses trust store "ca:trusted", which does not exist/);
    });
  });
});
