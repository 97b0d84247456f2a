// The release definition (.github/workflows): actionlint passes on every workflow, and the
// release's verification step (.github/scripts/verify-release.sh, run by the workflow before the
// chart is published) admits a signed image and a signed Helm chart pushed as an OCI artifact,
// and refuses an unsigned one, with `notary-admission verify` and `notation verify` alike.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  pushImage,
  requireTool,
  startRegistry,
  type Pki,
  type Registry,
} from '../harness/index.js';
import { run, runOk } from '../harness/run.js';
import { REPO_ROOT } from '../harness/tools.js';
import { makeWorkdir } from '../harness/workdir.js';

const WORKFLOWS = path.join(REPO_ROOT, '.github/workflows');
const VERIFY_RELEASE = path.join(REPO_ROOT, '.github/scripts/verify-release.sh');
const CHART = path.join(REPO_ROOT, 'charts/notary-admission');

describe('.github/workflows', () => {
  it('passes actionlint (with shellcheck on every run: block)', async () => {
    const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'release.yml']));
    const result = await run(requireTool('actionlint'), [
      '-shellcheck',
      requireTool('shellcheck'),
      ...files.map((f) => path.join(WORKFLOWS, f)),
    ]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: string;
}

const release = load(readFileSync(path.join(WORKFLOWS, 'release.yml'), 'utf8')) as {
  permissions: unknown;
  jobs: Record<string, Job>;
};
const needs = (job: string): string[] => [release.jobs[job]?.needs ?? []].flat();

describe('.github/workflows/release.yml', () => {
  it('publishes the chart only after the image is verified, and the release after the chart', () => {
    expect(needs('chart')).toContain('verify-image');
    expect(needs('verify-image')).toContain('sign-image');
    expect(needs('verify-chart')).toContain('sign-chart');
    expect(needs('publish')).toContain('verify-chart');
    expect(needs('image')).toContain('ci');
  });

  it('grants no permission by default, and id-token only to the signing jobs', () => {
    expect(release.permissions).toEqual({});
    const withIdToken = Object.entries(release.jobs)
      .filter(([, job]) => job.permissions?.['id-token'] === 'write')
      .map(([name]) => name);
    expect(withIdToken.sort()).toEqual(['sign-chart', 'sign-image']);
    for (const name of withIdToken) expect(release.jobs[name]!.environment).toBe('release');
  });

  it('pins every action by full commit SHA with its version in a comment', () => {
    for (const file of readdirSync(WORKFLOWS)) {
      const text = readFileSync(path.join(WORKFLOWS, file), 'utf8');
      const uses = [...text.matchAll(/uses: (\S+)(.*)$/gm)].filter((m) => !m[1]!.startsWith('./'));
      expect(uses.length).toBeGreaterThan(0);
      for (const [line, ref, comment] of uses) {
        expect(ref, line).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        expect(comment, line).toMatch(/^ # v\d+\.\d+\.\d+$/);
      }
    }
  });
});

describe('.github/scripts/verify-release.sh', () => {
  let registry: Registry;
  let pki: Pki;

  /** The script as the workflow runs it, with the CLI from source and plain HTTP. */
  const verifyRelease = (cert: string, ...refs: string[]) =>
    run('bash', [VERIFY_RELEASE, cert, ...refs], {
      env: {
        NOTARY_ADMISSION: `${process.execPath} --import tsx src/cli.ts`,
        NOTATION: requireTool('notation'),
        VERIFY_FLAGS: '--insecure-registry',
        NOTATION_FLAGS: '--insecure-registry',
      },
      cwd: REPO_ROOT,
    });

  const sign = (reference: string) =>
    notationSign(reference, registry, { key: pki.leaf.keyPath, certChain: pki.chainPath });

  beforeAll(async () => {
    [registry, pki] = await Promise.all([
      startRegistry({ kind: 'distribution', auth: 'none' }),
      makePki({ key: 'ec-p384' }),
    ]);
  });
  afterAll(() => registry?.stop());

  describe('when the multi-arch image and the chart are signed under the release certificate', () => {
    it('returns 0 for both, verified by notary-admission and by notation', async () => {
      const image = await pushImage(registry, 'acme/notary-admission', {
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      await sign(image.reference);
      const dir = makeWorkdir('release-chart');
      await runOk(requireTool('helm'), ['package', CHART, '--version', '0.0.1-test', '-d', dir]);
      const pushed = await run(requireTool('helm'), [
        'push',
        path.join(dir, 'notary-admission-0.0.1-test.tgz'),
        `oci://${registry.host}/acme/charts`,
        '--plain-http',
      ]);
      const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout + pushed.stderr)?.[1];
      expect(digest).toBeDefined();
      const chart = `${registry.host}/acme/charts/notary-admission@${digest}`;
      await sign(chart);

      const result = await verifyRelease(pki.root.certPath, image.reference, chart);
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.stdout).toContain(`Successfully verified signature for ${image.reference}`);
      expect(result.stdout).toContain(`Successfully verified signature for ${chart}`);
      expect(result.code).toBe(0);
    });
  });

  describe('when an artifact is not signed', () => {
    it('returns 1 and names the missing signature', async () => {
      const image = await pushImage(registry, 'acme/unsigned');
      const result = await verifyRelease(pki.root.certPath, image.reference);
      expect(result.stderr).toMatch(/SIGNATURE_NOT_FOUND|no signature/i);
      expect(result.code).toBe(1);
    });
  });

  describe('when a reference names a tag', () => {
    it('returns 2 before verifying anything', async () => {
      const result = await verifyRelease(pki.root.certPath, `${registry.host}/acme/x:1.0`);
      expect(result.stderr).toMatch(/by digest/);
      expect(result.code).toBe(2);
    });
  });
});
