// `notary-admission verify --dct-server URL --dct-root FILE <reference>` (issue 18) against the
// real notary-server, with trust data published by the real notary client for images pushed to
// the harness registry: the trusted digest and the signing role, image by image.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { VerifyReport } from '../../src/cli-report.js';
import {
  notaryClient,
  pushImage,
  startNotaryServer,
  startRegistry,
  type NotaryServer,
  type PushedImage,
  type Registry,
} from '../harness/index.js';
import { makeWorkdir } from '../harness/workdir.js';

let registry: Registry;
let notary: NotaryServer;
let signed: PushedImage;
let other: PushedImage;
let rootFile: string;

beforeAll(async () => {
  [registry, notary] = await Promise.all([
    startRegistry({ kind: 'distribution' }),
    startNotaryServer(),
  ]);
  signed = await pushImage(registry, 'cli/dct', { tag: 'v1' });
  other = await pushImage(registry, 'cli/dct', { tag: 'v2' });
  const gun = `${registry.host}/cli/dct`;
  const cli = notaryClient(notary);
  await cli.init(gun);
  await cli.addDelegation(gun, 'targets/releases');
  await cli.addHash(gun, 'v1', signed, 'targets/releases');
  const root = JSON.parse(
    readFileSync(path.join(cli.trustDir, 'tuf', gun, 'metadata', 'root.json'), 'utf8'),
  ) as {
    signed: {
      keys: Record<string, { keyval: { public: string } }>;
      roles: { root: { keyids: string[] } };
    };
  };
  const pem = root.signed.keys[root.signed.roles.root.keyids[0]!]!.keyval.public;
  rootFile = path.join(makeWorkdir('cli-dct'), 'root.pem');
  writeFileSync(rootFile, Buffer.from(pem, 'base64'));
});
afterAll(async () => {
  await Promise.all([registry?.stop(), notary?.stop()]);
});

async function verify(reference: string, extra: string[] = []) {
  let stdout = '';
  let stderr = '';
  const io = { out: (t: string) => void (stdout += t), err: (t: string) => void (stderr += t) };
  const argv = [
    'verify',
    reference,
    '--dct-server',
    notary.url,
    '--dct-root',
    rootFile,
    `--insecure-registry=${registry.host}`,
    `--insecure-registry=${new URL(notary.url).host}`,
    ...extra,
  ];
  const code = await runCli(argv, io, { env: {} });
  return { code, stdout, stderr };
}

describe('notary-admission verify --dct-server', () => {
  describe('when the tag is signed for the digest the registry serves', () => {
    it('prints the trusted digest and the signing role, and exits 0', async () => {
      const out = await verify(signed.tagReference);
      expect(out.stdout).toBe(
        `Trusted digest ${signed.digest} for ${signed.tagReference}: tag v1 signed by targets/releases (Docker Content Trust, ${notary.url}, ${registry.host}/cli/dct)\n`,
      );
      expect(out.code).toBe(0);
    });

    it('reports them in JSON', async () => {
      const out = await verify(signed.tagReference, ['--output', 'json']);
      const report = JSON.parse(out.stdout) as VerifyReport;
      expect(report).toMatchObject({
        digest: signed.digest,
        verified: true,
        dct: { server: notary.url, tag: 'v1', role: 'targets/releases' },
      });
    });
  });

  describe('when the tag is not signed', () => {
    it('exits 1 with the DCT code', async () => {
      const out = await verify(other.tagReference);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(
        /^Error: Docker Content Trust verification failed: no target for tag v2 in targets\/releases, targets .*\[DCT_TARGET_NOT_FOUND\]\n$/m,
      );
    });
  });

  describe('when no root is pinned', () => {
    it('exits 2 before any network traffic', async () => {
      let stderr = '';
      const io = { out: () => undefined, err: (t: string) => void (stderr += t) };
      const code = await runCli(['verify', signed.tagReference, '--dct-server', notary.url], io, {
        env: {},
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(/--dct-server needs --dct-root/);
    });
  });
});
